// `voronka stats` against a hand-built history: deals, stage changes and
// tasks written through the store's interface, figures checked by hand.
#include <gtest/gtest.h>

#include "runtime/stats/store_stats.h"
#include "runtime/store/memory_store.h"
#include "tests/sim/sim_support.h"

namespace voronka::testing {
namespace {

// Stages: a(0) b(1) won(2) lost(3).
const char* kFunnel = R"(
account "A" { timezone "Europe/Moscow" }
pipeline p "P" {
  stage a "A" initial { on call_missed -> b }
  stage b "B" { on payment_received { win } }
  won "Won"
  lost "Lost" reasons { "Дорого" other "Другое" }
}
)";

constexpr int64_t kHour = 3600;

class Stats : public ::testing::Test {
 protected:
  bc::Module module = simModule(kFunnel);
  store::MemoryStore store;

  // A deal created in a at 0 that went through `path` (stage, hours after the previous step).
  void deal(store::Transaction& tx, const std::string& id, std::vector<std::pair<int32_t, int64_t>> path,
            const std::string& reason = "") {
    store::DealRecord d;
    d.id = id;
    d.pipeline = 0;
    d.stage = 0;
    int64_t at = 0;
    tx.addHistory({id, -1, -1, 0, 0, at, "e", "created"});
    for (auto [stage, hours] : path) {
      at += hours * kHour;
      tx.addHistory({id, 0, d.stage, 0, stage, at, "e", "manual"});
      d.stage = stage;
    }
    d.lostReason = reason;
    tx.putDeal(d);
  }
};

TEST_F(Stats, FiguresOfAHandBuiltHistory) {
  auto tx = store.begin();
  deal(*tx, "d1", {{1, 2}, {2, 10}});            // a 2h → b 10h → won
  deal(*tx, "d2", {{1, 4}, {2, 20}});            // a 4h → b 20h → won
  deal(*tx, "d3", {{1, 6}, {3, 30}}, "Дорого");  // a 6h → b 30h → lost
  deal(*tx, "d4", {{3, 8}}, "Другое");           // a 8h → lost
  deal(*tx, "d5", {});                           // still in a
  deal(*tx, "d6", {{1, 1}});                     // a 1h → b, still there
  store::TaskRecord late;
  late.deal = "d6";
  late.due = 5 * kHour;
  tx->addTask(late);
  store::TaskRecord done = late;
  done.done = true;
  tx->addTask(done);
  store::TaskRecord later = late;
  later.due = 500 * kHour;
  tx->addTask(later);
  tx->commit();
  tx.reset();

  auto read = store.begin();
  nlohmann::json s = stats::storeStats(module, *read, 100 * kHour);
  EXPECT_EQ(s["deals"], 6);
  const nlohmann::json& a = s["pipelines"][0]["stages"][0];
  EXPECT_EQ(a["deals_in"], 6);
  EXPECT_EQ(a["to_next"], 0.6667);  // 4 of 6 went on to b
  EXPECT_EQ(a["to_won"], 0.3333);
  EXPECT_EQ(a["lost_here"], 1);
  EXPECT_EQ(a["still_in"], 1);
  EXPECT_EQ(a["time_in_stage"]["visits"], 5);  // 1, 2, 4, 6, 8 hours
  EXPECT_EQ(a["time_in_stage"]["median"], 4 * kHour);
  EXPECT_EQ(a["time_in_stage"]["p90"], 8 * kHour);  // nearest rank: the 5th of 5
  const nlohmann::json& b = s["pipelines"][0]["stages"][1];
  EXPECT_EQ(b["deals_in"], 4);
  EXPECT_EQ(b["to_next"], 0.5);  // b → won is "next"
  EXPECT_EQ(b["to_won"], 0.5);
  EXPECT_EQ(b["lost_here"], 1);
  EXPECT_EQ(b["still_in"], 1);
  EXPECT_EQ(b["overdue_tasks"], 1);            // d6: one open task due before now
  EXPECT_EQ(b["time_in_stage"]["visits"], 3);  // 10, 20, 30 hours
  EXPECT_EQ(b["time_in_stage"]["median"], 20 * kHour);
  const nlohmann::json& won = s["pipelines"][0]["stages"][2];
  EXPECT_EQ(won["deals_in"], 2);
  EXPECT_FALSE(won.contains("to_next"));
  nlohmann::json reasons = s["pipelines"][0]["loss_reasons"];
  ASSERT_EQ(reasons.size(), 2u);
  EXPECT_EQ(reasons[0]["reason"], "Дорого");
  EXPECT_EQ(reasons[0]["deals"], 1);
  EXPECT_EQ(reasons[1]["reason"], "Другое");

  std::ostringstream csv;
  stats::printStatsCsv(s, csv);
  EXPECT_NE(csv.str().find("\np,a,working,6,0.6667,0.3333,1,5,14400,28800,1,0\n"), std::string::npos) << csv.str();
  std::ostringstream text;
  stats::printStatsText(s, text);
  EXPECT_NE(text.str().find("Дорого"), std::string::npos);
}

TEST_F(Stats, AnEmptyStore) {
  auto tx = store.begin();
  nlohmann::json s = stats::storeStats(module, *tx, 0);
  EXPECT_EQ(s["deals"], 0);
  EXPECT_EQ(s["pipelines"][0]["stages"][0]["to_next"], 0.0);
  EXPECT_EQ(s["pipelines"][0]["stages"][0]["time_in_stage"]["visits"], 0);
}

}  // namespace
}  // namespace voronka::testing
