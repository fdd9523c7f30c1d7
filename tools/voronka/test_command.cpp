// `voronka test FILES|DIRS`: run the `test` blocks on a virtual clock.
#include <fmt/format.h>
#include <unistd.h>

#include <iostream>
#include <set>

#include "compiler/lower/lower.h"
#include "tools/scenario/scenario.h"
#include "tools/voronka/commands.h"
#include "tools/voronka/compile_inputs.h"

namespace voronka::tool {
namespace {

std::string xmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

struct FileResults {
  std::string file;
  std::vector<scenario::TestResult> results;
};

std::string junit(const std::vector<FileResults>& files, const SourceManager& sources) {
  size_t tests = 0, failures = 0;
  for (const auto& f : files) {
    for (const auto& r : f.results) {
      ++tests;
      failures += r.passed() ? 0 : 1;
    }
  }
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"{}\" failures=\"{}\">\n", tests, failures);
  for (const auto& f : files) {
    size_t fileFailures = 0;
    double seconds = 0;
    for (const auto& r : f.results) {
      fileFailures += r.passed() ? 0 : 1;
      seconds += r.milliseconds / 1000;
    }
    out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n", xmlEscape(f.file),
                       f.results.size(), fileFailures, seconds);
    for (const auto& r : f.results) {
      out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3f}\"", xmlEscape(r.title),
                         xmlEscape(f.file), r.milliseconds / 1000);
      if (r.passed()) {
        out += "/>\n";
        continue;
      }
      out += ">\n";
      for (const auto& failure : r.failures) {
        const SourceFile& file = sources.file(failure.where.file);
        LineColumn pos = file.position(failure.where.begin);
        std::string context;
        for (const auto& line : failure.context) context += "\n" + xmlEscape(line);
        out += fmt::format("      <failure message=\"{}\">{}:{}:{}: {}{}</failure>\n", xmlEscape(failure.message),
                           xmlEscape(file.path()), pos.line, pos.column, xmlEscape(failure.message), context);
      }
      out += "    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  return out + "</testsuites>\n";
}

}  // namespace

Runner addTestCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("test", "Run the `test` blocks of funnel files on a virtual clock");
  struct Options {
    std::vector<std::string> paths;
    std::string junit;
    std::string stdlib;
    std::string filter;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("paths", o->paths, "Files or directories (by convention *_test.funnel)")->required();
  cmd->add_option("--junit", o->junit, "Also write the results as JUnit XML to this file (for CI)");
  cmd->add_option("--filter", o->filter, "Run only tests whose name contains this text");
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
    CompiledInputs in = compileInputs(o->paths, o->stdlib, /*union_=*/false);
    if (in.exitCode) return in.exitCode;
    const SourceManager& sources = in.compilation->sources();
    std::set<const ast::TestDecl*> seen;
    std::vector<FileResults> files;
    size_t passed = 0, failed = 0;
    bool color = isatty(STDOUT_FILENO);
    for (size_t i = 0; i < in.checked.size(); ++i) {
      const check::CheckedProgram& program = *in.checked[i];
      check::CheckedProgram selected = program;  // the tests not run yet, matching --filter
      selected.tests.clear();
      for (const ast::TestDecl* t : program.tests) {
        if (seen.count(t) || t->title.value.find(o->filter) == std::string::npos) continue;
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
      FileResults fr;
      fr.file = sources.file(in.programs[i].root).path();
      fr.results = scenario::runTests(selected, lowered, sources);
      std::cout << fr.file << "\n";
      for (const auto& r : fr.results) {
        if (r.passed()) {
          ++passed;
          std::cout << fmt::format("  {}ok{}   {} ({:.0f} ms)\n", color ? "\x1b[32m" : "", color ? "\x1b[0m" : "",
                                   r.title, r.milliseconds);
          continue;
        }
        ++failed;
        std::cout << fmt::format("  {}FAIL{} {}\n", color ? "\x1b[1;31m" : "", color ? "\x1b[0m" : "", r.title);
        for (const auto& f : r.failures) {
          const SourceFile& file = sources.file(f.where.file);
          LineColumn pos = file.position(f.where.begin);
          std::cout << fmt::format("       {}:{}:{}: {}\n", file.path(), pos.line, pos.column, f.message);
          std::cout << fmt::format("       {:>5} | {}\n", pos.line, file.lineText(pos.line));
          for (const auto& line : f.context) std::cout << fmt::format("       {}\n", line);
        }
      }
      files.push_back(std::move(fr));
    }
    if (!o->junit.empty()) {
      std::ofstream out(o->junit);
      out << junit(files, sources);
      if (!out) {
        std::cerr << fmt::format("voronka: error: cannot write {}\n", o->junit);
        return 2;
      }
    }
    if (passed + failed == 0) {
      std::cout << "no test blocks in the given files\n";
      return 0;
    }
    std::cout << fmt::format("{} passed, {} failed\n", passed, failed);
    return failed > 0 ? 1 : 0;
  };
}

}  // namespace voronka::tool
