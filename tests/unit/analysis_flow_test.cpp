// The flow of deals (compiler/analysis/flow.h) over small programs: which
// stages deals reach and where each move of each rule goes.
#include <gtest/gtest.h>

#include "compiler/analysis/flow.h"
#include "tests/unit/test_support.h"

namespace voronka {
namespace {

// A pipeline with these policies and stages, a won stage and enough loss reasons.
std::string funnel(const std::string& policies, const std::string& stages) {
  return "pipeline p {\n" + policies + "\n" + stages +
         "\nwon \"Успех\"\nlost \"Отказ\" reasons { \"a\" \"b\" \"c\" \"d\" \"e\" other \"Другое\" }\n}\n";
}

TEST(Flow, ReachabilityFollowsRulesAndManualPolicies) {
  auto c = testing::compile(funnel("manual forward: deny", R"(
    stage a { on enter { task "t" } on email_received -> c }
    stage b { on enter { task "t" } }
    stage c { on enter { task "t" } on payment_received { win } }
    stage d { on enter { task "t" } })"));
  ASSERT_TRUE(c->program);
  analysis::Flow flow(*c->program);
  auto at = [](int s) { return analysis::StageRef{0, s}; };
  EXPECT_TRUE(flow.reachable(at(0)));
  EXPECT_TRUE(flow.reachable(at(1)));   // back by hand from c
  EXPECT_TRUE(flow.reachable(at(2)));   // the trigger
  EXPECT_FALSE(flow.reachable(at(3)));  // after every reachable stage, forward denied
  EXPECT_TRUE(flow.reachable(at(4)));   // won: `win`
  EXPECT_TRUE(flow.reachable(at(5)));   // lost: closing by hand is always allowed
  EXPECT_TRUE(flow.entersFrom(at(1), at(2)));
  EXPECT_FALSE(flow.entersFrom(at(2), at(1)));
}

TEST(Flow, PipelineRulesResolveNextPerStageAndSkipBackwardTriggers) {
  auto c = testing::compile(funnel("", R"(
    on email_received -> next
    on call_missed -> a
    stage a { on enter { task "t" } }
    stage b { on enter { task "t" } })"));
  ASSERT_TRUE(c->program);
  analysis::Flow flow(*c->program);
  std::vector<std::pair<int, int>> moves;
  for (const auto& t : flow.transitions()) moves.emplace_back(t.from.stage, t.to.stage);
  // `next` from a goes to b, from b nowhere; `-> a` from b is backward and
  // the pipeline does not allow backward triggers; from a it is no move.
  EXPECT_EQ(moves, (std::vector<std::pair<int, int>>{{0, 1}}));
}

}  // namespace
}  // namespace voronka
