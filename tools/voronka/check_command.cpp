// `voronka check PATHS…`: parse and check funnel files, report every mistake.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <map>

#include "common/write_file.h"
#include "compiler/ast/ast.h"
#include "compiler/diagnostics/render.h"
#include "compiler/driver/compilation.h"
#include "compiler/driver/project_config.h"
#include "compiler/driver/session.h"
#include "tools/voronka/color.h"
#include "tools/voronka/commands.h"
#include "tools/voronka/crm_check.h"
#include "tools/voronka/standard_input.h"

namespace voronka::tool {
namespace {

struct CheckOptions {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string warnings;
  std::string emit;
  std::string stdlib;
  std::string color = "auto";
  std::string columns = "chars";  // --columns bytes: header columns in bytes (Vim's quickfix)
  int maxNesting = 256;
  std::string config;         // --config FILE: one voronka.toml for every file
  std::string failLevel;      // --fail-level warning|error
  std::string output;         // -o FILE: where the json/sarif/codequality report goes
  std::string crm;            // --crm crm.toml: the CRM mapping against the program (crm_check.h)
  std::string docsUrl;        // --docs-url: where SARIF help links point (else $VORONKA_DOCS_URL, else the build's)
  std::string stdinFilename;  // --stdin-filename: what `-` stands for (standard_input.h)
};

// Where SARIF help links point: --docs-url, $VORONKA_DOCS_URL, or the address fixed at build time.
std::string docsUrl(const CheckOptions& o) {
  if (!o.docsUrl.empty()) return o.docsUrl;
  if (const char* env = std::getenv("VORONKA_DOCS_URL"); env && *env) return env;
  return VORONKA_DOCS_URL;
}

// Prints a usage or I/O error and keeps it for the report (a SARIF log says why the run failed).
void reportFailure(std::vector<std::string>& failures, std::string message) {
  std::cerr << "voronka: error: " << message << "\n";
  failures.push_back(std::move(message));
}

int checkFiles(const CheckOptions& o, std::vector<std::string>& failures) {
  if (o.warnings != "" && o.warnings != "error") {
    reportFailure(failures, "-W takes `error` (-Werror: warnings fail the check)");
    return 2;
  }
  if (!o.output.empty() && o.format == "text") {
    reportFailure(failures, "-o writes a report: give --format json, sarif or codequality");
    return 2;
  }
  std::optional<driver::StandardInput> standardInput;
  if (!readStandardInput(o.paths, o.stdinFilename, standardInput)) {
    failures.push_back("standard input cannot be used");
    return 2;
  }
  driver::Session session({.stdlibDir = o.stdlib, .standardInput = standardInput});
  std::string configError;
  if (!o.config.empty() && !session.useConfigFile(o.config, configError)) {
    reportFailure(failures, configError);
    return 2;
  }
  std::vector<std::string> inputErrors;
  std::vector<std::filesystem::path> files = driver::expandInputs(o.paths, inputErrors, standardInput);
  for (const auto& e : inputErrors) reportFailure(failures, e);
  if (!inputErrors.empty()) return 2;

  parse::ParseOptions parseOptions;
  parseOptions.maxNesting = o.maxNesting;
  std::unique_ptr<driver::Compilation> owned = session.newCompilation(/*lint=*/true, parseOptions);
  driver::Compilation& compilation = *owned;

  int usageError = 0;
  std::string emitted;
  std::map<FileId, const driver::ProjectConfig*> fileConfigs;
  std::vector<CrmProblem> crmProblems;
  driver::runWithLargeStack([&] {
    std::vector<FileId> roots;
    std::vector<const driver::ProjectConfig*> rootConfigs;
    for (const auto& file : files) {
      std::string error;
      std::optional<FileId> id = compilation.loadRoot(file, error);
      if (!id) {
        reportFailure(failures, fmt::format("cannot read {}: {}", file.string(), error));
        usageError = 2;
        continue;
      }
      roots.push_back(*id);
      rootConfigs.push_back(session.configFor(file, configError));
      if (!configError.empty()) {
        usageError = 2;
        return;
      }
    }
    if (o.emit == "tokens" || o.emit == "ast") {
      for (FileId id : roots) {
        const SourceFile& f = compilation.sources().file(id);
        emitted += o.emit == "tokens" ? parse::dumpTokens(f) : ast::dump(compilation.module(id), compilation.sources());
      }
      return;
    }
    for (size_t i = 0; i < roots.size(); ++i) {
      driver::ProgramFiles program = compilation.collect(roots[i]);
      // A file takes the configuration of the first program that uses it.
      for (FileId f : program.files) fileConfigs.emplace(f, rootConfigs[i]);
      std::optional<check::CheckedProgram> checked = compilation.check(program);
      if (checked && !o.crm.empty()) {
        auto found = checkCrmMapping(o.crm, *checked, compilation.sources());
        crmProblems.insert(crmProblems.end(), found.begin(), found.end());
      }
    }
  });
  if (!configError.empty()) reportFailure(failures, configError);
  if (usageError) return usageError;

  DiagnosticSink& sink = compilation.diagnostics();
  sink.sortAndDeduplicate();
  driver::applyLintLevels(sink, [&](FileId f) -> const driver::ProjectConfig* {
    auto it = fileConfigs.find(f);
    return it == fileConfigs.end() ? nullptr : it->second;
  });
  std::cout << emitted;
  std::string report;
  if (o.format != "text") {
    CiReportOptions ci;
    ci.stdlibDir = session.stdlibDir();
    ci.docsUrl = docsUrl(o);
    if (o.format == "json") report = renderJson(sink, compilation.sources());
    if (o.format == "sarif") report = renderSarif(sink, compilation.sources(), ci);
    if (o.format == "codequality") report = renderCodeQuality(sink, compilation.sources(), ci);
  }
  if (!o.output.empty()) {
    if (Result<void> written = writeFileAtomically(o.output, report); !written) {
      reportFailure(failures, fmt::format("cannot write {}: {}", o.output, written.error()));
      return 2;
    }
  } else {
    std::cout << report;
  }
  if (o.format == "text" || !o.output.empty()) {
    bool color = useColor(o.color, STDERR_FILENO);
    TextRenderOptions text{.color = color, .byteColumns = o.columns == "bytes"};
    for (const auto& d : sink.all()) std::cerr << renderText(d, compilation.sources(), text);
    for (const auto& p : crmProblems) std::cerr << p.text << "\n";
    std::string summary = renderSummary(sink.errorCount(), sink.warningCount());
    if (!summary.empty()) {
      std::cerr << summary << "\n";
    } else if (o.emit.empty() && crmProblems.empty()) {
      std::cout << fmt::format("{} file{} checked, no problems found\n", files.size(), files.size() == 1 ? "" : "s");
    }
  }
  // -Werror and --fail-level override the project files' `fail-level`.
  Severity failLevel = session.failLevel().value_or(Severity::Error);
  if (!o.failLevel.empty()) failLevel = *driver::parseFailLevel(o.failLevel);
  if (o.warnings == "error") failLevel = Severity::Warning;
  bool crmErrors = std::any_of(crmProblems.begin(), crmProblems.end(), [](const CrmProblem& p) { return p.error; });
  bool failed = sink.errorCount() > 0 || crmErrors || (failLevel == Severity::Warning && sink.warningCount() > 0);
  return failed ? 1 : 0;
}

// A run that stops with exit status 2 still leaves a SARIF log when one was
// asked for: no results, the invocation failed, and why (so a CI step that
// uploads the log `if: always()` has one to upload).
int runCheck(const CheckOptions& o) {
  std::vector<std::string> failures;
  int status = checkFiles(o, failures);
  if (status != 2 || o.format != "sarif" || failures.empty()) return status;
  CiReportOptions ci;
  ci.docsUrl = docsUrl(o);
  ci.failures = failures;
  std::string log = renderSarif(DiagnosticSink{}, SourceManager{}, ci);
  if (o.output.empty()) {
    std::cout << log;
  } else if (Result<void> written = writeFileAtomically(o.output, log); !written) {
    std::cerr << fmt::format("voronka: error: cannot write {}: {}\n", o.output, written.error());
  }
  return status;
}

}  // namespace

Runner addCheckCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("check", "Check .funnel files (and the files they `use`) and report every mistake");
  auto o = std::make_shared<CheckOptions>();
  cmd->add_option("paths", o->paths, "Files or directories (searched for *.funnel); `-`: standard input")->required();
  addStdinFilenameOption(cmd, o->stdinFilename);
  cmd->add_option("--format", o->format,
                  "Diagnostics as `text` (on stderr), `json`, `sarif` (SARIF 2.1.0, for code scanning) or "
                  "`codequality` (GitLab Code Quality), the last three on stdout or into -o FILE")
      ->check(CLI::IsMember({"text", "json", "sarif", "codequality"}));
  cmd->add_option("-o,--output", o->output,
                  "Write the json/sarif/codequality report to FILE (and show text on stderr)");
  cmd->add_option("-W", o->warnings, "-Werror: warnings count as errors for the exit code (--fail-level warning)");
  cmd->add_option("--fail-level", o->failLevel,
                  "Lowest severity that fails the check (exit status 1): `error` (the default) or `warning`")
      ->check(CLI::IsMember({"error", "warning"}));
  cmd->add_option("--config", o->config,
                  "Project file with lint levels (default: the nearest voronka.toml above each file)");
  cmd->add_option("--emit", o->emit, "Print `tokens` or the `ast` of each file instead of checking it")
      ->check(CLI::IsMember({"tokens", "ast"}));
  cmd->add_option("--stdlib", o->stdlib,
                  "Directory of the std.* modules (default: $VORONKA_STDLIB or the built-in one)");
  cmd->add_option("--color", o->color, "Color the text output: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--columns", o->columns,
                  "Count the columns of `file:line:col:` in `chars` (the default) or `bytes` (Vim's quickfix %c)")
      ->check(CLI::IsMember({"chars", "bytes"}));
  cmd->add_option("--docs-url", o->docsUrl,
                  "Base address of the docs/ folder for SARIF help links (default: $VORONKA_DOCS_URL, else the "
                  "address set when voronka was built)");
  cmd->add_option("--crm", o->crm,
                  "crm.toml: also report unmapped stages, fields, members and users, and CRM type mismatches");
  cmd->add_option("--max-nesting", o->maxNesting, "Deepest nesting of brackets accepted (default 256)");
  cmd->footer(
      "Exit status: 0 when clean, 1 when errors were found (or warnings with --fail-level warning), 2 on a usage or I/O "
      "error.\n"
      "Each message reads `file:line:col: error: what is wrong [id]`; `voronka explain ID` says more.\n"
      "Silence a lint with `// voronka: allow ID` on its line or block; set levels in voronka.toml (docs/ci.md).");
  return [o]() { return runCheck(*o); };
}

}  // namespace voronka::tool
