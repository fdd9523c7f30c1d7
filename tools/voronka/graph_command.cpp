// `voronka graph FILE [--pipeline P] [--with-std] [--code-names]
// [--format dot|svg|mermaid] [-o OUT]`: the stages, robots and transitions of
// the funnel as a diagram for the client. SVG goes through Graphviz's `dot`
// program.
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>

#include "common/write_file.h"
#include "compiler/diagnostics/render.h"
#include "compiler/driver/session.h"
#include "compiler/graph/graph.h"
#include "tools/voronka/commands.h"
#include "tools/voronka/standard_input.h"

extern char** environ;

namespace voronka::tool {
namespace {

struct GraphOptions {
  std::string file;
  std::string pipeline;
  std::string format = "dot";
  std::string output;
  std::string stdlib;
  bool withStd = false;
  bool codeNames = false;
  std::string stdinFilename;
};

// The files of std.* modules: the driver names them `<stdlib>/…`
// (program_files.cpp), whatever directory they come from.
std::set<FileId> standardFiles(const check::CheckedProgram& program, const SourceManager& sources) {
  std::set<FileId> out;
  for (const ast::Module* m : program.modules) {
    if (sources.file(m->file).path().rfind("<stdlib>/", 0) == 0) out.insert(m->file);
  }
  return out;
}

// Runs `dot -Tsvg` on the DOT text; the SVG in `svg`, or an error message.
bool runDot(const std::string& dotText, std::string& svg, std::string& error) {
  char inputPath[] = "/tmp/voronka-graph-XXXXXX";
  int input = mkstemp(inputPath);
  if (input < 0) {
    error = fmt::format("cannot create a temporary file: {}", std::strerror(errno));
    return false;
  }
  bool written = ::write(input, dotText.data(), dotText.size()) == static_cast<ssize_t>(dotText.size());
  ::close(input);
  struct Cleanup {
    const char* path;
    ~Cleanup() { ::unlink(path); }
  } cleanup{inputPath};
  if (!written) {
    error = "cannot write a temporary file";
    return false;
  }
  int pipeFds[2];
  if (::pipe(pipeFds) != 0) {
    error = fmt::format("cannot start dot: {}", std::strerror(errno));
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipeFds[0]);
  char dotName[] = "dot", format[] = "-Tsvg";
  char* argv[] = {dotName, format, inputPath, nullptr};
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, "dot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipeFds[1]);
  if (spawned != 0) {
    ::close(pipeFds[0]);
    error = spawned == ENOENT ? "`--format svg` needs Graphviz's `dot` program, which is not on PATH; install it "
                                "(Debian: apt-get install graphviz) or use `--format dot`"
                              : fmt::format("cannot run dot: {}", std::strerror(spawned));
    return false;
  }
  char buffer[65536];
  ssize_t n;
  while ((n = ::read(pipeFds[0], buffer, sizeof buffer)) > 0) svg.append(buffer, static_cast<size_t>(n));
  ::close(pipeFds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    error = "dot failed to draw the diagram";
    return false;
  }
  return true;
}

int runGraph(const GraphOptions& o) {
  std::optional<driver::StandardInput> standardInput;
  if (!readStandardInput({o.file}, o.stdinFilename, standardInput)) return 2;
  std::string file = standardInput ? standardInput->path.string() : o.file;
  driver::Session session({.stdlibDir = o.stdlib, .standardInput = std::move(standardInput)});
  // A diagram needs a correct program, not design advice.
  std::unique_ptr<driver::Compilation> owned = session.newCompilation(/*lint=*/false);
  driver::Compilation& compilation = *owned;
  std::string text;
  std::string error;
  int status = 0;
  driver::runWithLargeStack([&] {
    std::optional<FileId> root = compilation.loadRoot(file, error);
    if (!root) {
      error = fmt::format("cannot read {}: {}", file, error);
      status = 2;
      return;
    }
    std::optional<check::CheckedProgram> program = compilation.check(compilation.collect(*root));
    if (!program || compilation.diagnostics().hasErrors()) {
      status = 1;
      return;
    }
    graph::GraphOptions options{.pipeline = o.pipeline,
                                .codeNames = o.codeNames,
                                .standardLibrary = o.withStd,
                                .standardFiles = standardFiles(*program, compilation.sources())};
    std::optional<graph::FunnelGraph> g = graph::buildGraph(*program, compilation.sources(), options, error);
    if (!g) {
      status = 2;
      return;
    }
    text = o.format == "mermaid" ? graph::renderMermaid(*g) : graph::renderDot(*g);
  });
  if (status == 1) {
    DiagnosticSink& sink = compilation.diagnostics();
    sink.sortAndDeduplicate();
    for (const auto& d : sink.all()) std::cerr << renderText(d, compilation.sources());
    std::cerr << renderSummary(sink.errorCount(), sink.warningCount()) << "\n";
    std::cerr << "voronka: error: fix the errors above to draw the funnel\n";
    return 1;
  }
  if (status == 2) {
    std::cerr << "voronka: error: " << error << "\n";
    return 2;
  }
  if (o.format == "svg") {
    std::string svg;
    if (!runDot(text, svg, error)) {
      std::cerr << "voronka: error: " << error << "\n";
      return 2;
    }
    text = std::move(svg);
  }
  if (o.output.empty()) {
    std::cout << text;
    return 0;
  }
  if (Result<void> written = writeFileAtomically(o.output, text); !written) {
    std::cerr << fmt::format("voronka: error: cannot write {}: {}\n", o.output, written.error());
    return 2;
  }
  return 0;
}

}  // namespace

Runner addGraphCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("graph", "Draw the stages and transitions of a funnel (DOT, SVG or Mermaid)");
  auto o = std::make_shared<GraphOptions>();
  cmd->add_option("file", o->file, "The .funnel file (with what it `use`s); `-`: standard input")->required();
  addStdinFilenameOption(cmd, o->stdinFilename);
  cmd->add_option("--pipeline", o->pipeline, "Draw only this pipeline (default: all of the funnel's own)");
  cmd->add_flag("--with-std", o->withStd, "Draw the pipelines of the standard library (std.*) too");
  cmd->add_flag("--code-names", o->codeNames, "Show the code names of stages and pipelines under their titles");
  cmd->add_option("--format", o->format, "`dot` (Graphviz), `svg` (runs Graphviz's dot) or `mermaid` (for Markdown)")
      ->check(CLI::IsMember({"dot", "svg", "mermaid"}));
  cmd->add_option("-o,--output", o->output, "Write to FILE instead of stdout");
  cmd->add_option("--stdlib", o->stdlib,
                  "Directory of the std.* modules (default: $VORONKA_STDLIB or the built-in one)");
  cmd->footer(
      "Boxes are the stages top to bottom, titled as the client knows them (initial: double border; key: gold; won: "
      "green; lost: red), with their robots: what runs on entry, on time and on events. Edges are triggers (blue), "
      "automatic moves (black), the directions managers may move deals by hand (dashed, between neighbours) and "
      "`create deal` (dotted). Rules written for every stage are in an \"any stage\" box. Labels are in the "
      "account's language (`account { language en }`; Russian by default).\nExit status: 0 drawn, 1 the funnel has "
      "errors, 2 usage or I/O error.");
  return [o]() { return runGraph(*o); };
}

}  // namespace voronka::tool
