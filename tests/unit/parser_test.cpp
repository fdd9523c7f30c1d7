#include <gtest/gtest.h>

#include "compiler/ast/print.h"
#include "tests/unit/test_support.h"

namespace voronka {
namespace {

using testing::compile;

const ast::Expr& defaultOf(const testing::Compiled& c, size_t declIndex = 0) {
  return *c.parsed.module->decls.at(declIndex)->as<ast::FieldDecl>().defaultValue;
}

TEST(Parser, PrecedenceLoosestFirst) {
  auto c = compile("field x: bool = a or b and not c == 1 + 2 * -3");
  ASSERT_EQ(c->sink.errorCount(), c->sink.all().size());
  EXPECT_EQ(ast::print(defaultOf(*c)), "(or a (and b (not (== c (+ 1 (* 2 (- 3)))))))");
}

TEST(Parser, MemberAccessAndCallsBindTightest) {
  auto c = compile("field x: number = len(contact.name) + deal.budget");
  EXPECT_EQ(ast::print(defaultOf(*c)), "(+ (call len contact.name) deal.budget)");
}

TEST(Parser, ComparisonsDoNotChain) {
  auto c = compile("field x: bool = 1 < 2 < 3");
  EXPECT_GT(c->parsed.errors, 0u);
  EXPECT_TRUE(c->has("syntax"));
}

TEST(Parser, MembershipAndHas) {
  auto c = compile("field x: bool = source not in [site, ads] and deal.tags has \"VIP\"");
  EXPECT_EQ(ast::print(defaultOf(*c)), "(and (not in source [site ads]) (has deal.tags \"VIP\"))");
}

TEST(Parser, RuleClausesInAnyOrder) {
  auto c = compile(testing::pipeline(R"(
    stage a "A" { on email_opened(t) when x > 1 once after 2d unless link_clicked within workhours { win } }
    stage b "B" { after 1d at 10:00 when y { win } })"));
  ASSERT_EQ(c->parsed.errors, 0u);
  const auto& p = c->parsed.module->decls.at(0)->as<ast::PipelineDecl>();
  const ast::Rule& r = *p.stages.at(0)->rules.at(0);
  EXPECT_EQ(r.event->name.text, "email_opened");
  EXPECT_EQ(r.event->arg->text, "t");
  EXPECT_TRUE(r.once.has_value());
  EXPECT_EQ(r.timing.kind, ast::TimingKind::After);
  EXPECT_EQ(r.timing.delay.seconds, 2 * 86400);
  EXPECT_EQ(r.unless->name.text, "link_clicked");
  EXPECT_TRUE(r.withinWorkhours.has_value());
  const ast::Rule& timed = *p.stages.at(1)->rules.at(0);
  EXPECT_FALSE(timed.event.has_value());
  EXPECT_EQ(timed.timing.atTime->minutes, 600);
}

TEST(Parser, ClauseTwiceIsReported) {
  auto c = compile(testing::pipeline(R"(stage a "A" { on enter when a when b { win } })"));
  EXPECT_TRUE(c->has("duplicate-clause"));
}

TEST(Parser, ArrowRuleBecomesAMove) {
  auto c = compile(testing::pipeline(R"(stage a "A" { on link_clicked -> retail.b })"));
  const auto& p = c->parsed.module->decls.at(0)->as<ast::PipelineDecl>();
  const ast::Rule& r = *p.stages.at(0)->rules.at(0);
  EXPECT_TRUE(r.arrowForm);
  ASSERT_EQ(r.body.actions.size(), 1u);
  const auto& move = r.body.actions[0]->as<ast::MoveAction>();
  EXPECT_EQ(move.target.pipeline->text, "retail");
  EXPECT_EQ(move.target.stage.text, "b");
}

TEST(Parser, ContextualKeywordsAreNames) {
  auto c = compile("field key: text\nfield type: number\nfield initial: bool\nfield url: url");
  EXPECT_EQ(c->sink.all().size(), 0u);
  EXPECT_EQ(c->parsed.module->decls.size(), 4u);
}

TEST(Parser, CyrillicIdentifiers) {
  auto c = compile("field бюджет_сделки: money \"Бюджет\"");
  ASSERT_EQ(c->sink.all().size(), 0u);
  EXPECT_EQ(c->parsed.module->decls.at(0)->as<ast::FieldDecl>().name.text, "бюджет_сделки");
}

TEST(Parser, InterpolatedExpressionsArePositionedInTheFile) {
  std::string text = "template email t \"Тема\" { body \"Здравствуйте, {contact.name}!\" }";
  auto c = compile(text);
  ASSERT_EQ(c->sink.all().size(), 0u);
  const auto& t = c->parsed.module->decls.at(0)->as<ast::TemplateDecl>();
  ASSERT_EQ(t.body->parts.size(), 3u);
  const ast::Expr& e = *t.body->parts[1].expr;
  EXPECT_EQ(text.substr(e.range.begin, e.range.end - e.range.begin), "contact.name");
}

TEST(Parser, SyntaxErrorsInsideInterpolationAreReported) {
  auto c = compile("template email t \"T\" { body \"Сумма {budget +}\" }");
  ASSERT_TRUE(c->has("syntax"));
  const Diagnostic* d = c->first("syntax");
  EXPECT_EQ(c->sources.file(0).position(d->range.begin).column, 45u);
}

TEST(Parser, AllSyntaxErrorsAreCollected) {
  auto c = compile(testing::pipeline(R"(
    stage a "A" { on enter { tsk "x" } }
    stage b "B" { on enter { task } }
    stage c "C" { after 3 { win } })"));
  size_t syntax = 0;
  for (const auto& d : c->sink.all()) syntax += d.id() == "syntax" || d.id() == "bad-duration";
  EXPECT_EQ(syntax, 3u);
}

TEST(Parser, InvalidUtf8IsADiagnostic) {
  auto c = compile("field a: text \"\xff\"");
  ASSERT_TRUE(c->has("invalid-utf8"));
  EXPECT_EQ(c->first("invalid-utf8")->range.begin, 15u);
}

TEST(Parser, DeepNestingIsRefusedNotACrash) {
  std::string deep = "field x: number = " + std::string(100000, '(') + "1" + std::string(100000, ')');
  auto c = compile(deep);
  EXPECT_TRUE(c->has("nesting-too-deep"));
  std::string negations = "field x: bool = " + std::string(20000 * 4, ' ');
  for (int i = 0; i < 20000; ++i) negations.replace(16 + i * 4, 4, "not ");
  auto n = compile(negations + "true");
  EXPECT_TRUE(n->has("nesting-too-deep"));
}

TEST(Parser, LongOperatorChainsAreBounded) {
  std::string chain = "field x: number = 1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  auto c = compile(chain);
  EXPECT_TRUE(c->has("nesting-too-deep"));
}

TEST(Parser, CommentsAreKeptWithTheirPlaces) {
  std::string text = "// шапка\nfield a: text /* поле */\n";
  auto c = compile(text);
  ASSERT_EQ(c->parsed.module->comments.size(), 2u);
  EXPECT_EQ(c->parsed.module->comments[0].text, "// шапка");
  EXPECT_FALSE(c->parsed.module->comments[0].block);
  const ast::Comment& block = c->parsed.module->comments[1];
  EXPECT_TRUE(block.block);
  EXPECT_EQ(text.substr(block.range.begin, block.range.end - block.range.begin), "/* поле */");
}

TEST(Parser, TestStatements) {
  auto c = compile(R"(test "t" {
    deal d in retail.collect { budget = 5, contact.name = "Анна" }
    advance 2h
    advance to 2026-12-01T10:00
    event kyc_checked on d with { passed: true }
    set d.budget = 10
    manual move d -> lost "Дорого" expect rejected "нельзя"
    expect no task call "x" on d
    expect deal in reactivation.warmup
    expect budget == 10
  })");
  ASSERT_EQ(c->parsed.errors, 0u);
  const auto& t = c->parsed.module->decls.at(0)->as<ast::TestDecl>();
  ASSERT_EQ(t.statements.size(), 9u);
  const auto& move = t.statements[5]->as<ast::TestManualMoveStmt>();
  EXPECT_EQ(move.reason->value, "Дорого");
  EXPECT_TRUE(move.expectRejected);
  EXPECT_EQ(move.rejectedMessage->value, "нельзя");
  const auto& expect = t.statements[6]->as<ast::TestExpectStmt>();
  EXPECT_TRUE(expect.negated);
  EXPECT_EQ(expect.taskType->text, "call");
  EXPECT_EQ(expect.deal->text, "d");
}

}  // namespace
}  // namespace voronka
