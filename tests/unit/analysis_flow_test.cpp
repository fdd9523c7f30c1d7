// The flow of deals (compiler/analysis/flow.h) over small programs: which
// stages deals reach, where each move of each rule goes, and which rules
// answer the client's own actions at once.
#include <gtest/gtest.h>

#include "compiler/analysis/client_actions.h"
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

TEST(ClientReplies, EnterRulesAnswerTheClientWhenOnlyTheClientLeadsThere) {
  // a: initial; b: a form moves deals here; c: b passes them on at once;
  // d: a timer leads here; e: the form, or `enter` of d.
  auto c = testing::compile("form f \"F\" { fields x }\nfield x: number \"X\"\n" +
                            funnel("manual forward: deny\nmanual backward: deny", R"(
    stage a { on enter { task "t" } on form_submitted(f) -> b  after 1d -> d }
    stage b { on enter -> c }
    stage c { on enter { task "t" } on enter from b { task "u" } on payment_received { win } }
    stage d { on enter -> e }
    stage e { on enter { task "t" } on enter from c { note "n" } })"));
  ASSERT_TRUE(c->program);
  analysis::Flow flow(*c->program);
  analysis::ClientReplies replies(flow);
  auto rule = [&](int stage, size_t index) {
    std::vector<const check::RuleInfo*> own;
    for (const auto& r : c->program->rules) {
      if (r.stage == stage) own.push_back(&r);
    }
    return own.at(index);
  };
  EXPECT_FALSE(replies.answersAtOnce(*rule(0, 0)));  // a: deals start here
  EXPECT_TRUE(replies.answersAtOnce(*rule(0, 1)));   // form_submitted
  EXPECT_FALSE(replies.answersAtOnce(*rule(0, 2)));  // a timer
  EXPECT_TRUE(replies.answersAtOnce(*rule(1, 0)));   // b: only the form leads here
  EXPECT_TRUE(replies.answersAtOnce(*rule(2, 0)));   // c: through b
  EXPECT_TRUE(replies.answersAtOnce(*rule(2, 1)));   // c, from b
  EXPECT_FALSE(replies.answersAtOnce(*rule(4, 0)));  // e: also after the timer, through d
  EXPECT_FALSE(replies.answersAtOnce(*rule(4, 1)));  // e, from c: deals never come that way
}

}  // namespace
}  // namespace voronka
