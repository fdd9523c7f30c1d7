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

using voronka::testing::numberField;
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

// A transaction that saves more deals than the store keeps decoded gives
// dirty slots (deals saved but not yet encoded) to other deals mid-way, so
// some saved records are written back and some are not; rolled back, every
// deal is as it was, the ones saved twice too. Committed, every deal reads
// back as saved, and dealsNotOn() reads a deal's version from its record
// when the record, not the blob, is the deal.
TEST(MemoryStore, MoreSavesThanDecodedSlotsInOneTransactionRollBackAndCommit) {
  constexpr int kDeals = 2500;  // more than twice the decoded slots
  MemoryStore store;
  auto named = [](int i, const std::string& name) {
    DealRecord d = sampleDeal("d" + std::to_string(i));
    d.name = name + std::to_string(i);
    d.moduleVersion = "v1";
    return d;
  };
  {
    auto tx = store.begin();
    for (int i = 0; i < kDeals; ++i) tx->saveDeal(named(i, "first "));
    tx->commit();
  }
  {
    auto tx = store.begin();
    auto change = [&](int i, const std::string& name) {
      Transaction::DealPtr d = tx->dealToChange("d" + std::to_string(i));
      ASSERT_TRUE(d);
      d->name = name;
      d->stage = 2 + i % 3;
      tx->saveChangedDeal(std::move(d));
    };
    // The last ten saved by the commit are dirty still: their records as
    // committed are moved aside, then they are pushed out of their slots.
    for (int i = kDeals - 10; i < kDeals; ++i) change(i, "early");
    // The first ten saved twice (the second replaces a dirty record), then
    // pushed out of their slots by all the others, then saved again.
    for (int i = 0; i < 10; ++i) {
      change(i, "once");
      change(i, "twice");
    }
    for (int i = 10; i < kDeals; ++i) change(i, "once");
    for (int i = 0; i < 10; ++i) change(i, "thrice");
    EXPECT_EQ(tx->deal("d7")->name, "thrice");
    EXPECT_EQ(tx->deal("d2000")->name, "once");
  }  // rolled back
  {
    auto tx = store.begin();
    for (int i = 0; i < kDeals; ++i) {
      std::optional<DealRecord> d = tx->deal("d" + std::to_string(i));
      ASSERT_TRUE(d);
      ASSERT_EQ(show(*d), show(named(i, "first "))) << i;
    }
    std::vector<StageCount> perStage = tx->dealsPerStage();
    ASSERT_EQ(perStage.size(), 1u);
    EXPECT_EQ(perStage[0].stage, 1);
  }
  {
    auto tx = store.begin();
    for (int i = 0; i < kDeals; i += 2) {
      DealRecord d = named(i, "second ");
      d.moduleVersion = "v2";
      tx->putDeal(d);
    }
    tx->commit();
  }
  auto tx = store.begin();
  // The last saved are still dirty in their slots; the first were written back.
  std::vector<DealPosition> notOnV2 = tx->dealsNotOn("v2", 0, kDeals);
  ASSERT_EQ(notOnV2.size(), static_cast<size_t>(kDeals / 2));
  for (const DealPosition& p : notOnV2) ASSERT_EQ(std::stoi(p.id.substr(1)) % 2, 1) << p.id;
  for (int i = 0; i < kDeals; ++i) {
    DealRecord want = named(i, i % 2 == 0 ? "second " : "first ");
    if (i % 2 == 0) want.moduleVersion = "v2";
    ASSERT_EQ(show(*tx->deal("d" + std::to_string(i))), show(want)) << i;
  }
}

// copyDealInto() gives what `to = from` gives, whatever `to` held before:
// more or fewer fields and tags, texts where `from` has none and none where
// it has some.
TEST(CopyDealInto, GivesTheSameAsAssignmentWhateverTheTargetHeld) {
  DealRecord rich = sampleDeal("rich");
  DealRecord bare;
  bare.id = "bare";
  bare.fields.resize(3);
  DealRecord longer = sampleDeal("longer");
  longer.fields.resize(20, numberField(1.5));
  longer.tags.assign(7, "метка");
  longer.error = "an error";
  for (const DealRecord* from : {&rich, &bare, &longer}) {
    for (const DealRecord* held : {&rich, &bare, &longer}) {
      DealRecord to = *held;
      copyDealInto(to, *from);
      EXPECT_EQ(show(to), show(*from)) << from->id << " into " << held->id;
      EXPECT_EQ(to.fields, from->fields);
      EXPECT_EQ(to.tags, from->tags);
    }
  }
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
