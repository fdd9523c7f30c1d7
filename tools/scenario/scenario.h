// Runs the `test` blocks of a program (LANGUAGE.md §9) on a virtual clock
// and the in-memory store, with the same engine as production.
#pragma once

#include <string>
#include <vector>

#include "compiler/check/program.h"
#include "compiler/lower/lower.h"
#include "compiler/source/source.h"

namespace voronka::scenario {

struct Failure {
  SourceRange where;    // the statement that failed
  std::string message;  // what was expected and what happened
  // For a failing `expect`: the deal as it was — its stage, its pending
  // timers, its last effects — one line each, to print under the message.
  std::vector<std::string> context;
};

struct TestResult {
  std::string title;
  SourceRange where;
  std::vector<Failure> failures;  // empty: passed; in source order
  double milliseconds = 0;
  bool passed() const { return failures.empty(); }
};

// Tests start at this local time of the account's calendar: Monday 2 March
// 2026, 09:00 — a working morning with no holidays around.
inline constexpr int kStartYear = 2026, kStartMonth = 3, kStartDay = 2, kStartMinutes = 9 * 60;

std::vector<TestResult> runTests(const check::CheckedProgram& program, const lower::TestProgram& lowered,
                                 const SourceManager& sources);

}  // namespace voronka::scenario
