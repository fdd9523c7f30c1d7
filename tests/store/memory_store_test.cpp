// The memory store's own promises, besides the conformance suite's: it runs
// one transaction at a time, in room of its own, and its deals (blobs, with
// the last ones saved kept decoded) read back as a plain map of records.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <stdexcept>

#include "runtime/store/memory_store.h"
#include "tests/store/store_test_support.h"

namespace voronka::store {
namespace {

using voronka::testing::sampleDeal;
using voronka::testing::sampleTask;
using voronka::testing::sampleTimer;
using voronka::testing::show;

// A second begin() while one is open is refused, and the open transaction
// goes on unharmed: the new one is not built over it in the store's room.
TEST(MemoryStore, ASecondBeginIsRefusedAndTheOpenTransactionGoesOn) {
  MemoryStore store;
  {
    auto tx = store.begin();
    tx->addTask(sampleTask("new1", "Позвонить"));  // a deal being created keeps its tasks in the transaction
    EXPECT_THROW(store.begin(), std::logic_error);
    tx->putDeal(sampleDeal("new1"));
    tx->commit();
  }
  auto tx = store.begin();
  ASSERT_TRUE(tx->deal("new1"));
  ASSERT_EQ(tx->tasksOf("new1").size(), 1u);
  EXPECT_EQ(tx->tasksOf("new1")[0].text, "Позвонить");
}

// Transactions one after another reuse the room: each starts clean, and an
// undone one takes back only its own changes.
TEST(MemoryStore, TransactionsOneAfterAnotherEachStartClean) {
  MemoryStore store;
  for (int i = 0; i < 3; ++i) {
    auto tx = store.begin();
    tx->putDeal(sampleDeal("d" + std::to_string(i)));
    if (i != 1) tx->commit();
  }
  auto tx = store.begin();
  EXPECT_EQ(tx->dealIds(), (std::vector<std::string>{"d0", "d2"}));
}

// A transaction of many changes (more steps than the undo log's first room)
// rolled back leaves the store as it was: every step undone, newest first
// (a deal saved twice comes back as it was before the first save).
TEST(MemoryStore, ALongTransactionRolledBackLeavesNothing) {
  MemoryStore store;
  {
    auto tx = store.begin();
    tx->putDeal(sampleDeal("kept"));
    tx->addTimer(sampleTimer("kept", 1000));
    tx->commit();
  }
  {
    auto tx = store.begin();
    for (int i = 0; i < 150; ++i) {
      std::string id = "d" + std::to_string(i);
      tx->putDeal(sampleDeal(id));
      tx->addTask(sampleTask(id, "Позвонить"));
      tx->addTimer(sampleTimer(id, 2000 + i));
      store::DealRecord kept = *tx->deal("kept");
      kept.name = "changed " + std::to_string(i);
      tx->putDeal(kept);
    }
    EXPECT_EQ(tx->dealIds().size(), 151u);
  }  // rolled back
  EXPECT_EQ(store.nextDue(), std::optional<int64_t>(1000));
  auto tx = store.begin();
  EXPECT_EQ(tx->dealIds(), (std::vector<std::string>{"kept"}));
  EXPECT_EQ(tx->deal("kept")->name, sampleDeal("kept").name);
  EXPECT_TRUE(tx->tasksOf("d0").empty());
  EXPECT_EQ(tx->timersOf("kept").size(), 1u);
  EXPECT_TRUE(tx->timersOf("d149").empty());
}

// The deals against a plain map, through random saves by every way there is
// (put, save, save of a record lent to change), deals that grow and shrink,
// reads in the middle of a transaction (a read takes the decoded record
// from its slot), rollbacks, and more deals than the store keeps decoded.
TEST(MemoryStore, DealsReadBackAsAPlainMapSaysThroughSavesRereadsAndRollbacks) {
  MemoryStore store;
  std::map<std::string, DealRecord> model;
  std::mt19937 rng(20261205);
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  for (int round = 0; round < 3000; ++round) {
    std::map<std::string, DealRecord> seen = model;  // what this transaction should see
    auto tx = store.begin();
    for (uint32_t step = 0, steps = 1 + pick(4); step < steps; ++step) {
      // Mostly a few hot deals, as events come; sometimes one of many.
      std::string id = "d" + std::to_string(pick(4) == 0 ? pick(1500) : pick(8));
      if (pick(4) == 0) {
        std::optional<DealRecord> read = tx->deal(id);
        ASSERT_EQ(read.has_value(), seen.count(id) == 1) << id;
        if (read) {
          ASSERT_EQ(show(*read), show(seen[id])) << id;
        }
        continue;
      }
      DealRecord d = seen.count(id) ? seen[id] : sampleDeal(id);
      d.name = std::string(pick(3) == 0 ? pick(400) : pick(20), 'n');  // grows and shrinks
      d.stage = static_cast<int32_t>(pick(5));
      d.responsible = static_cast<int32_t>(pick(3));
      d.version += 1;
      seen[id] = d;
      switch (pick(3)) {
        case 0: tx->putDeal(d); break;
        case 1: tx->saveDeal(std::move(d)); break;
        default:
          if (Transaction::DealPtr lent = tx->dealToChange(id)) {
            *lent = d;
            tx->saveChangedDeal(std::move(lent));
          } else {
            tx->putDeal(d);
          }
      }
    }
    if (pick(3) != 0) {
      tx->commit();
      model = std::move(seen);
    }
  }
  auto tx = store.begin();
  std::map<std::pair<int32_t, int32_t>, int64_t> perStage;
  for (const auto& [id, d] : model) {
    std::optional<DealRecord> read = tx->deal(id);
    ASSERT_TRUE(read) << id;
    EXPECT_EQ(show(*read), show(d)) << id;
    ++perStage[{d.pipeline, d.stage}];
  }
  EXPECT_EQ(tx->dealIds().size(), model.size());
  std::map<std::pair<int32_t, int32_t>, int64_t> stored;
  for (const StageCount& c : tx->dealsPerStage()) stored[{c.pipeline, c.stage}] = c.deals;
  EXPECT_EQ(stored, perStage);
}

}  // namespace
}  // namespace voronka::store
