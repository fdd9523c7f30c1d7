// `voronka check PATHS…`: parse and check funnel files, report every mistake.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "compiler/ast/ast.h"
#include "compiler/diagnostics/render.h"
#include "compiler/driver/compilation.h"
#include "tools/voronka/commands.h"

namespace voronka::tool {
namespace {

struct CheckOptions {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string warnings;
  std::string emit;
  std::string stdlib;
  std::string color = "auto";
  int maxNesting = 256;
};

std::string defaultStdlib() {
  if (const char* env = std::getenv("VORONKA_STDLIB")) return env;
  return VORONKA_STDLIB_DIR;
}

int runCheck(const CheckOptions& o) {
  if (o.warnings != "" && o.warnings != "error") {
    std::cerr << "voronka: error: -W takes `error` (-Werror: warnings fail the check)\n";
    return 2;
  }
  std::vector<std::string> inputErrors;
  std::vector<std::filesystem::path> files = driver::expandInputs(o.paths, inputErrors);
  for (const auto& e : inputErrors) std::cerr << "voronka: error: " << e << "\n";
  if (!inputErrors.empty()) return 2;

  driver::CompileOptions options;
  options.stdlibDir = o.stdlib.empty() ? defaultStdlib() : o.stdlib;
  options.parse.maxNesting = o.maxNesting;
  driver::Compilation compilation(options);

  int usageError = 0;
  std::string emitted;
  driver::runWithLargeStack([&] {
    std::vector<FileId> roots;
    for (const auto& file : files) {
      std::string error;
      std::optional<FileId> id = compilation.loadRoot(file, error);
      if (!id) {
        std::cerr << fmt::format("voronka: error: cannot read {}: {}\n", file.string(), error);
        usageError = 2;
        continue;
      }
      roots.push_back(*id);
    }
    if (o.emit == "tokens" || o.emit == "ast") {
      for (FileId id : roots) {
        const SourceFile& f = compilation.sources().file(id);
        emitted += o.emit == "tokens" ? parse::dumpTokens(f) : ast::dump(compilation.module(id), compilation.sources());
      }
      return;
    }
    for (FileId id : roots) compilation.check(compilation.collect(id));
  });
  if (usageError) return usageError;

  DiagnosticSink& sink = compilation.diagnostics();
  sink.sortAndDeduplicate();
  std::cout << emitted;
  if (o.format == "json") {
    std::cout << renderJson(sink, compilation.sources());
  } else {
    bool color = o.color == "always" || (o.color == "auto" && isatty(STDERR_FILENO));
    for (const auto& d : sink.all()) std::cerr << renderText(d, compilation.sources(), {color});
    std::string summary = renderSummary(sink.errorCount(), sink.warningCount());
    if (!summary.empty()) {
      std::cerr << summary << "\n";
    } else if (o.emit.empty()) {
      std::cout << fmt::format("{} file{} checked, no problems found\n", files.size(), files.size() == 1 ? "" : "s");
    }
  }
  bool failed = sink.errorCount() > 0 || (o.warnings == "error" && sink.warningCount() > 0);
  return failed ? 1 : 0;
}

}  // namespace

Runner addCheckCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("check", "Check .funnel files (and the files they `use`) and report every mistake");
  auto o = std::make_shared<CheckOptions>();
  cmd->add_option("paths", o->paths, "Files or directories (searched for *.funnel)")->required();
  cmd->add_option("--format", o->format, "Diagnostics as `text` (on stderr) or `json` (on stdout)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("-W", o->warnings, "-Werror: warnings count as errors for the exit code");
  cmd->add_option("--emit", o->emit, "Print `tokens` or the `ast` of each file instead of checking it")
      ->check(CLI::IsMember({"tokens", "ast"}));
  cmd->add_option("--stdlib", o->stdlib, "Directory of the std.* modules (default: $VORONKA_STDLIB or the built-in one)");
  cmd->add_option("--color", o->color, "Color the text output: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--max-nesting", o->maxNesting, "Deepest nesting of brackets accepted (default 256)");
  cmd->footer(
      "Exit status: 0 when clean, 1 when errors were found (or warnings with -Werror), 2 on a usage or I/O error.\n"
      "Each message reads `file:line:col: error: what is wrong [id]`; `voronka explain ID` says more.");
  return [o]() { return runCheck(*o); };
}

}  // namespace voronka::tool
