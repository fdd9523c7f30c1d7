#include <gtest/gtest.h>

#include "tests/unit/test_support.h"

namespace voronka {
namespace {

using testing::compile;
using testing::pipeline;

const char* kDecls = R"(
account "A" { timezone "Europe/Moscow" workhours mon..fri 09:00-18:00 }
field budget: money
field source: enum { site, ads }
field meeting_at: datetime
team sales { ivanov petrova }
template email hello "Привет"
template message ping "Пинг"
event kyc_checked(passed: bool, score: number)
)";

std::unique_ptr<testing::Compiled> check(const std::string& rest) { return compile(std::string(kDecls) + rest); }

TEST(Checker, CleanProgramHasNoDiagnostics) {
  auto c = check(pipeline(R"(
    stage a "A" initial { on enter { email hello task call "Позвонить {contact.name}" due 1d } on link_clicked -> b }
    stage b "B" key { require budget > 0 "Бюджет" after 1d within workhours { message ping } })"));
  EXPECT_TRUE(c->sink.all().empty()) << c->ids().size();
  ASSERT_TRUE(c->program);
  EXPECT_EQ(c->program->pipelines[0].stages.size(), 4u);
  EXPECT_EQ(c->program->pipelines[0].initial, 0);
  EXPECT_TRUE(c->program->pipelines[0].stages[1].key);
}

TEST(Checker, UnknownNamesSuggestTheClosest) {
  auto c = check(pipeline(R"(stage choose "C" { on enter -> chose })"));
  const Diagnostic* d = c->first("unknown-name");
  ASSERT_NE(d, nullptr);
  ASSERT_FALSE(d->notes.empty());
  EXPECT_EQ(d->notes[0].message, "did you mean `choose`?");
}

TEST(Checker, LookalikeCyrillicLettersAreNamed) {
  auto c = check(pipeline("stage a \"A\" { on enter { task \u0441all \"x\" } }"));  // Cyrillic с
  const Diagnostic* d = c->first("unknown-name");
  ASSERT_NE(d, nullptr);
  ASSERT_EQ(d->notes.size(), 2u);
  EXPECT_EQ(d->notes[0].message, "did you mean `call`?");
}

TEST(Checker, EnumMembersResolveAgainstTheExpectedType) {
  auto c = check(pipeline(R"(stage a "A" { on enter when source == ads or source in [site] { set source = site } })"));
  EXPECT_TRUE(c->sink.all().empty());
  auto bad = check(pipeline(R"(stage a "A" { on enter when ads { win } })"));
  const Diagnostic* d = bad->first("unknown-name");
  ASSERT_NE(d, nullptr);
  EXPECT_NE(d->notes.back().message.find("source.ads"), std::string::npos);
}

TEST(Checker, TypesOfConditionsAndAssignments) {
  auto c =
      check(pipeline(R"(stage a "A" { on enter when budget { set budget = "много" } at meeting_at - 1d { win } })"));
  size_t mismatches = 0;
  for (const auto& id : c->ids()) mismatches += id == "type-mismatch";
  EXPECT_EQ(mismatches, 2u);
}

TEST(Checker, PayloadFieldsAreInScope) {
  auto c = check(pipeline(R"(stage a "A" { on kyc_checked when passed and score > 0.5 -> b } stage b "B")"));
  EXPECT_TRUE(c->sink.all().empty());
}

TEST(Checker, TwoMovesOnOnePath) {
  auto c = check(pipeline(R"(stage a "A" { on enter { if budget > 1 { -> b } else { win } } } stage b "B")"));
  EXPECT_FALSE(c->has("two-moves"));
  auto bad = check(pipeline(R"(stage a "A" { on enter { if budget > 1 { -> b } win } } stage b "B")"));
  EXPECT_TRUE(bad->has("two-moves"));
}

TEST(Checker, BackwardTriggersNeedThePolicy) {
  auto c = check(pipeline(R"(stage a "A" stage b "B" { on call_incoming -> a on enter -> a })"));
  size_t count = 0;
  for (const auto& id : c->ids()) count += id == "trigger-direction";
  EXPECT_EQ(count, 1u);  // the `enter` move is not a trigger
  auto ok = check(pipeline(R"(triggers backward: allow stage a "A" stage b "B" { on call_incoming -> a })"));
  EXPECT_FALSE(ok->has("trigger-direction"));
}

TEST(Checker, ImmediateMoveCyclesAreFound) {
  auto c =
      check(pipeline(R"(stage a "A" { on enter -> b } stage b "B" { on enter -> c } stage c "C" { on enter -> a })"));
  EXPECT_TRUE(c->has("move-cycle"));
  auto conditional = check(pipeline(R"(stage a "A" { on enter -> b } stage b "B" { on enter when budget > 0 -> a })"));
  EXPECT_FALSE(conditional->has("move-cycle"));
  auto delayed = check(pipeline(R"(stage a "A" { on enter -> b } stage b "B" { after 1d -> a })"));
  EXPECT_FALSE(delayed->has("move-cycle"));
  auto from = check(
      pipeline(R"(stage a "A" { on enter from c -> b } stage b "B" { on enter -> c } stage c "C" { on enter -> a })"));
  EXPECT_TRUE(from->has("move-cycle"));
  auto fromElse = check(
      pipeline(R"(stage a "A" { on enter from b -> b } stage b "B" { on enter -> c } stage c "C" { on enter -> a })"));
  EXPECT_FALSE(fromElse->has("move-cycle"));
}

TEST(Checker, PipelineShape) {
  auto c = compile("pipeline p { won \"W\" stage a \"A\" initial stage b \"B\" initial }");
  EXPECT_TRUE(c->has("no-stages") || c->has("stage-after-final"));
  EXPECT_TRUE(c->has("missing-final-stage"));
  EXPECT_TRUE(c->has("multiple-initial"));
}

TEST(Checker, LossReasonsMustBeDeclared) {
  auto c = check(pipeline(R"(stage a "A" { on enter { lose "Дорогo" } on leave { lose } })"));
  EXPECT_TRUE(c->has("unknown-loss-reason"));
  EXPECT_TRUE(c->has("lose-needs-reason"));
}

TEST(Checker, WithinWorkhoursNeedsACalendar) {
  auto c = compile(pipeline(R"(stage a "A" { after 1d within workhours { win } })"));
  EXPECT_TRUE(c->has("no-workhours"));
}

TEST(Checker, TimezonesAreChecked) {
  auto c = compile("account \"A\" { timezone \"Europe/Moscw\" }");
  const Diagnostic* d = c->first("bad-timezone");
  ASSERT_NE(d, nullptr);
  ASSERT_FALSE(d->notes.empty());
  EXPECT_EQ(d->notes[0].message, "did you mean \"Europe/Moscow\"?");
}

TEST(Checker, CalendarsAreNormalised) {
  auto c = compile(
      R"(account "A" { workhours mon..fri 09:00-13:00 14:00-18:00, sat 10:00-14:00 holidays 2026-01-01..2026-01-08 })");
  ASSERT_TRUE(c->sink.all().empty());
  const auto& cal = c->program->calendars[0];
  EXPECT_EQ(cal.windows[0].size(), 2u);
  EXPECT_EQ(cal.windows[5].size(), 1u);
  EXPECT_TRUE(cal.windows[6].empty());
  ASSERT_EQ(cal.holidays.size(), 1u);
  EXPECT_EQ(cal.holidays[0].second - cal.holidays[0].first, 7);
}

TEST(Checker, TestsResolveTheirDeals) {
  auto c = check(pipeline(R"(stage a "A")") + R"(
    test "t" {
      expect stage a
      deal d in p.a { budget = 1, source = ads }
      event kyc_checked with { passed: true, scor: 1 }
      expect responsible ivanov
      expect stage b
    })");
  EXPECT_TRUE(c->has("test-no-deal"));
  EXPECT_EQ(c->ids().size(), 3u);  // test-no-deal, unknown payload field, unknown stage
}

TEST(Checker, ExpressionTypesAreRecorded) {
  auto c = check(pipeline(R"(stage a "A" { on enter when meeting_at - now > 1d { win } })"));
  ASSERT_TRUE(c->program);
  const auto& rule = *c->program->pipelines[0].stages[0].decl->rules[0];
  const check::ExprInfo* info = c->program->info(rule.when.get());
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->type.kind, check::TypeKind::Bool);
  const auto& lhs = *rule.when->as<ast::BinaryExpr>().lhs;
  EXPECT_EQ(c->program->info(&lhs)->type.kind, check::TypeKind::Duration);
}

}  // namespace
}  // namespace voronka
