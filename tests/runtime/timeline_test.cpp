// `voronka run --format timeline`: the trace as text per deal, in the
// account's time zone and language.
#include <gtest/gtest.h>

#include <sstream>

#include "tools/timeline/timeline.h"

namespace voronka {
namespace {

Calendar moscow() { return Calendar("Europe/Moscow", {}, {}); }

std::string printed(const timeline::Timeline& t) {
  std::ostringstream out;
  t.print(out);
  return out.str();
}

TEST(Timeline, GroupsByDealInLocalTimeAndTheAccountsLanguage) {
  Calendar calendar = moscow();
  timeline::Timeline en(calendar, lang::Language::En);
  en.record(
      {{"what", "deal"}, {"deal", "D-1"}, {"at", "2026-03-02T07:00:00Z"}, {"pipeline", "sales"}, {"stage", "new"}});
  en.record(
      {{"what", "deal"}, {"deal", "D-2"}, {"at", "2026-03-02T08:00:00Z"}, {"pipeline", "sales"}, {"stage", "new"}});
  en.record({{"what", "timer did nothing"},
             {"deal", "D-1"},
             {"at", "2026-03-03T07:00:00Z"},
             {"why", "`when` is false"},
             {"line", 12}});
  en.outcome("D-2", 1772442000, "m1", "rejected", "Нужен бюджет");
  EXPECT_EQ(printed(en),
            "Times in Europe/Moscow\n"
            "\n"
            "Deal D-1\n"
            "  2026-03-02 10:00  created in sales.new\n"
            "  2026-03-03 10:00  timer fired and did nothing: its `when` is false (line 12)\n"
            "\n"
            "Deal D-2\n"
            "  2026-03-02 11:00  created in sales.new\n"
            "  2026-03-02 12:00  event m1: rejected — Нужен бюджет\n");

  timeline::Timeline ru(calendar, lang::Language::Ru);
  ru.record(
      {{"what", "deal"}, {"deal", "D-1"}, {"at", "2026-03-02T07:00:00Z"}, {"pipeline", "sales"}, {"stage", "new"}});
  EXPECT_EQ(printed(ru), "Время — Europe/Moscow\n\nСделка D-1\n  02.03.2026 10:00  создана: sales.new\n");
}

TEST(Timeline, EffectsSayWhoGetsThemAndWhenTheyCannotBeDelivered) {
  Calendar calendar = moscow();
  timeline::Timeline t(calendar, lang::Language::En);
  t.record({{"what", "effect"},
            {"deal", "D-1"},
            {"at", "2026-03-07T07:00:00Z"},
            {"kind", "email"},
            {"payload", {{"template", "offer"}, {"to", ""}, {"send_at", "2026-03-09T06:00:00Z"}}}});
  t.record({{"what", "effect"},
            {"deal", "D-1"},
            {"at", "2026-03-07T07:00:00Z"},
            {"kind", "notify"},
            {"payload", {{"to", {"anna"}}, {"recipient", "responsible"}, {"text", "Перезвонить"}}}});
  t.record({{"what", "move_rejected"}, {"deal", "D-1"}, {"at", "2026-03-07T07:00:00Z"}, {"stage", "talk"}});
  EXPECT_EQ(printed(t),
            "Times in Europe/Moscow\n"
            "\n"
            "Deal D-1\n"
            "  2026-03-07 10:00  email offer, goes out 2026-03-09 09:00 — will not be delivered: the contact has no "
            "email address\n"
            "  2026-03-07 10:00  notification \"Перезвонить\" → anna\n"
            "  2026-03-07 10:00  move_rejected {\"stage\":\"talk\"}\n");
}

}  // namespace
}  // namespace voronka
