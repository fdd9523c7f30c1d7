// `voronka test FILES|DIRS`: run the `test` blocks on a virtual clock.
#include <fmt/format.h>
#include <unistd.h>

#include <iostream>
#include <set>

#include <algorithm>

#include <nlohmann/json.hpp>
#include <sstream>

#include "common/write_file.h"
#include "compiler/diagnostics/render.h"
#include "compiler/lower/lower.h"
#include "tools/scenario/scenario.h"
#include "tools/voronka/color.h"
#include "tools/voronka/commands.h"
#include "tools/voronka/compile_inputs.h"
#include "tools/voronka/junit_report.h"
#include "tools/voronka/standard_input.h"

namespace voronka::tool {
namespace {

// A test's JUnit case: one <failure> holding every failed expectation.
JUnitCase junitCase(const scenario::TestResult& r, const SourceManager& sources) {
  JUnitCase c;
  c.name = r.title;
  c.seconds = r.milliseconds / 1000;
  if (r.passed()) return c;
  c.outcome = JUnitCase::Outcome::Failed;
  c.type = "expect";
  c.message = r.failures.front().message;
  if (r.failures.size() > 1) c.message += fmt::format(" (and {} more)", r.failures.size() - 1);
  for (const auto& failure : r.failures) {
    const SourceFile& file = sources.file(failure.where.file);
    LineColumn pos = file.position(failure.where.begin);
    if (c.file.empty()) {
      c.file = file.path();
      c.line = pos.line;
    }
    if (!c.text.empty()) c.text += "\n";
    c.text += fmt::format("{}:{}:{}: {}", file.path(), pos.line, pos.column, failure.message);
    for (const auto& line : failure.context) c.text += "\n" + line;
  }
  return c;
}

// A test as JSON (`voronka test --format json`).
nlohmann::json testJson(const scenario::TestResult& r, const SourceManager& sources) {
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& f : r.failures) {
    const SourceFile& file = sources.file(f.where.file);
    LineColumn pos = file.position(f.where.begin);
    failures.push_back({{"file", file.path()},
                        {"line", pos.line},
                        {"column", pos.column},
                        {"message", f.message},
                        {"context", f.context}});
  }
  return {{"name", r.title}, {"passed", r.passed()}, {"milliseconds", r.milliseconds}, {"failures", failures}};
}

// Does the program have errors (its own files' diagnostics, or no checked program)?
bool hasErrors(driver::Compilation& compilation, const driver::ProgramFiles& program,
               const std::optional<check::CheckedProgram>& checked) {
  if (!checked || program.hasErrors) return true;
  for (const auto& d : compilation.diagnostics().all()) {
    if (d.severity == Severity::Error && d.range.valid() &&
        std::find(program.files.begin(), program.files.end(), d.range.file) != program.files.end()) {
      return true;
    }
  }
  return false;
}

// The tests of a file that does not check, as errors carrying its diagnostics
// (one case named after the file when it has no test blocks).
JUnitSuite uncheckedSuite(driver::Compilation& compilation, const driver::ProgramFiles& program) {
  const SourceManager& sources = compilation.sources();
  JUnitSuite suite;
  suite.name = sources.file(program.root).path();
  JUnitCase error;
  error.outcome = JUnitCase::Outcome::Error;
  error.type = "check";
  size_t errors = 0;
  for (const auto& d : compilation.diagnostics().all()) {
    if (d.severity != Severity::Error || !d.range.valid()) continue;
    if (std::find(program.files.begin(), program.files.end(), d.range.file) == program.files.end()) continue;
    if (errors++ == 0) {
      error.file = sources.file(d.range.file).path();
      error.line = sources.file(d.range.file).position(d.range.begin).line;
    }
    error.text += renderText(d, sources);
  }
  error.message =
      fmt::format("{} does not check ({} error{}); its tests did not run", suite.name, errors, errors == 1 ? "" : "s");
  for (const auto& decl : compilation.module(program.root).decls) {
    if (decl->kind != ast::DeclKind::Test) continue;
    JUnitCase c = error;
    c.name = decl->as<ast::TestDecl>().title.value;
    suite.cases.push_back(std::move(c));
  }
  if (suite.cases.empty()) {
    error.name = suite.name;
    suite.cases.push_back(std::move(error));
  }
  return suite;
}

}  // namespace

Runner addTestCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("test", "Run the `test` blocks of funnel files on a virtual clock");
  struct Options {
    std::vector<std::string> paths;
    std::string junit;
    bool junitLocations = false;
    std::string stdlib;
    std::string filter;
    std::string color = "auto";
    std::string format = "text";
    std::string stdinFilename;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("paths", o->paths, "Files or directories (by convention *_test.funnel); `-`: standard input")
      ->required();
  addStdinFilenameOption(cmd, o->stdinFilename);
  cmd->add_option("--junit", o->junit, "Also write the results as JUnit XML to this file (for CI)");
  cmd->add_flag("--junit-locations", o->junitLocations,
                "Give each JUnit test case `file` and `line` attributes (GitHub and GitLab annotations; the strict "
                "Jenkins xunit and Ant schemas reject them)");
  cmd->add_option("--color", o->color, "Color the output: auto (a terminal, no NO_COLOR), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--format", o->format,
                  "`text` (the default) or `json`: one object on stdout with every file's tests, their failures "
                  "(file, line, column, message, the deal's state) and the totals")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--filter", o->filter,
                  "Run only tests whose name contains this text (when none does: exit 2, nothing run)");
  cmd->add_option("--stdlib", o->stdlib, "Directory of the std.* modules");
  cmd->footer(
      fmt::format("Each test starts with empty storage at {:04}-{:02}-{:02} {:02}:00 in the account's time zone.\n"
                  "A failing `expect` shows its deal: the stage, the pending timers and the last effects.\n"
                  "An email, SMS, notification or webhook that production could never deliver (no address, no\n"
                  "phone, nobody responsible) fails the test unless it says `expect undeliverable KIND`.\n"
                  "The statements of a test: docs/language.md, section 9.\n"
                  "Exit status: 0 all passed, 1 a test failed or the funnels have errors, 2 usage or I/O error.",
                  scenario::kStartYear, scenario::kStartMonth, scenario::kStartDay, scenario::kStartMinutes / 60));
  return [o]() {
    CompiledInputs in = compileInputs(o->paths, o->stdlib, /*union_=*/false, o->color, o->stdinFilename);
    // Errors in some files: the others' tests still run, so that the report
    // has every file (those that do not check as errors); the status is 1.
    if (in.exitCode == 2 || !in.compilation) return in.exitCode == 0 ? 2 : in.exitCode;
    const SourceManager& sources = in.compilation->sources();
    std::set<const ast::TestDecl*> seen, filteredOut;
    std::vector<JUnitSuite> suites;
    size_t passed = 0, failed = 0;
    bool json = o->format == "json";
    bool color = !json && useColor(o->color, STDOUT_FILENO);
    // --format json: the text lines go nowhere, the JSON object to stdout at the end.
    std::ostringstream discard;
    std::ostream& text = json ? static_cast<std::ostream&>(discard) : std::cout;
    nlohmann::json report = {{"version", 1}, {"files", nlohmann::json::array()}};
    for (size_t i = 0; i < in.checked.size(); ++i) {
      if (hasErrors(*in.compilation, in.programs[i], in.checked[i])) {
        suites.push_back(uncheckedSuite(*in.compilation, in.programs[i]));
        report["files"].push_back(
            {{"file", suites.back().name}, {"checks", false}, {"tests", nlohmann::json::array()}});
        text << fmt::format("{}\n  does not check: its tests did not run\n", suites.back().name);
        continue;
      }
      const check::CheckedProgram& program = *in.checked[i];
      check::CheckedProgram selected = program;  // the tests not run yet, matching --filter
      selected.tests.clear();
      for (const ast::TestDecl* t : program.tests) {
        if (seen.count(t)) continue;
        if (t->title.value.find(o->filter) == std::string::npos) {
          filteredOut.insert(t);
          continue;
        }
        seen.insert(t);
        selected.tests.push_back(t);
      }
      if (selected.tests.empty()) continue;
      lower::TestProgram lowered;
      try {
        lowered = lower::lowerWithTests(selected, sources);
      } catch (const lower::LowerError& e) {
        std::cerr << "voronka: error: " << e.what() << "\n";
        return 1;
      }
      JUnitSuite suite;
      suite.name = sources.file(in.programs[i].root).path();
      std::vector<scenario::TestResult> results = scenario::runTests(selected, lowered, sources);
      text << suite.name << "\n";
      nlohmann::json fileJson = {{"file", suite.name}, {"checks", true}, {"tests", nlohmann::json::array()}};
      for (const auto& r : results) {
        suite.cases.push_back(junitCase(r, sources));
        fileJson["tests"].push_back(testJson(r, sources));
        if (r.passed()) {
          ++passed;
          text << fmt::format("  {}ok{}   {} ({:.0f} ms)\n", color ? "\x1b[32m" : "", color ? "\x1b[0m" : "", r.title,
                              r.milliseconds);
          continue;
        }
        ++failed;
        text << fmt::format("  {}FAIL{} {}\n", color ? "\x1b[1;31m" : "", color ? "\x1b[0m" : "", r.title);
        for (const auto& f : r.failures) {
          const SourceFile& file = sources.file(f.where.file);
          LineColumn pos = file.position(f.where.begin);
          text << fmt::format("       {}:{}:{}: {}\n", file.path(), pos.line, pos.column, f.message);
          text << fmt::format("       {:>5} | {}\n", pos.line, file.lineText(pos.line));
          for (const auto& line : f.context) text << fmt::format("       {}\n", line);
        }
      }
      report["files"].push_back(std::move(fileJson));
      suites.push_back(std::move(suite));
    }
    if (!o->junit.empty()) {
      JUnitOptions junitOptions;
      junitOptions.locations = o->junitLocations;
      junitOptions.timestamp = junitTimestamp();
      junitOptions.hostname = junitHostname();
      junitOptions.version = VORONKA_VERSION;
      if (Result<void> written = writeFileAtomically(o->junit, renderJUnit(suites, junitOptions)); !written) {
        std::cerr << fmt::format("voronka: error: cannot write {}: {}\n", o->junit, written.error());
        return 2;
      }
    }
    if (json) {
      report["passed"] = passed;
      report["failed"] = failed;
      report["filesWithErrors"] = in.exitCode != 0;
      std::cout << report.dump(2) << "\n";
    }
    if (in.exitCode != 0) {
      text << fmt::format("{} passed, {} failed; some files do not check\n", passed, failed);
      return 1;
    }
    if (passed + failed == 0 && !filteredOut.empty()) {
      // A filter with a typo would otherwise pass a CI job that ran nothing.
      std::cerr << fmt::format(
          "voronka: error: --filter \"{}\" matches no test: none of the {} tests of the given files has it in its "
          "name\n",
          o->filter, filteredOut.size());
      return 2;
    }
    if (passed + failed == 0) {
      text << "no test blocks in the given files\n";
      return 0;
    }
    text << fmt::format("{} passed, {} failed\n", passed, failed);
    return failed > 0 ? 1 : 0;
  };
}

}  // namespace voronka::tool
