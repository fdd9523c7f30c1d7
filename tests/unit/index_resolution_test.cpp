// The index resolves every kind of name to its declaration, in context: a
// stage in its pipeline, `pipeline.stage`, a payload field in a rule of its
// event, fields in expressions and texts; with and without the checker.
#include <gtest/gtest.h>

#include "compiler/check/checker.h"
#include "compiler/index/index.h"
#include "compiler/parse/parse.h"

namespace voronka {
namespace {

using index::SymbolKind;

const char* kProgram = R"(field budget: money "Бюджет"
field source: enum { site "Сайт", ads "Реклама" } "Источник"
team sales "Продажи" { ivanov "Иван" }
template email hello "Привет" { subject "Тема {budget}" }
form brief "Бриф" { fields budget }
event scored(score: number) "Скоринг"
integration scoring "Скоринг" { url "https://x.example" answers scored }
pipeline a "A" {
  stage one "Один" initial {
    on enter { email hello  assign round_robin(sales)  request scoring }
    on scored when score > 0.5 and source == ads -> two
    on form_submitted(brief) -> b.first
  }
  stage two "Два" { on enter { task call "Звонок {budget}" due 1d to ivanov } }
  won "W"
  lost "L"
}
pipeline b "B" {
  stage first "Первый" initial { on enter when deal.budget > 0 { move next } }
  stage one "Один в B" {}
  won "W"
  lost "L"
}
test "t" {
  deal d in a.one { budget = 5, responsible = ivanov }
  event scored with { score: 1 }
  expect stage two
}
)";

struct Indexed {
  SourceManager sources;
  DiagnosticSink sink;
  parse::ParseResult parsed;
  std::optional<check::CheckedProgram> program;
  index::Index idx;
  std::string text;

  explicit Indexed(const std::string& t, bool withChecker) : text(t) {
    FileId id = sources.add("t.funnel", t);
    parsed = parse::parseFile(sources.file(id), sink);
    if (withChecker) program = check::checkProgram({parsed.module.get()}, sink);
    idx = index::buildIndex({parsed.module.get()}, program ? &*program : nullptr);
  }
  // The symbol named at the n-th occurrence of `needle` (offset `at` into it).
  const index::Symbol* at(const std::string& needle, int nth = 0, size_t at = 0) const {
    size_t pos = std::string::npos;
    for (int i = 0; i <= nth; ++i) pos = text.find(needle, pos == std::string::npos ? 0 : pos + 1);
    if (pos == std::string::npos) return nullptr;
    const index::Occurrence* o = idx.at(0, static_cast<uint32_t>(pos + at));
    return o ? &idx.symbols[o->symbol] : nullptr;
  }
};

class IndexResolution : public ::testing::TestWithParam<bool> {};

TEST_P(IndexResolution, NamesResolveToTheirDeclarations) {
  Indexed x(kProgram, GetParam());
  if (GetParam()) {
    ASSERT_FALSE(x.sink.hasErrors()) << x.sink.all().front().message;
  }
  auto is = [](const index::Symbol* s, SymbolKind k, const std::string& name, const std::string& container = "") {
    return s && s->kind == k && s->name == name && (container.empty() || s->container == container);
  };
  EXPECT_TRUE(is(x.at("-> two", 0, 3), SymbolKind::Stage, "two", "a"));
  EXPECT_TRUE(is(x.at("b.first", 0, 0), SymbolKind::Pipeline, "b"));
  EXPECT_TRUE(is(x.at("b.first", 0, 2), SymbolKind::Stage, "first", "b"));
  EXPECT_TRUE(is(x.at("email hello", 0, 6), SymbolKind::Template, "hello"));
  EXPECT_TRUE(is(x.at("round_robin(sales)", 0, 12), SymbolKind::Team, "sales"));
  EXPECT_TRUE(is(x.at("to ivanov", 0, 3), SymbolKind::User, "ivanov"));
  EXPECT_TRUE(is(x.at("request scoring", 0, 8), SymbolKind::Integration, "scoring"));
  EXPECT_TRUE(is(x.at("on scored", 0, 3), SymbolKind::Event, "scored"));
  EXPECT_TRUE(is(x.at("score > 0.5", 0, 0), SymbolKind::Payload, "score", "scored"));
  EXPECT_TRUE(is(x.at("form_submitted(brief)", 0, 15), SymbolKind::Form, "brief"));
  EXPECT_TRUE(is(x.at("deal.budget", 0, 5), SymbolKind::Field, "budget"));
  EXPECT_TRUE(is(x.at("{budget}", 0, 1), SymbolKind::Field, "budget"));
  EXPECT_TRUE(is(x.at("fields budget", 0, 7), SymbolKind::Field, "budget"));
  EXPECT_TRUE(is(x.at("answers scored", 0, 8), SymbolKind::Event, "scored"));
  EXPECT_TRUE(is(x.at("deal d in a.one", 0, 12), SymbolKind::Stage, "one", "a"));
  EXPECT_TRUE(is(x.at("{ budget = 5", 0, 2), SymbolKind::Field, "budget"));
  EXPECT_TRUE(is(x.at("responsible = ivanov", 0, 14), SymbolKind::User, "ivanov"));
  EXPECT_TRUE(is(x.at("score: 1", 0, 0), SymbolKind::Payload, "score", "scored"));
  EXPECT_TRUE(is(x.at("expect stage two", 0, 13), SymbolKind::Stage, "two", "a"));
  if (GetParam()) {
    EXPECT_TRUE(is(x.at("== ads", 0, 3), SymbolKind::EnumMember, "ads", "source"));
  }
}

TEST_P(IndexResolution, ReferencesOfAFieldAndAStage) {
  Indexed x(kProgram, GetParam());
  int budget = x.idx.find(SymbolKind::Field, "budget");
  ASSERT_GE(budget, 0);
  // Declared once; used in the subject, the form, the task text, deal.budget and the test deal.
  EXPECT_EQ(x.idx.referencesTo(budget).size(), 6u);
  int oneInA = x.idx.find(SymbolKind::Stage, "one", "a");
  int oneInB = x.idx.find(SymbolKind::Stage, "one", "b");
  ASSERT_GE(oneInA, 0);
  ASSERT_GE(oneInB, 0);
  EXPECT_EQ(x.idx.referencesTo(oneInA).size(), 2u);  // declaration and `deal d in a.one`
  EXPECT_EQ(x.idx.referencesTo(oneInB).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutChecker, IndexResolution, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "checked" : "declarationsOnly"; });

const char* kEnums = R"(enum level "Уровень" { beginner "Начальный", advanced "Продвинутый" }
field student: level "Ученик"
field wanted: level
event placed(result: level)
pipeline school "Школа" {
  stage incoming "Заявка" {
    on placed when result == advanced and student != level.beginner { set wanted = result }
    on enter when deal.previous_stage in [trial, school.incoming] and deal.pipeline == school { note "x" }
  }
  stage trial "Пробный"
  won "W"
  lost "L"
}
)";

// A named enum is one symbol for the fields and parameters that name it, its
// members one symbol each however they are written; stages and pipelines
// compared with deal.stage and deal.pipeline are references too.
TEST(IndexResolution, NamedEnumsAndStageValuesResolveWithTheChecker) {
  Indexed x(kEnums, true);
  ASSERT_FALSE(x.sink.hasErrors()) << x.sink.all().front().message;
  auto is = [](const index::Symbol* s, SymbolKind k, const std::string& name, const std::string& container = "") {
    return s && s->kind == k && s->name == name && (container.empty() || s->container == container);
  };
  EXPECT_TRUE(is(x.at("level \"Ученик\""), SymbolKind::Enum, "level"));
  EXPECT_TRUE(is(x.at("result: level", 0, 8), SymbolKind::Enum, "level"));
  EXPECT_TRUE(is(x.at("== advanced", 0, 3), SymbolKind::EnumMember, "advanced", "level"));
  EXPECT_TRUE(is(x.at("level.beginner", 0, 0), SymbolKind::Enum, "level"));
  EXPECT_TRUE(is(x.at("level.beginner", 0, 6), SymbolKind::EnumMember, "beginner", "level"));
  EXPECT_TRUE(is(x.at("[trial", 0, 1), SymbolKind::Stage, "trial", "school"));
  EXPECT_TRUE(is(x.at("school.incoming", 0, 0), SymbolKind::Pipeline, "school"));
  EXPECT_TRUE(is(x.at("school.incoming", 0, 7), SymbolKind::Stage, "incoming", "school"));
  EXPECT_TRUE(is(x.at("== school", 0, 3), SymbolKind::Pipeline, "school"));

  int level = x.idx.find(SymbolKind::Enum, "level");
  ASSERT_GE(level, 0);
  EXPECT_EQ(x.idx.symbols[level].title, "Уровень");
  // Declared once; the type of two fields and a parameter; `level.beginner`: a rename changes all five.
  EXPECT_EQ(x.idx.referencesTo(level).size(), 5u);
  int advanced = x.idx.find(SymbolKind::EnumMember, "advanced", "level");
  ASSERT_GE(advanced, 0);
  EXPECT_EQ(x.idx.referencesTo(advanced).size(), 2u);

  std::vector<index::OutlineItem> items = index::outline(*x.parsed.module);
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items[0].kind, SymbolKind::Enum);
  ASSERT_EQ(items[0].children.size(), 2u);
  EXPECT_EQ(items[0].children[1].name, "advanced");
}

TEST(IndexOutline, ABrokenFileStillHasItsPipelinesAndStages) {
  Indexed x(
      "field a: text \"A\"\npipeline p \"P\" {\n  stage one \"1\" initial {\n    on enter { move }\n  stage two \"2\"\n",
      false);
  EXPECT_TRUE(x.sink.hasErrors());
  std::vector<index::OutlineItem> items = index::outline(*x.parsed.module);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].name, "a");
  EXPECT_EQ(items[1].name, "p");
  ASSERT_FALSE(items[1].children.empty());
  EXPECT_EQ(items[1].children[0].name, "one");
}

}  // namespace
}  // namespace voronka
