// StageRules against the walk it replaces: for every stage of every example
// funnel, each list holds exactly the stage's rules that the engine's old
// filter over all of the stage's rules picked, in the stage's order.
#include "runtime/engine/stage_rules.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "compiler/driver/compilation.h"
#include "compiler/lower/lower.h"

namespace voronka::engine {
namespace {

std::vector<int32_t> picked(const bc::Module& m, const bc::StageDef& stage,
                            const std::function<bool(const bc::RuleDef&)>& pick) {
  std::vector<int32_t> out;
  for (int32_t r : stage.rules) {
    if (pick(m.rules[static_cast<size_t>(r)])) out.push_back(r);
  }
  return out;
}

// An example funnel compiled as `voronka build` compiles it, with the stdlib.
bc::Module compileExample(const std::string& name) {
  driver::CompileOptions options;
  options.stdlibDir = VORONKA_SOURCE_DIR "/stdlib";
  options.lint = false;
  driver::Compilation c(options);
  std::string error;
  auto root = c.loadRoot(std::string(VORONKA_SOURCE_DIR "/examples/") + name + ".funnel", error);
  EXPECT_TRUE(root) << error;
  if (!root) return {};
  auto program = c.check(c.collect(*root));
  EXPECT_TRUE(program && c.diagnostics().errorCount() == 0) << name;
  if (!program) return {};
  return lower::lowerProgram(*program, c.sources());
}

std::vector<int32_t> listed(std::span<const int32_t> rules) { return {rules.begin(), rules.end()}; }

TEST(StageRules, ListTheRulesTheWalkOverAStagePickedInItsOrder) {
  size_t answering = 0, timedFromEntry = 0, timedAtFields = 0;
  for (const char* name : {"furniture/furniture", "agency/agency", "broker/broker", "school/school", "tour/retail"}) {
    bc::Module m = compileExample(name);
    ASSERT_FALSE(m.pipelines.empty()) << name;
    StageRules rules(m);
    int32_t enter = bc::kNo;
    for (size_t i = 0; i < m.events.size() && enter == bc::kNo; ++i) {
      if (m.events[i].kind == bc::EventKind::Enter) enter = static_cast<int32_t>(i);
    }
    for (size_t p = 0; p < m.pipelines.size(); ++p) {
      for (size_t s = 0; s < m.pipelines[p].stages.size(); ++s) {
        const bc::StageDef& stage = m.pipelines[p].stages[s];
        auto pi = static_cast<int32_t>(p), si = static_cast<int32_t>(s);
        for (int32_t e = bc::kNo; e < static_cast<int32_t>(m.events.size()); ++e) {
          std::vector<int32_t> want = picked(m, stage, [e](const bc::RuleDef& r) { return r.event == e; });
          EXPECT_EQ(listed(rules.answering(pi, si, e)), want) << name << " stage " << s << " event " << e;
          answering += want.size();
        }
        EXPECT_TRUE(rules.answering(pi, si, static_cast<int32_t>(m.events.size())).empty());
        std::vector<int32_t> fromEntry = picked(m, stage, [enter](const bc::RuleDef& r) {
          return r.event == bc::kNo || (r.event == enter && r.timing != bc::TimingKind::None);
        });
        EXPECT_EQ(listed(rules.timedFromEntry(pi, si)), fromEntry) << name << " stage " << s;
        timedFromEntry += fromEntry.size();
        std::vector<int32_t> atFields = picked(m, stage, [enter](const bc::RuleDef& r) {
          return r.timing == bc::TimingKind::At && (r.event == bc::kNo || r.event == enter);
        });
        EXPECT_EQ(listed(rules.timedAtFields(pi, si)), atFields) << name << " stage " << s;
        timedAtFields += atFields.size();
      }
    }
  }
  // The examples have rules of every list, so none of the checks above is empty-handed.
  EXPECT_GT(answering, 0u);
  EXPECT_GT(timedFromEntry, 0u);
  EXPECT_GT(timedAtFields, 0u);
}

}  // namespace
}  // namespace voronka::engine
