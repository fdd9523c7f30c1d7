// The lints over small programs: their decisions and `voronka: allow`
// comments.
#include <gtest/gtest.h>

#include <algorithm>

#include "compiler/lint/lint.h"
#include "compiler/lint/suppressions.h"
#include "tests/unit/test_support.h"

namespace voronka {
namespace {

// Compiles a program that must check cleanly and lints it.
struct Linted {
  std::unique_ptr<testing::Compiled> compiled;
  DiagnosticSink lints;
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const auto& d : lints.all()) out.emplace_back(d.id());
    return out;
  }
  size_t count(std::string_view id) const {
    return std::count_if(lints.all().begin(), lints.all().end(), [&](const Diagnostic& d) { return d.id() == id; });
  }
};

std::unique_ptr<Linted> lint(const std::string& text) {
  auto l = std::make_unique<Linted>();
  l->compiled = testing::compile(text);
  EXPECT_TRUE(l->compiled->program);
  EXPECT_TRUE(l->compiled->sink.all().empty()) << l->compiled->sink.all().front().message;
  if (l->compiled->program) lint::runLints(*l->compiled->program, l->compiled->sources, l->lints);
  return l;
}

const char* kReasons = R"(lost "Отказ" reasons { "a" "b" "c" "d" "e" other "Другое" })";

std::string funnel(const std::string& policies, const std::string& stages) {
  return "pipeline p {\n" + policies + "\n" + stages + "\nwon \"Успех\"\n" + kReasons + "\n}\n";
}

TEST(Lints, EveryExampleOfAKindIsFoundOnce) {
  auto l = lint(funnel("manual forward: deny", R"(
    stage a { on enter { task "t" } on email_received -> b  on call_missed { lose "a" } }
    stage b { on enter { note "n" } on payment_received { win } }
    stage c { on enter { task "t" } })"));
  EXPECT_EQ(l->count("unreachable-stage"), 1u);
  EXPECT_EQ(l->count("stage-without-task"), 1u);
  EXPECT_EQ(l->lints.all().size(), 2u);
}

TEST(Lints, ConflictsOfPipelineRulesAreReportedOnce) {
  auto l = lint(funnel("", R"(
    on email_received -> c
    stage a { on enter { task "t" } on email_received -> b }
    stage b { on enter { task "t" } on email_received -> c }
    stage c { on enter { task "t" } })"));
  // In a: the pipeline rule (to c) against a's own (to b). In b both go to c.
  EXPECT_EQ(l->count("conflicting-triggers"), 1u);
}

TEST(Lints, DelaysBeyondTheStayRespectWorkhours) {
  const char* account =
      R"(account "A" { timezone "Europe/Moscow" workhours mon..fri 09:00-18:00 holidays 2026-01-01..2026-01-08 })";
  auto strict = lint(std::string(account) + funnel("", R"(
    stage a { on enter { task "t" } after 7d { lose "a" } after 8d { note "n" } })"));
  EXPECT_EQ(strict->count("delay-exceeds-stay"), 1u);
  // `within workhours` may push the move by a long holiday: no warning.
  auto shifted = lint(std::string(account) + funnel("", R"(
    stage a { on enter { task "t" } after 7d within workhours { lose "a" } after 8d { note "n" } })"));
  EXPECT_EQ(shifted->count("delay-exceeds-stay"), 0u);
}

TEST(Lints, MovesFromFinalStagesAreReportedOncePerAction) {
  // The pipeline rule runs in `won` and `lost`: `win` reopens `lost` (once),
  // does nothing in `won`; `next` goes nowhere from either.
  auto l = lint(funnel("triggers backward: allow", R"(
    on payment_received { win }
    on link_clicked -> next
    stage a { on enter { task "t" } on email_received -> b }
    stage b { on enter { task "t" } })"));
  EXPECT_EQ(l->count("leaves-final-stage"), 1u);
  EXPECT_EQ(l->lints.all().size(), 1u);
}

TEST(Lints, AllowCommentsSilenceTheirScope) {
  auto l = lint(funnel("", R"(
    // voronka: allow stage-without-task
    stage a {
      on enter { note "n" }
    }
    stage b { on enter { note "n" } }  // voronka: allow stage-without-task
    stage c {
      on enter { note "n" }  // voronka: allow stage-without-task -- on the wrong line: does not cover the stage
    })"));
  ASSERT_EQ(l->count("stage-without-task"), 1u);
  EXPECT_NE(l->lints.all()[0].message.find("`c`"), std::string::npos);
}

TEST(Suppressions, ParseIdsAndStopAtTheReason) {
  ast::Comment c{"// voronka: allow plain-http, stage-without-task the reason, with commas", SourceRange{0, 10, 80}};
  auto allows = lint::parseAllow(c);
  ASSERT_EQ(allows.size(), 2u);
  EXPECT_EQ(allows[0].id, "plain-http");
  EXPECT_EQ(allows[1].id, "stage-without-task");
  EXPECT_EQ(allows[0].range.begin, 10u + 18u);
  EXPECT_TRUE(lint::parseAllow(ast::Comment{"// voronka: allowed plain-http", {}}).empty());
  EXPECT_TRUE(lint::parseAllow(ast::Comment{"// a note about voronka: allow x", {}}).empty());
  EXPECT_EQ(lint::parseAllow(ast::Comment{"/* voronka: allow plain-http */", {}, true}).size(), 1u);
}

TEST(Lints, AreExactlyTheWarnings) {
  for (const auto& k : allDiagKinds()) EXPECT_EQ(lint::isLint(k.kind), k.severity == Severity::Warning) << k.id;
  EXPECT_TRUE(lint::isLint(DiagKind::PlainHttp));
  EXPECT_FALSE(lint::isLint(DiagKind::UnknownName));
}

}  // namespace
}  // namespace voronka
