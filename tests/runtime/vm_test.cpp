// The VM's values, seen through what the engine writes: notes show the text
// a `{…}` builds, guards show how a condition evaluated (LANGUAGE.md §7).
#include <gtest/gtest.h>

#include "runtime/vm/vm.h"
#include "tests/runtime/engine_support.h"

namespace voronka {
namespace {

using testing::Harness;
using testing::kMoscow;
using testing::program;

std::string notesOf(Harness& h, const std::string& deal) {
  std::string out;
  for (const auto& n : h.notes(deal)) out += n.text + "\n";
  return out;
}

// One note per line of `texts`, on create, with the deal's fields set.
std::string render(const std::string& declarations, const std::string& texts, nlohmann::json fields) {
  Harness h(program(kMoscow, declarations, "stage a \"A\" { on create {\n" + texts + "\n} }"));
  EXPECT_TRUE(h.create("d", "p.a", fields).ok());
  return notesOf(h, "d");
}

TEST(Vm, ArithmeticOnNumbersAndMoney) {
  EXPECT_EQ(render("field n: number\nfield m: money",
                   "note \"{n + 2 * 3}\"\nnote \"{(n - 10) / 4}\"\nnote \"{-n}\"\nnote \"{m * 2}\"\nnote \"{m / 3}\"",
                   {{"n", 4}, {"m", 1500000}}),
            "10\n-1.5\n-4\n3 000 000\n500 000\n");
}

TEST(Vm, UnsetValuesShowEmptyAndCompareFalse) {
  Harness h(program(kMoscow, "field n: number\nfield t: text", R"(
    stage a "A" { on create {
      note "[{n}][{t}]"
      if n > 0 { note "gt" }
      if n <= 0 { note "le" }
      if n == none { note "is none" }
      if t != none { note "t set" }
    } })"));
  h.create("d", "p.a", {{"t", "x"}});
  EXPECT_EQ(notesOf(h, "d"), "[][x]\nis none\nt set\n");
}

TEST(Vm, TextFunctionsHandleCyrillic) {
  EXPECT_EQ(render("field t: text",
                   "note \"{upper(t)}\"\nnote \"{lower(t)}\"\nnote \"{len(t)}\"\n"
                   "if contains(lower(t), \"мебель\") { note \"found\" }",
                   {{"t", "Мебель Ёлка"}}),
            "МЕБЕЛЬ ЁЛКА\nмебель ёлка\n11\nfound\n");
}

// Texts are built piece by piece in place when they can be: a text used
// again after it has grown keeps what it was.
TEST(Vm, TextsBuiltPieceByPieceKeepEachPiece) {
  EXPECT_EQ(render("field t: text\nfield u: text",
                   "note \"{t + u} and {t + t + t}\"\nnote \"{upper(t + u) + u}|{t}\"\n"
                   "set t = t + u + t\nnote \"[{t}] [{t + u}]\"",
                   {{"t", "ёлка"}, {"u", "-1"}}),
            "ёлка-1 and ёлкаёлкаёлка\nЁЛКА-1-1|ёлка\n[ёлка-1ёлка] [ёлка-1ёлка-1]\n");
}

TEST(Vm, BooleansDatesAndEnumsShowInRussian) {
  EXPECT_EQ(render("field b: bool\nfield d: date\nfield s: enum { site \"Сайт\", call \"Звонок\" }",
                   "note \"{b}\"\nnote \"{d}\"\nnote \"{s}\"", {{"b", true}, {"d", "2026-03-14"}, {"s", "call"}}),
            "да\n14.03.2026\nЗвонок\n");
}

TEST(Vm, StagesAndPipelinesShowTheirTitlesAndCompareAsStages) {
  Harness h(program(kMoscow, "", R"(
    stage a "Заявка" { on create { note "[{deal.stage}][{deal.pipeline}][{deal.previous_stage}]"  -> b } }
    stage b "Пробный урок" { on enter {
      note "[{deal.stage}] после [{deal.previous_stage}]"
      if deal.stage == b and deal.previous_stage == p.a { note "b after a" }
      if deal.stage != p.a and deal.stage in [a, b] and deal.pipeline == p { note "in p" }
      if deal.previous_stage == b or deal.lost_reason != none { note "wrong" }
    } })"));
  ASSERT_TRUE(h.create("d", "p.a", nlohmann::json::object()).ok());
  EXPECT_EQ(notesOf(h, "d"), "[Заявка][P][]\n[Пробный урок] после [Заявка]\nb after a\nin p\n");
}

TEST(Vm, LogicShortCircuitsAndListsCompareEachItem) {
  Harness h(program(kMoscow, "field origin: text\nfield country: text\nfield value: money\nfield adults: number", R"(
    stage a "A" { on create {
      if (origin == "MOW" or country == "RU") and (value >= 100 or adults == 1) { note "match" }
      if origin in ["LED", "MOW"] { note "listed" }
      if not (adults == 1) { note "not one" }
    } })"));
  h.create("yes", "p.a", {{"origin", "MOW"}, {"value", 50}, {"adults", 1}});
  h.create("no", "p.a", {{"origin", "AER"}, {"country", "RU"}, {"value", 50}, {"adults", 2}});
  EXPECT_EQ(notesOf(h, "yes"), "match\nlisted\n");
  EXPECT_EQ(notesOf(h, "no"), "not one\n");
}

// Conditions compile to jumps (and/or/not by De Morgan): every combination,
// unset values included, must agree with the plain reading of the condition.
TEST(Vm, NegatedAndNestedConditionsAgreeWithTheirTruthTable) {
  Harness h(program(kMoscow, "field a: number\nfield b: number", R"(
    stage a "A" { on create {
      if not (a == 1 or b == 1) { note "1" }
      if not (a == 1 and b == 1) { note "2" }
      if a not in [1, 2] { note "3" }
      if not (a in [1] or not (b > 1)) { note "4" }
      if (a == 1 or b == 2) and not (a == 2 and b == 2) { note "5" }
    } })"));
  // A comparison with an unset value is false (LANGUAGE.md §8).
  using Maybe = std::optional<int>;
  auto eq = [](Maybe x, int k) { return x && *x == k; };
  auto gt = [](Maybe x, int k) { return x && *x > k; };
  int n = 0;
  for (Maybe a : {Maybe{}, Maybe{1}, Maybe{2}}) {
    for (Maybe b : {Maybe{}, Maybe{1}, Maybe{2}}) {
      nlohmann::json fields = nlohmann::json::object();
      if (a) fields["a"] = *a;
      if (b) fields["b"] = *b;
      std::string id = "d" + std::to_string(n++);
      h.create(id, "p.a", fields);
      std::string expected;
      if (!(eq(a, 1) || eq(b, 1))) expected += "1\n";
      if (!(eq(a, 1) && eq(b, 1))) expected += "2\n";
      if (!(eq(a, 1) || eq(a, 2))) expected += "3\n";
      if (!(eq(a, 1) || !gt(b, 1))) expected += "4\n";
      if ((eq(a, 1) || eq(b, 2)) && !(eq(a, 2) && eq(b, 2))) expected += "5\n";
      EXPECT_EQ(notesOf(h, id), expected)
          << "a=" << (a ? std::to_string(*a) : "none") << " b=" << (b ? std::to_string(*b) : "none");
    }
  }
}

TEST(Vm, MinMaxRoundAndWorkdayFunctions) {
  EXPECT_EQ(render("field n: number\nfield d: date",
                   "note \"{round(n)} {round(n, 2)} {min(n, 1)} {max(n, 1)}\"\n"
                   "note \"{add_workdays(d, 1)} {is_workday(d)} {workdays_between(d, 2026-03-10)}\"",
                   // Friday 6 March; Monday 9 March is a holiday in kMoscow.
                   {{"n", 2.3456}, {"d", "2026-03-06"}}),
            "2 2.35 1 2.3456\n10.03.2026 да 1\n");
}

// A number from an API field can be huge: a date or duration computed with
// it beyond 10 000 years is none, not an overflowed int64 (llround gave
// INT64_MIN, and add_workdays and the duration's text negated it: signed
// overflow, which UBSan reports).
TEST(Vm, DateAndDurationResultsBeyondTenThousandYearsAreNone) {
  const std::string declarations = "field n: number\nfield d: date";
  const std::string texts =
      "note \"[{1d * n}] [{d - 1d * n}] [{add_workdays(d, n)}] [{-(1d * n)}] [{1d * n / 2 + 1d}]\"\n"
      "note \"[{1d * 2}] [{add_workdays(d, 1)}]\"";
  EXPECT_EQ(render(declarations, texts, {{"n", 1e300}, {"d", "2026-03-06"}}), "[] [] [] [] []\n[2d] [10.03.2026]\n");
  EXPECT_EQ(render(declarations, texts, {{"n", 1e9}, {"d", "2026-03-06"}}), "[] [] [] [] []\n[2d] [10.03.2026]\n");
  EXPECT_EQ(render(declarations, "note \"[{1d * n}] [{add_workdays(d, n)}]\"", {{"n", 1000}, {"d", "2026-03-06"}}),
            "[1000d] [07.01.2030]\n");
}

// Far working-day counts are counted to the end: from 100 000 calendar days
// on, add_workdays stopped counting and gave a wrong date. 200 000 working
// days of five a week are 40 000 weeks (and Monday 9 March a holiday);
// three million are past 10 000 years: none.
TEST(Vm, FarWorkdayCountsGiveTheRightDateOrNone) {
  EXPECT_EQ(render("field n: number\nfield d: date",
                   "note \"[{add_workdays(d, n)}] [{add_workdays(d, -n)}] [{add_workdays(d, 15 * n)}]\"\n"
                   "note \"[{workdays_between(d, add_workdays(d, n))}] [{workdays_between(d, add_workdays(d, -n))}]\"",
                   {{"n", 200000}, {"d", "2026-03-06"}}),
            "[19.10.2792] [25.07.1259] []\n[200000] [-200000]\n");
}

TEST(Vm, ValueComparisonsFollowTheNoneRules) {
  bc::Value none{};
  bc::Value one = bc::Value::number(1), two = bc::Value::number(2);
  EXPECT_TRUE(vm::valuesEqual(none, none, nullptr));
  EXPECT_FALSE(vm::valuesEqual(none, one, nullptr));
  EXPECT_EQ(vm::compareValues(one, two, nullptr), -1);
  EXPECT_EQ(vm::compareValues(two, one, nullptr), 1);
  EXPECT_FALSE(vm::compareValues(none, one, nullptr).has_value());
}

}  // namespace
}  // namespace voronka
