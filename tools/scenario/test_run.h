// Internal to tools/scenario: one test's run — its own store, virtual clock
// and engine — and the statements it carries out. scenario.cpp holds the
// statements that act, expectations.cpp the `expect`s; deal_report.*,
// undelivered.* and effect_text.* are their helpers.
#pragma once

#include <optional>
#include <string>

#include "runtime/engine/engine.h"
#include "runtime/engine/names.h"
#include "runtime/store/memory_store.h"
#include "tools/scenario/scenario.h"
#include "tools/scenario/undelivered.h"

namespace voronka::scenario {

class TestRun {
 public:
  TestRun(const check::CheckedProgram& program, const lower::TestProgram& lowered, const SourceManager& sources);
  TestResult run(const ast::TestDecl& test);

 private:
  // ── scenario.cpp ──
  std::optional<std::string> statement(const ast::TestStmt& st);
  std::optional<std::string> createDeal(const ast::TestDealStmt& d);
  std::optional<std::string> manualMove(const ast::TestManualMoveStmt& mv);
  std::optional<engine::FieldAssignment> assignment(const ast::Path& path, size_t first,
                                                    const store::FieldValue& value);
  std::optional<std::string> settle(const engine::Outcome& o, const std::string& what);
  // The value of a test expression, evaluated against `deal` (or no deal).
  store::FieldValue evaluate(const ast::Expr& e, const std::optional<store::DealRecord>& deal);
  std::string show(const store::FieldValue& v);
  std::string sourceText(SourceRange r) const;
  std::string nextId() { return "test-" + std::to_string(++requests_); }
  const Calendar& account() { return engine_.calendar(0); }
  std::optional<store::DealRecord> loadDeal(const std::string& id);

  // ── expectations.cpp ──
  std::optional<std::string> expect(const ast::TestExpectStmt& e);

  const check::CheckedProgram& program_;
  const lower::TestProgram& lowered_;
  const SourceManager& sources_;
  const bc::Module& m_;
  engine::Names names_;
  store::MemoryStore store_;
  engine::VirtualClock clock_;
  engine::Engine engine_;
  vm::Vm vm_;
  std::string current_;  // the current deal (LANGUAGE.md §13)
  int requests_ = 0;
  Undelivered undelivered_;
};

}  // namespace voronka::scenario
