// `voronka fmt [--check] [-w] [--diff] PATHS…`: lay funnel files out in the
// one canonical way (compiler/format). Without -w, --check or --diff the
// formatted text goes to stdout; `-` (or no path) formats stdin.
#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <thread>

#include "common/read_file.h"
#include "common/write_file.h"
#include "compiler/diagnostics/render.h"
#include "compiler/driver/compilation.h"
#include "compiler/format/format.h"
#include "compiler/format/unified_diff.h"
#include "tools/voronka/color.h"
#include "tools/voronka/commands.h"

namespace voronka::tool {
namespace {

namespace fs = std::filesystem;

struct FmtOptions {
  std::vector<std::string> paths;
  bool check = false;
  bool write = false;
  bool diff = false;
  std::string color = "auto";
};

// Exit codes, worst wins: 0 fine, 1 a file needs formatting (--check) or does
// not parse, 2 usage or I/O error.
struct Outcome {
  int code = 0;
  size_t unformatted = 0;
  size_t refused = 0;
  void raise(int c) { code = std::max(code, c); }
};

bool readAll(std::istream& in, std::string& out) {
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return !in.bad();
}

// One input, formatted (on a worker thread), then reported in input order.
struct Job {
  std::string displayPath;
  std::optional<fs::path> file;  // empty for stdin
  std::string text;
  bool readFailed = false;
  std::string readError;
  SourceManager sources;  // holds the file for the error messages
  DiagnosticSink sink;
  format::FormatResult result;
};

void formatJob(Job& job) {
  FileId id = job.sources.add(job.displayPath, std::move(job.text));
  job.result = format::formatFile(job.sources.file(id), job.sink);
}

// Runs fn(i) for i in [0, n) on up to one thread per core, each with a stack
// large enough for deep but legal input (see driver::runWithLargeStack).
void parallelFor(size_t n, const std::function<void(size_t)>& fn) {
  size_t workers = std::min<size_t>(n, std::max(1u, std::thread::hardware_concurrency()));
  if (workers <= 1) {
    driver::runWithLargeStack([&] {
      for (size_t i = 0; i < n; ++i) fn(i);
    });
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      driver::runWithLargeStack([&] {
        for (size_t i = next++; i < n; i = next++) fn(i);
      });
    });
  }
  for (auto& t : threads) t.join();
}

void report(Job& job, const FmtOptions& o, bool color, Outcome& outcome) {
  if (job.readFailed) {
    std::cerr << fmt::format("voronka: error: cannot read {}: {}\n", job.displayPath, job.readError);
    outcome.raise(2);
    return;
  }
  const SourceFile& source = job.sources.file(0);
  if (job.result.status == format::FormatResult::Status::SyntaxErrors) {
    job.sink.sortAndDeduplicate();
    for (const auto& d : job.sink.all()) {
      if (d.severity == Severity::Error) std::cerr << renderText(d, job.sources, {color});
    }
    std::cerr << fmt::format(
        "voronka: {}: not formatted: it has syntax errors; fix them first (`voronka check {}` lists them)\n",
        job.displayPath, job.displayPath);
    outcome.raise(1);
    ++outcome.refused;
    return;
  }
  if (job.result.status == format::FormatResult::Status::InternalError) {
    std::cerr << job.result.error << "\n";
    outcome.raise(1);
    ++outcome.refused;
    return;
  }
  bool changed = job.result.text != source.text();
  if (changed) ++outcome.unformatted;
  if (o.diff && changed) std::cout << format::unifiedDiff(source.text(), job.result.text, job.displayPath);
  if (o.check && changed) {
    if (!o.diff) std::cout << job.displayPath << "\n";
    outcome.raise(1);
  }
  if (o.write && changed && job.file) {
    // Through a temporary beside it: a crash never leaves half a file.
    if (Result<void> written = writeFileAtomically(*job.file, job.result.text); !written) {
      std::cerr << fmt::format("voronka: error: cannot write {}: {}\n", job.file->string(), written.error());
      outcome.raise(2);
    }
  }
  if (!o.check && !o.diff && (!o.write || !job.file)) std::cout << job.result.text;  // `-w -`: nowhere but stdout
}

int runFmt(const FmtOptions& o) {
  if (o.check && o.write) {
    std::cerr
        << "voronka: error: --check reports files that need formatting and -w rewrites them; give one of the two\n";
    return 2;
  }
  bool color = useColor(o.color, STDERR_FILENO);
  Outcome outcome;
  std::vector<std::string> paths = o.paths;
  if (paths.empty()) paths.push_back("-");
  std::vector<std::unique_ptr<Job>> jobs;
  bool stdinSeen = false;
  for (const auto& p : paths) {
    if (p == "-") {
      if (stdinSeen) continue;
      stdinSeen = true;
      auto job = std::make_unique<Job>();
      job->displayPath = "<stdin>";
      if (!readAll(std::cin, job->text)) {
        job->readFailed = true;
        job->readError = "read error";
      }
      jobs.push_back(std::move(job));
      continue;
    }
    std::vector<std::string> errors;
    for (const auto& f : driver::expandInputs({p}, errors)) {
      auto job = std::make_unique<Job>();
      job->displayPath = f.string();
      job->file = f;
      if (Result<std::string> text = readWholeFile(f)) {
        job->text = std::move(*text);
      } else {
        job->readFailed = true;
        job->readError = text.error();
      }
      jobs.push_back(std::move(job));
    }
    for (const auto& e : errors) {
      std::cerr << "voronka: error: " << e << "\n";
      outcome.raise(2);
    }
  }
  parallelFor(jobs.size(), [&](size_t i) {
    if (!jobs[i]->readFailed) formatJob(*jobs[i]);
  });
  for (auto& job : jobs) report(*job, o, color, outcome);
  if (outcome.refused > 1) {
    std::cerr << fmt::format("{} files were not formatted because of the errors above\n", outcome.refused);
  }
  if (o.check && outcome.unformatted > 0) {
    std::cerr << fmt::format("{} file{} not formatted; `voronka fmt -w PATH` formats {}\n", outcome.unformatted,
                             outcome.unformatted == 1 ? " is" : "s are", outcome.unformatted == 1 ? "it" : "them");
  }
  return outcome.code;
}

}  // namespace

Runner addFmtCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("fmt", "Format .funnel files in the one canonical layout");
  auto o = std::make_shared<FmtOptions>();
  cmd->add_option("paths", o->paths, "Files or directories (searched for *.funnel); `-` or nothing: stdin to stdout");
  cmd->add_flag("--check", o->check, "Change nothing; list the files that are not formatted and exit 1 if any");
  cmd->add_flag("-w,--write", o->write, "Rewrite the files in place (only those that change)");
  cmd->add_flag("--diff", o->diff, "Print what formatting would change, as a unified diff");
  cmd->add_option("--color", o->color, "Color the error messages: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->footer(
      "Formatting changes only white space: line breaks, indentation, spaces, aligned columns; comments stay where\n"
      "they are. A file with syntax errors is never changed (its errors are printed).\n"
      "Exit status: 0 done (or, with --check, everything formatted); 1 a file does not parse or, with --check,\n"
      "needs formatting; 2 a usage or I/O error.");
  return [o]() { return runFmt(*o); };
}

}  // namespace voronka::tool
