// The memory store's compact timer table against a plain model: a random
// mix of adds, removals (one by one and by a pick), undos and rewrites, with
// compactions between them, reads back the same timers in the same orders.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <tuple>

#include "runtime/store/timer_table.h"

namespace voronka::store {
namespace {

std::string show(const TimerRecord& t) {
  return std::to_string(t.id) + "|" + t.deal + "|" + std::to_string(t.due) + "|" +
         std::to_string(static_cast<int>(t.kind)) + "|" + std::to_string(t.rule) + "|" + std::to_string(t.action) +
         "|" + std::to_string(t.epoch) + "|" + std::to_string(t.event) + "|" + t.payload + "|" +
         std::to_string(t.unlessEvent) + "|" + std::to_string(t.unlessArg) + "|" + std::to_string(t.task) + "|" +
         std::to_string(t.scheduledAt) + "|" + t.cause;
}

std::vector<std::string> shown(const std::vector<TimerRecord>& timers) {
  std::vector<std::string> out;
  for (const auto& t : timers) out.push_back(show(t));
  return out;
}

// The model's pending timers of `deal`, oldest first: what ofDeal() lists.
std::vector<std::string> modelOf(const std::map<int64_t, TimerRecord>& model, const std::string& deal) {
  std::vector<TimerRecord> of;
  for (const auto& [id, t] : model) {
    if (t.deal == deal) of.push_back(t);
  }
  return shown(of);
}

TimerRecord randomTimer(std::mt19937_64& rng, int64_t id) {
  TimerRecord t;
  t.id = id;
  t.deal = "deal-" + std::to_string(rng() % 7);
  t.due = static_cast<int64_t>(rng() % 50) - 10;
  if (rng() % 10 == 0) t.due = INT64_MIN + static_cast<int64_t>(rng() % 3);
  if (rng() % 10 == 0) t.due = INT64_MAX - static_cast<int64_t>(rng() % 3);
  t.kind = static_cast<TimerKind>(rng() % 3);
  t.rule = static_cast<int32_t>(rng() % 5) - 1;
  t.action = rng() % 4 == 0 ? INT32_MAX : static_cast<int32_t>(rng() % 3) - 1;
  t.epoch = rng() % 4 == 0 ? UINT64_MAX : rng() % 9;
  t.event = static_cast<int32_t>(rng() % 4) - 1;
  t.unlessEvent = rng() % 5 == 0 ? INT32_MIN : -1;
  t.unlessArg = static_cast<int32_t>(rng() % 3) - 1;
  t.task = rng() % 6 == 0 ? INT64_MAX : static_cast<int64_t>(rng() % 100);
  t.scheduledAt = rng() % 3 == 0 ? 0 : static_cast<int64_t>(rng());
  t.cause = rng() % 2 ? "evt-" + std::to_string(id) : "";
  t.payload = rng() % 300 == 0 ? std::string(70000 + rng() % 1000, 'x') : rng() % 2 ? "{\"amount\":90000}" : "";
  return t;
}

TEST(TimerTable, MatchesAPlainModelThroughAddsRemovalsUndosRewritesAndCompactions) {
  std::mt19937_64 rng(16);
  TimerTable table(16);                  // compacts often
  std::map<int64_t, TimerRecord> model;  // pending, by id
  int64_t nextId = 1;
  for (int round = 0; round < 200; ++round) {
    // One "transaction": changes with their undos, then commit or undo all.
    std::vector<std::function<void()>> undo;
    std::map<int64_t, TimerRecord> before = model;
    for (int step = 0; step < 40; ++step) {
      uint64_t what = rng() % 11;
      if (what == 10) {
        // A deal's timers removed by a pick: asked oldest first, each pending one once.
        std::string deal = "deal-" + std::to_string(rng() % 8);
        uint64_t keepRule = rng() % 5;
        std::vector<int64_t> asked, expected, removed;
        for (const auto& [id, t] : model) {
          if (t.deal == deal) expected.push_back(id);
        }
        table.removeOfDeal(
            deal,
            [&](const TimerHead& h) {
              asked.push_back(h.id);
              const TimerRecord& t = model.at(h.id);
              EXPECT_EQ(std::make_tuple(h.kind, h.rule, h.epoch, h.unlessEvent, h.unlessArg, h.task),
                        std::make_tuple(t.kind, t.rule, t.epoch, t.unlessEvent, t.unlessArg, t.task));
              return static_cast<uint64_t>(h.rule + 1) != keepRule;
            },
            [&](int64_t id) { removed.push_back(id); });
        EXPECT_EQ(asked, expected) << deal;
        for (int64_t id : removed) {
          EXPECT_NE(static_cast<uint64_t>(model.at(id).rule + 1), keepRule);
          model.erase(id);
          undo.push_back([&, id] { table.restore(id); });
        }
      } else if (what < 5) {
        TimerRecord t = randomTimer(rng, nextId++);
        table.add(t);
        model[t.id] = t;
        undo.push_back([&, id = t.id] {
          table.dropLast(id);
          --nextId;
        });
      } else if (what < 8 && !model.empty()) {
        auto it = std::next(model.begin(), static_cast<long>(rng() % model.size()));
        int64_t id = it->first;
        TimerRecord removed;
        ASSERT_TRUE(table.remove(id, &removed));
        EXPECT_EQ(show(removed), show(it->second));
        model.erase(it);
        undo.push_back([&, id] { table.restore(id); });
      } else if (!model.empty()) {
        auto it = std::next(model.begin(), static_cast<long>(rng() % model.size()));
        TimerRecord t = randomTimer(rng, it->first);
        TimerRecord old;
        ASSERT_TRUE(table.replace(t, &old));
        t.deal = old.deal;  // the deal stays
        it->second = t;
        undo.push_back([&, old] { table.replace(old, nullptr); });
      }
      EXPECT_FALSE(table.remove(nextId + 5, nullptr));
    }
    if (rng() % 4 == 0) {
      for (auto u = undo.rbegin(); u != undo.rend(); ++u) (*u)();
      model = before;
    } else {
      table.compact();
    }
    ASSERT_EQ(table.size(), model.size());
    ASSERT_EQ(table.countedBlobBytes(), table.measuredBlobBytes());
    std::vector<TimerRecord> byDue;
    for (const auto& [id, t] : model) byDue.push_back(t);
    std::stable_sort(byDue.begin(), byDue.end(), [](const auto& a, const auto& b) { return a.due < b.due; });
    ASSERT_EQ(shown(table.due(INT64_MAX, byDue.size() + 1)), shown(byDue));
    if (!byDue.empty()) {
      EXPECT_EQ(table.nextDue(), byDue.front().due);
      int64_t until = byDue[byDue.size() / 2].due;
      std::vector<TimerRecord> upTo;
      for (const auto& t : byDue) {
        if (t.due <= until && upTo.size() < 3) upTo.push_back(t);
      }
      EXPECT_EQ(shown(table.due(until, 3)), shown(upTo));
    } else {
      EXPECT_FALSE(table.nextDue());
    }
    for (int d = 0; d < 8; ++d) {
      std::string deal = "deal-" + std::to_string(d);
      ASSERT_EQ(shown(table.ofDeal(deal)), modelOf(model, deal)) << deal;
    }
  }
}

// Thousands of timers, so that slots fill several of the table's chunks:
// lookups, removals, undos and drops of the last across chunk boundaries.
TEST(TimerTable, KeepsTimersAcrossManyChunksOfSlots) {
  std::mt19937_64 rng(7);
  TimerTable table(1'000'000);  // no compaction: positions stay as added
  std::map<int64_t, TimerRecord> model;
  for (int64_t id = 1; id <= 5000; ++id) {
    TimerRecord t = randomTimer(rng, id);
    table.add(t);
    model[id] = t;
  }
  // The last ones dropped back over a chunk boundary, and added again.
  for (int64_t id = 5000; id > 2040; --id) {
    table.dropLast(id);
    model.erase(id);
  }
  for (int64_t id = 2041; id <= 3100; ++id) {
    TimerRecord t = randomTimer(rng, id);
    table.add(t);
    model[id] = t;
  }
  // Removed and restored in every chunk; some stay removed.
  for (int64_t id : {1, 1023, 1024, 1025, 2047, 2048, 2049, 3100}) {
    TimerRecord removed;
    ASSERT_TRUE(table.remove(id, &removed)) << id;
    EXPECT_EQ(show(removed), show(model.at(id)));
    if (id % 2 == 0) {
      table.restore(id);
    } else {
      model.erase(id);
    }
  }
  EXPECT_FALSE(table.remove(3101, nullptr));
  ASSERT_EQ(table.size(), model.size());
  std::vector<TimerRecord> byDue;
  for (const auto& [id, t] : model) byDue.push_back(t);
  std::stable_sort(byDue.begin(), byDue.end(), [](const auto& a, const auto& b) { return a.due < b.due; });
  EXPECT_EQ(shown(table.due(INT64_MAX, byDue.size() + 1)), shown(byDue));
  for (int d = 0; d < 7; ++d) {
    std::string deal = "deal-" + std::to_string(d);
    EXPECT_EQ(shown(table.ofDeal(deal)), modelOf(model, deal)) << deal;
  }
}

}  // namespace
}  // namespace voronka::store
