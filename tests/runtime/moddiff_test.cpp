// The semantic diff of two modules (runtime/moddiff): what counts as the
// same, how renames are guessed, and the live counts from a store.
#include <gtest/gtest.h>

#include "runtime/moddiff/live.h"
#include "runtime/moddiff/moddiff.h"
#include "tests/runtime/engine_support.h"

namespace voronka::testing {
namespace {

const char* kBase = R"(
account "Тест" { timezone "Europe/Moscow" }
field budget: money "Бюджет"
field city: text "Город"
pipeline shop "Магазин" {
  stage new "Новая" {
    on enter { task "Позвонить" due 1h }
    after 3d { task "Клиент молчит" then after 1d { notify responsible "Всё ещё молчит" } }
    on link_clicked -> talk
  }
  stage talk "Переговоры" {
    require budget > 0 "Заполните бюджет"
    on enter { task "Провести встречу" due 1d }
    on email_opened { note "Открыл" }
    on email_received { note "Ответил" }
  }
  won "Оплачено"
  lost "Отказ" reasons { "Дорого" other "Другое" }
}
)";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

moddiff::ModuleDiff diff(const std::string& a, const std::string& b) {
  return moddiff::diffModules(compileModule(a), compileModule(b));
}

std::string kinds(const moddiff::ModuleDiff& d) {
  std::string s;
  for (const auto& ch : d.changes) s += std::string(moddiff::kindName(ch.kind)) + " " + ch.what + " " + ch.name + ";";
  return s;
}

TEST(ModDiff, LayoutAndDeclarationOrderAreNotChanges) {
  // Fields declared the other way round shift every field index; blank
  // lines shift every source line: neither is a change.
  std::string moved = replace(kBase, "field budget: money \"Бюджет\"\nfield city: text \"Город\"",
                              "field city: text \"Город\"\n\n\nfield budget: money \"Бюджет\"");
  EXPECT_EQ(kinds(diff(kBase, moved)), "");
}

TEST(ModDiff, RenamedPipelineIsAGuessWithItsReasons) {
  auto d = diff(kBase, replace(kBase, "pipeline shop", "pipeline store"));
  ASSERT_EQ(d.changes.size(), 1u) << kinds(d);
  EXPECT_EQ(d.changes[0].kind, moddiff::ChangeKind::Renamed);
  EXPECT_EQ(d.changes[0].oldName, "shop");
  EXPECT_EQ(d.changes[0].details[0], "paired by: same title, 4 of 4 stage names shared");
}

TEST(ModDiff, MoveIntoARenamedStageIsNotAChange) {
  std::string b = replace(replace(kBase, "stage talk", "stage meeting"), "-> talk", "-> meeting");
  auto d = diff(kBase, b);
  EXPECT_EQ(kinds(d), "renamed? stage meeting;");
}

TEST(ModDiff, AStageWithNothingInCommonIsRemovedAndAddedNotRenamed) {
  std::string b =
      replace(replace(kBase, "stage talk \"Переговоры\"", "stage offer \"Предложение\""), "-> talk", "-> offer");
  b = replace(b, "task \"Провести встречу\" due 1d", "task \"Отправить КП\" due 1d");
  b = replace(b, "require budget > 0 \"Заполните бюджет\"", "");
  auto d = diff(kBase, b);
  EXPECT_EQ(kinds(d), "changed rule on link_clicked;added stage offer;removed stage talk;");
}

TEST(ModDiff, RulesRunningInAnotherOrder) {
  std::string b = replace(kBase, "    on email_opened { note \"Открыл\" }\n    on email_received { note \"Ответил\" }",
                          "    on email_received { note \"Ответил\" }\n    on email_opened { note \"Открыл\" }");
  auto d = diff(kBase, b);
  ASSERT_EQ(kinds(d), "moved rule order rules;");
  EXPECT_EQ(d.changes[0].stage, "talk");
}

TEST(ModDiff, AThenChainInsideATimerIsPartOfIt) {
  auto d = diff(kBase, replace(kBase, "then after 1d", "then after 2d"));
  ASSERT_EQ(kinds(d), "changed timer after 3d;");
  EXPECT_EQ(d.changes[0].summary, "actions changed");
  EXPECT_EQ(d.changes[0].details, (std::vector<std::string>{"- then after 1d: notify responsible \"Всё ещё молчит\"",
                                                            "+ then after 2d: notify responsible \"Всё ещё молчит\""}));
}

TEST(ModDiff, LiveCountsDealsInTheStageAndTimersOfTheRule) {
  Harness h(kBase);
  ASSERT_TRUE(h.create("D-1", "shop.new").ok());
  ASSERT_TRUE(h.create("D-2", "shop.new").ok());
  ASSERT_TRUE(h.create("D-3", "shop.talk").ok());
  moddiff::ModuleDiff d = moddiff::diffModules(h.module, compileModule(replace(kBase, "after 3d", "after 2d")));
  moddiff::countLive(d, h.module, h.store);
  ASSERT_EQ(kinds(d), "changed timer after 2d;");
  EXPECT_EQ(d.changes[0].deals, 2);
  EXPECT_EQ(d.changes[0].timers, 2);
}

}  // namespace
}  // namespace voronka::testing
