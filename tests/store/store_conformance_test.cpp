// The Store interface's contract, written once and run against every
// implementation (store_test_support.h lists them): what each method returns,
// in which order, and that a transaction destroyed without commit() undoes
// everything — alone or inside a batch.
#include <gtest/gtest.h>

#include <tuple>

#include "tests/store/store_factories.h"
#include "tests/store/store_test_support.h"

namespace voronka {
namespace {

using testing::everyKindProbe;
using testing::sampleDeal;
using testing::sampleEffect;
using testing::sampleTask;
using testing::sampleTimer;
using testing::show;
using testing::showAll;
using testing::snapshot;
using testing::StoreFactory;
using testing::TempDir;

constexpr int64_t kForever = std::numeric_limits<int64_t>::max();

class StoreConformance : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    if (std::string why = GetParam().unavailable(); !why.empty()) GTEST_SKIP() << why;
    store_ = GetParam().make(dir_);
  }

  // Runs `work` in one transaction and commits it.
  template <typename Work>
  auto committed(Work work) {
    auto tx = store_->begin();
    if constexpr (std::is_void_v<decltype(work(*tx))>) {
      work(*tx);
      tx->commit();
    } else {
      auto result = work(*tx);
      tx->commit();
      return result;
    }
  }

  std::vector<int64_t> ids(const std::vector<store::TimerRecord>& timers) {
    std::vector<int64_t> out;
    for (const auto& t : timers) out.push_back(t.id);
    return out;
  }
  std::vector<std::string> keys(const std::vector<store::EffectRecord>& effects) {
    std::vector<std::string> out;
    for (const auto& e : effects) out.push_back(e.key);
    return out;
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

// ───────────────────────────── deals ──────────────────────────────────────

TEST_P(StoreConformance, DealComesBackAsItWasPut) {
  store::DealRecord d = sampleDeal("d1");
  committed([&](store::Transaction& tx) { tx.putDeal(d); });
  auto tx = store_->begin();
  auto back = tx->deal("d1");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(show(*back), show(d));
  EXPECT_FALSE(tx->deal("d2").has_value());
  EXPECT_FALSE(tx->deal("").has_value());
}

TEST_P(StoreConformance, DealKeepsNanAndEmptyLists) {
  store::DealRecord d = sampleDeal("d1");
  d.fields = {testing::numberField(std::numeric_limits<double>::quiet_NaN())};
  d.tags.clear();
  d.visits.clear();
  committed([&](store::Transaction& tx) { tx.putDeal(d); });
  auto tx = store_->begin();
  auto back = tx->deal("d1");
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->fields.size(), 1u);
  EXPECT_TRUE(std::isnan(back->fields[0].num));
  EXPECT_TRUE(back->tags.empty());
  EXPECT_TRUE(back->visits.empty());
}

TEST_P(StoreConformance, PutDealReplacesAndKeepsCreationOrder) {
  committed([&](store::Transaction& tx) {
    tx.putDeal(sampleDeal("b"));
    tx.putDeal(sampleDeal("a"));
    tx.putDeal(sampleDeal("c"));
  });
  store::DealRecord changed = sampleDeal("b", 1, 3);
  changed.name = "другое имя";
  changed.fields.pop_back();
  changed.tags = {"new"};
  changed.visits = {{7, 1}};
  changed.version = 9;
  committed([&](store::Transaction& tx) { tx.putDeal(changed); });
  auto tx = store_->begin();
  EXPECT_EQ(tx->dealIds(), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(show(*tx->deal("b")), show(changed));
  EXPECT_EQ(tx->counts().deals, 3);
}

TEST_P(StoreConformance, OpenDealsOfCountsAUsersDealsOutsideFinalStages) {
  committed([&](store::Transaction& tx) {
    auto deal = [&](const std::string& id, int32_t user, int32_t pipeline, int32_t stage) {
      store::DealRecord d = sampleDeal(id, pipeline, stage);
      d.responsible = user;
      tx.putDeal(d);
    };
    deal("a", 1, 0, 0);
    deal("b", 1, 0, 1);
    deal("c", 1, 0, 5);  // won
    deal("d", 1, 1, 6);  // lost, second pipeline
    deal("e", 1, 1, 5);  // stage 5 of pipeline 1 is not final
    deal("f", 2, 0, 0);
    deal("g", -1, 0, 0);
  });
  std::vector<std::pair<int32_t, int32_t>> finals = {{0, 5}, {0, 6}, {1, 6}, {1, 7}};
  auto tx = store_->begin();
  EXPECT_EQ(tx->openDealsOf(1, finals), 3);
  EXPECT_EQ(tx->openDealsOf(2, finals), 1);
  EXPECT_EQ(tx->openDealsOf(3, finals), 0);
  EXPECT_EQ(tx->openDealsOf(1, {}), 5);
}

TEST_P(StoreConformance, DealsPerStageAreSortedAndOnlyWhereDealsAre) {
  committed([&](store::Transaction& tx) {
    tx.putDeal(sampleDeal("a", 1, 0));
    tx.putDeal(sampleDeal("b", 0, 2));
    tx.putDeal(sampleDeal("c", 0, 2));
    tx.putDeal(sampleDeal("d", 0, 1));
    tx.putDeal(sampleDeal("e", 1, 0));
  });
  auto perStage = [&] {
    auto tx = store_->begin();
    std::vector<std::string> out;
    for (const auto& s : tx->dealsPerStage()) {
      out.push_back(std::to_string(s.pipeline) + "." + std::to_string(s.stage) + "=" + std::to_string(s.deals));
    }
    return out;
  };
  EXPECT_EQ(perStage(), (std::vector<std::string>{"0.1=1", "0.2=2", "1.0=2"}));
  committed([&](store::Transaction& tx) { tx.putDeal(sampleDeal("d", 1, 3)); });  // stage 0.1 empties
  EXPECT_EQ(perStage(), (std::vector<std::string>{"0.2=2", "1.0=2", "1.3=1"}));
}

// ───────────────────────────── tasks ──────────────────────────────────────

TEST_P(StoreConformance, TasksGetIncreasingIdsAndComeBackInIdOrderPerDeal) {
  std::vector<int64_t> ids = committed([&](store::Transaction& tx) {
    return std::vector<int64_t>{tx.addTask(sampleTask("a", "1")), tx.addTask(sampleTask("b", "2")),
                                tx.addTask(sampleTask("a", "3")), tx.addTask(sampleTask("a", "4"))};
  });
  EXPECT_GT(ids[0], 0);
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_GT(ids[i], ids[i - 1]);
  int64_t later = committed([&](store::Transaction& tx) { return tx.addTask(sampleTask("b", "5")); });
  EXPECT_GT(later, ids.back());

  auto tx = store_->begin();
  std::vector<store::TaskRecord> a = tx->tasksOf("a");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].id, ids[0]);
  EXPECT_EQ(a[1].id, ids[2]);
  EXPECT_EQ(a[2].id, ids[3]);
  store::TaskRecord expected = sampleTask("a", "3");
  expected.id = ids[2];
  EXPECT_EQ(show(a[1]), show(expected));
  EXPECT_EQ(tx->tasksOf("b").size(), 2u);
  EXPECT_TRUE(tx->tasksOf("c").empty());
}

// The engine adds tasks and timers as views (addTaskView, addTimerView):
// every store keeps all they say, as it keeps a record, the deal being
// stored or not yet, with a comment and a completion time.
TEST_P(StoreConformance, TasksAndTimersAddedAsViewsKeepAllTheyAddedAsRecordsWould) {
  store::TaskRecord task = sampleTask("deal-ahead-of-its-row", "Позвонить клиенту после встречи");
  task.comment = "перезвонить";
  task.completedAt = 1772520000;
  store::TimerRecord timer = sampleTimer("d1", 1772600000);
  auto [taskId, timerId] = committed([&](store::Transaction& tx) {
    tx.putDeal(sampleDeal("d1"));
    int64_t t = tx.addTaskView(task.deal, store::TaskView::of(task));
    return std::pair{t, tx.addTimerView(store::TimerView::of(timer))};
  });
  auto tx = store_->begin();
  std::vector<store::TaskRecord> tasks = tx->tasksOf(task.deal);
  ASSERT_EQ(tasks.size(), 1u);
  task.id = taskId;
  EXPECT_EQ(show(tasks[0]), show(task));
  std::vector<store::TimerRecord> timers = tx->timersOf("d1");
  ASSERT_EQ(timers.size(), 1u);
  timer.id = timerId;
  EXPECT_EQ(show(timers[0]), show(timer));
}

TEST_P(StoreConformance, PutTaskReplacesTheTask) {
  store::TaskRecord t = sampleTask("a", "Позвонить");
  t.id = committed([&](store::Transaction& tx) { return tx.addTask(t); });
  t.done = true;
  t.completedAt = 1772440000;
  t.comment = "дозвонились";
  t.text = "Позвонить ещё раз";
  t.due = 0;
  t.responsible = 5;
  t.type = -1;
  t.epoch = 4;
  committed([&](store::Transaction& tx) { tx.putTask(t); });
  auto tx = store_->begin();
  EXPECT_EQ(showAll(tx->tasksOf("a")), std::vector<std::string>{show(t)});
}

// Tasks that share a text keep it apart: changing one task's text or comment
// changes no other task's.
TEST_P(StoreConformance, TasksKeepLongTextsExtremeTimesAndTheirOwnTextsWhenOneChanges) {
  store::TaskRecord big = sampleTask("deal-" + std::string(40, 'd'), std::string(3000, 'x'));
  big.completedAt = std::numeric_limits<int64_t>::min();
  big.due = kForever;
  big.comment = "готово";
  big.epoch = uint64_t{1} << 62;
  big.type = -1;
  big.responsible = -1;
  store::TaskRecord first = sampleTask("a", "Позвонить"), second = sampleTask("a", "Позвонить");
  committed([&](store::Transaction& tx) {
    big.id = tx.addTask(big);
    first.id = tx.addTask(first);
    second.id = tx.addTask(second);
  });
  first.text = "Позвонить ещё раз";
  first.comment = "не дозвонились";
  committed([&](store::Transaction& tx) { tx.putTask(first); });
  second.done = true;  // its text and comment as they were
  committed([&](store::Transaction& tx) { tx.putTask(second); });
  auto tx = store_->begin();
  EXPECT_EQ(showAll(tx->tasksOf(big.deal)), std::vector<std::string>{show(big)});
  EXPECT_EQ(showAll(tx->tasksOf("a")), (std::vector<std::string>{show(first), show(second)}));
  EXPECT_EQ(showAll(tx->openTasksOf("a")), std::vector<std::string>{show(first)});
}

// An open task as a visit sees it, as the record of `deal` it shows.
store::TaskRecord recordOf(const std::string& deal, const store::TaskView& t) {
  return {t.id,  deal,        t.type,        std::string(t.text),    t.due,  t.responsible,
          false, t.createdAt, t.completedAt, std::string(t.comment), t.epoch};
}

// What the engine reads of tasks: the open ones, as views, until it has enough.
TEST_P(StoreConformance, OpenTasksAreShownInIdOrderUntilTheVisitStops) {
  std::vector<store::TaskRecord> tasks = {sampleTask("a", "Позвонить"), sampleTask("a", "Отправить КП"),
                                          sampleTask("b", "Позвонить"), sampleTask("a", "Встреча")};
  tasks[1].comment = "черновик";
  tasks[1].completedAt = 77;
  tasks[3].due = kForever;
  committed([&](store::Transaction& tx) {
    for (auto& t : tasks) t.id = tx.addTask(t);
  });
  tasks[0].done = true;
  committed([&](store::Transaction& tx) { tx.putTask(tasks[0]); });
  auto tx = store_->begin();
  std::vector<std::string> seen;
  tx->forEachOpenTask("a", [&](const store::TaskView& t) {
    seen.push_back(show(recordOf("a", t)));
    return true;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{show(tasks[1]), show(tasks[3])}));
  seen.clear();
  tx->forEachOpenTask("a", [&](const store::TaskView& t) {
    seen.push_back(std::string(t.text));
    return false;  // enough
  });
  EXPECT_EQ(seen, std::vector<std::string>{"Отправить КП"});
  int none = 0;
  tx->forEachOpenTask("nobody", [&](const store::TaskView&) { return ++none > 0; });
  EXPECT_EQ(none, 0);
}

// A deal's tasks are found whatever came first, the deal or its tasks, and
// within the transaction that read the deal, saved it and added its first
// task (the memory store reaches a deal's tasks from its row).
TEST_P(StoreConformance, TasksAreFoundWhetherTheyCameBeforeOrAfterTheirDeal) {
  auto openTexts = [](store::Transaction& tx, const std::string& deal) {
    std::vector<std::string> texts;
    tx.forEachOpenTask(deal, [&](const store::TaskView& t) {
      texts.push_back(std::string(t.text));
      return true;
    });
    return texts;
  };
  committed([&](store::Transaction& tx) { tx.addTask(sampleTask("early", "Позвонить")); });
  committed([&](store::Transaction& tx) {
    tx.putDeal(sampleDeal("early"));
    tx.putDeal(sampleDeal("late"));
  });
  committed([&](store::Transaction& tx) {
    std::optional<store::DealRecord> late = tx.deal("late");
    ASSERT_TRUE(late);
    EXPECT_TRUE(openTexts(tx, "late").empty());
    tx.addTask(sampleTask("late", "Встреча"));
    EXPECT_EQ(openTexts(tx, "late"), std::vector<std::string>{"Встреча"});
    tx.saveDeal(std::move(*late));
    EXPECT_EQ(openTexts(tx, "late"), std::vector<std::string>{"Встреча"});
    EXPECT_EQ(openTexts(tx, "early"), std::vector<std::string>{"Позвонить"});
    tx.addTask(sampleTask("early", "Отправить КП"));
  });
  {
    auto tx = store_->begin();
    tx->putDeal(sampleDeal("rolled back"));
    tx->addTask(sampleTask("rolled back", "Не будет"));
    EXPECT_EQ(openTexts(*tx, "rolled back"), std::vector<std::string>{"Не будет"});
  }
  // A deal whose tasks came first, stored in a transaction that is rolled
  // back, then for good: its tasks stay through both.
  committed([&](store::Transaction& tx) { tx.addTask(sampleTask("twice", "Первая")); });
  {
    auto tx = store_->begin();
    tx->putDeal(sampleDeal("twice"));
    tx->addTask(sampleTask("twice", "Откатится"));
    EXPECT_EQ(openTexts(*tx, "twice"), (std::vector<std::string>{"Первая", "Откатится"}));
  }
  committed([&](store::Transaction& tx) {
    EXPECT_EQ(openTexts(tx, "twice"), std::vector<std::string>{"Первая"});
    tx.putDeal(sampleDeal("twice"));
    EXPECT_EQ(openTexts(tx, "twice"), std::vector<std::string>{"Первая"});
  });
  EXPECT_EQ(openTexts(*store_->begin(), "twice"), std::vector<std::string>{"Первая"});
  auto tx = store_->begin();
  EXPECT_EQ(openTexts(*tx, "early"), (std::vector<std::string>{"Позвонить", "Отправить КП"}));
  EXPECT_EQ(openTexts(*tx, "late"), std::vector<std::string>{"Встреча"});
  EXPECT_EQ(tx->tasksOf("late").size(), 1u);
  EXPECT_FALSE(tx->deal("rolled back"));
  EXPECT_TRUE(openTexts(*tx, "rolled back").empty());
  EXPECT_TRUE(tx->tasksOf("rolled back").empty());
}

// Deals being created get their tasks before they are stored (their entry
// rules run first), two in one transaction; rolled back, then kept.
TEST_P(StoreConformance, NewDealsKeepTheTasksTheyGotBeforeTheyWereStored) {
  auto texts = [](store::Transaction& tx, const std::string& deal) {
    std::vector<std::string> out;
    for (const store::TaskRecord& t : tx.tasksOf(deal)) out.push_back(t.text);
    return out;
  };
  auto createBoth = [&](store::Transaction& tx) {
    tx.addTask(sampleTask("new1", "Позвонить"));
    tx.addTask(sampleTask("new2", "Написать"));
    tx.addTask(sampleTask("new1", "Отправить КП"));
    EXPECT_EQ(texts(tx, "new1"), (std::vector<std::string>{"Позвонить", "Отправить КП"}));
    tx.putDeal(sampleDeal("new1"));
    tx.putDeal(sampleDeal("new2"));
    tx.addTask(sampleTask("new1", "Встреча"));
    EXPECT_EQ(texts(tx, "new1"), (std::vector<std::string>{"Позвонить", "Отправить КП", "Встреча"}));
    EXPECT_EQ(texts(tx, "new2"), std::vector<std::string>{"Написать"});
  };
  {
    auto tx = store_->begin();
    createBoth(*tx);
  }
  {
    auto tx = store_->begin();
    EXPECT_FALSE(tx->deal("new1"));
    EXPECT_TRUE(texts(*tx, "new1").empty());
    EXPECT_TRUE(texts(*tx, "new2").empty());
  }
  committed(createBoth);
  auto tx = store_->begin();
  EXPECT_EQ(texts(*tx, "new1"), (std::vector<std::string>{"Позвонить", "Отправить КП", "Встреча"}));
  EXPECT_EQ(texts(*tx, "new2"), std::vector<std::string>{"Написать"});
}

// A stored deal's first task, rolled back, takes back what listed it: the
// next deal to get a first task has its own list, and so has the first deal
// when it gets one again.
TEST_P(StoreConformance, AnUndoneFirstTaskLeavesNoListBehindForAnotherDeal) {
  committed([&](store::Transaction& tx) {
    tx.putDeal(sampleDeal("first"));
    tx.putDeal(sampleDeal("second"));
  });
  {
    auto tx = store_->begin();
    tx->addTask(sampleTask("first", "Откатится"));
  }
  committed([&](store::Transaction& tx) {
    EXPECT_TRUE(tx.tasksOf("first").empty());
    tx.addTask(sampleTask("second", "Второй сделки"));
  });
  committed([&](store::Transaction& tx) { tx.addTask(sampleTask("first", "Первой сделки")); });
  auto tx = store_->begin();
  std::vector<store::TaskRecord> first = tx->tasksOf("first"), second = tx->tasksOf("second");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].text, "Первой сделки");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].text, "Второй сделки");
}

TEST_P(StoreConformance, CompletingATaskKeepsItsTextsAndIsUndoneWithItsTransaction) {
  store::TaskRecord call = sampleTask("a", "Позвонить"), offer = sampleTask("a", "Отправить КП");
  offer.comment = "черновик";
  committed([&](store::Transaction& tx) {
    call.id = tx.addTask(call);
    offer.id = tx.addTask(offer);
  });
  {
    auto tx = store_->begin();
    tx->completeTask("a", call.id, 500, std::string_view("не дозвонились"));  // rolled back
  }
  committed([&](store::Transaction& tx) {
    tx.completeTask("a", call.id, 600, std::nullopt);
    tx.completeTask("a", offer.id, 700, std::string_view("отправлено"));
  });
  committed([&](store::Transaction& tx) {
    tx.completeTask("a", call.id, 800, std::string_view("ещё раз"));  // done already: nothing changes
    tx.completeTask("a", 999, 800, std::nullopt);                     // no such task: nothing either
  });
  call.done = offer.done = true;
  call.completedAt = 600;
  offer.completedAt = 700;
  offer.comment = "отправлено";
  auto tx = store_->begin();
  EXPECT_EQ(showAll(tx->tasksOf("a")), (std::vector<std::string>{show(call), show(offer)}));
}

TEST_P(StoreConformance, PutTaskOfAnUnknownTaskIsAnError) {
  auto tx = store_->begin();
  store::TaskRecord t = sampleTask("a", "x");
  t.id = 42;
  EXPECT_THROW(tx->putTask(t), std::logic_error);
}

// ───────────────────────────── timers ─────────────────────────────────────

TEST_P(StoreConformance, DueTimersAreEarliestFirstTiesByIdWithinLimitAndUntil) {
  std::vector<int64_t> id = committed([&](store::Transaction& tx) {
    std::vector<int64_t> out;
    for (int64_t due : {50, 10, 30, 10, 20}) out.push_back(tx.addTimer(sampleTimer(due == 30 ? "b" : "a", due)));
    return out;
  });
  auto tx = store_->begin();
  EXPECT_EQ(ids(tx->dueTimers(30, 10)), (std::vector<int64_t>{id[1], id[3], id[4], id[2]}));
  EXPECT_EQ(ids(tx->dueTimers(kForever, 2)), (std::vector<int64_t>{id[1], id[3]}));
  EXPECT_EQ(ids(tx->dueTimers(10, 10)), (std::vector<int64_t>{id[1], id[3]}));  // `until` is inclusive
  EXPECT_TRUE(tx->dueTimers(9, 10).empty());
  EXPECT_TRUE(tx->dueTimers(kForever, 0).empty());
  EXPECT_EQ(ids(tx->dueTimers(kForever, 100)).size(), 5u);
  store::TimerRecord expected = sampleTimer("b", 30);
  expected.id = id[2];
  EXPECT_EQ(show(tx->dueTimers(30, 10).back()), show(expected));
  tx.reset();  // firstDueTimer reads on its own, outside a transaction
  std::optional<store::TimerRecord> first = store_->firstDueTimer(30);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id, id[1]);  // the earliest, the lower id of the two due at 10
  EXPECT_EQ(first->deal, "a");
  EXPECT_FALSE(store_->firstDueTimer(9).has_value());
}

TEST_P(StoreConformance, TimersOfAreInIdOrderAndRemovedOnesAreGone) {
  std::vector<int64_t> id = committed([&](store::Transaction& tx) {
    return std::vector<int64_t>{tx.addTimer(sampleTimer("a", 300)), tx.addTimer(sampleTimer("a", 100)),
                                tx.addTimer(sampleTimer("b", 200)), tx.addTimer(sampleTimer("a", 200))};
  });
  committed([&](store::Transaction& tx) {
    tx.removeTimer(id[1]);
    tx.removeTimer(id[1]);        // again: nothing happens
    tx.removeTimer(id[3] + 100);  // unknown: nothing happens
  });
  auto tx = store_->begin();
  EXPECT_EQ(ids(tx->timersOf("a")), (std::vector<int64_t>{id[0], id[3]}));
  EXPECT_EQ(ids(tx->timersOf("b")), (std::vector<int64_t>{id[2]}));
  EXPECT_TRUE(tx->timersOf("c").empty());
  EXPECT_EQ(ids(tx->dueTimers(kForever, 10)), (std::vector<int64_t>{id[2], id[3], id[0]}));
  EXPECT_EQ(tx->counts().timersPending, 3);
}

TEST_P(StoreConformance, RemoveTimersOfAsksOfEachPendingTimerOfTheDealOldestFirst) {
  std::vector<int64_t> id = committed([&](store::Transaction& tx) {
    std::vector<int64_t> ids;
    for (int64_t due : {500, 100, 300, 200}) ids.push_back(tx.addTimer(sampleTimer("a", due)));
    ids.push_back(tx.addTimer(sampleTimer("b", 50)));
    store::TimerRecord rule = sampleTimer("a", 400);
    rule.kind = store::TimerKind::Rule;
    rule.rule = 9;
    rule.epoch = 3;
    rule.unlessEvent = -1;
    rule.unlessArg = -1;
    rule.task = 0;
    ids.push_back(tx.addTimer(rule));
    tx.removeTimer(ids[2]);
    return ids;
  });
  std::vector<int64_t> asked;
  {
    auto tx = store_->begin();
    int64_t added = tx->addTimer(sampleTimer("a", 10));  // this transaction's own is asked of too
    tx->removeTimersOf("a", [&](const store::TimerHead& t) {
      asked.push_back(t.id);
      if (t.id == id[5]) {
        EXPECT_EQ(std::make_tuple(t.kind, t.rule, t.epoch, t.unlessEvent, t.unlessArg, t.task),
                  std::make_tuple(store::TimerKind::Rule, 9, uint64_t{3}, -1, -1, int64_t{0}));
      } else {
        EXPECT_EQ(std::make_tuple(t.kind, t.rule, t.epoch, t.unlessEvent, t.unlessArg, t.task),
                  std::make_tuple(store::TimerKind::Then, 3, uint64_t{2}, 6, 7, int64_t{8}));
      }
      return t.id != id[3];
    });
    EXPECT_EQ(asked, (std::vector<int64_t>{id[0], id[1], id[3], id[5], added}));
    EXPECT_EQ(ids(tx->timersOf("a")), (std::vector<int64_t>{id[3]}));
    EXPECT_EQ(ids(tx->dueTimers(kForever, 10)), (std::vector<int64_t>{id[4], id[3]}));
    tx->removeTimersOf("nobody", [&](const store::TimerHead& t) {
      ADD_FAILURE() << "asked of timer " << t.id;
      return true;
    });
  }  // undone
  committed([&](store::Transaction& tx) {
    EXPECT_EQ(ids(tx.timersOf("a")), (std::vector<int64_t>{id[0], id[1], id[3], id[5]}));
    EXPECT_EQ(ids(tx.dueTimers(kForever, 10)), (std::vector<int64_t>{id[4], id[1], id[3], id[5], id[0]}));
    tx.removeTimersOf("a", [](const store::TimerHead&) { return true; });
  });
  EXPECT_TRUE(store_->begin()->timersOf("a").empty());
  EXPECT_EQ(store_->nextDue(), 50);
}

TEST_P(StoreConformance, TimerIdsAreNeverGivenTwice) {
  int64_t last = committed([&](store::Transaction& tx) {
    tx.addTimer(sampleTimer("a", 10));
    return tx.addTimer(sampleTimer("a", 20));
  });
  committed([&](store::Transaction& tx) { tx.removeTimer(last); });  // the highest id is gone
  int64_t next = committed([&](store::Transaction& tx) { return tx.addTimer(sampleTimer("a", 30)); });
  EXPECT_GT(next, last);
}

TEST_P(StoreConformance, NextDueIsTheEarliestPendingTimer) {
  EXPECT_FALSE(store_->nextDue().has_value());
  int64_t first = committed([&](store::Transaction& tx) {
    tx.addTimer(sampleTimer("a", 500));
    int64_t id = tx.addTimer(sampleTimer("b", 100));
    tx.addTimer(sampleTimer("a", 300));
    return id;
  });
  EXPECT_EQ(store_->nextDue(), 100);
  committed([&](store::Transaction& tx) { tx.removeTimer(first); });
  EXPECT_EQ(store_->nextDue(), 300);
}

// ───────────────────────────── effects ────────────────────────────────────

TEST_P(StoreConformance, EffectsGetIncreasingIdsInOrderPerDeal) {
  committed([&](store::Transaction& tx) {
    tx.addEffect(sampleEffect("a", "k1"));
    tx.addEffect(sampleEffect("b", "k2"));
    tx.addEffect(sampleEffect("a", "k3"));
  });
  auto tx = store_->begin();
  std::vector<store::EffectRecord> a = tx->effectsOf("a");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(keys(a), (std::vector<std::string>{"k1", "k3"}));
  EXPECT_GT(a[0].id, 0);
  EXPECT_GT(a[1].id, a[0].id);
  store::EffectRecord expected = sampleEffect("a", "k3");
  expected.id = a[1].id;
  EXPECT_EQ(show(a[1]), show(expected));
  std::vector<store::EffectRecord> b = tx->effectsOf("b");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_GT(b[0].id, a[0].id);
  EXPECT_LT(b[0].id, a[1].id);
  EXPECT_TRUE(tx->effectsOf("c").empty());
}

TEST_P(StoreConformance, DueEffectsArePendingOnesPastNotBeforeAndBackoffOldestFirst) {
  committed([&](store::Transaction& tx) {
    tx.addEffect(sampleEffect("a", "now"));
    tx.addEffect(sampleEffect("b", "later", 200));
    store::EffectRecord backoff = sampleEffect("a", "backoff");
    backoff.nextAttemptAt = 150;
    backoff.attempts = 1;
    tx.addEffect(backoff);
    tx.addEffect(sampleEffect("a", "sent", 0, "delivered"));
    tx.addEffect(sampleEffect("b", "gave up", 0, "dead"));
    tx.addEffect(sampleEffect("b", "also now", 100));
  });
  auto tx = store_->begin();
  EXPECT_EQ(keys(tx->dueEffects(99, 10)), (std::vector<std::string>{"now"}));
  EXPECT_EQ(keys(tx->dueEffects(100, 10)), (std::vector<std::string>{"now", "also now"}));
  EXPECT_EQ(keys(tx->dueEffects(150, 10)), (std::vector<std::string>{"now", "backoff", "also now"}));
  EXPECT_EQ(keys(tx->dueEffects(kForever, 10)), (std::vector<std::string>{"now", "later", "backoff", "also now"}));
  EXPECT_EQ(keys(tx->dueEffects(kForever, 2)), (std::vector<std::string>{"now", "later"}));
  EXPECT_TRUE(tx->dueEffects(kForever, 0).empty());
  EXPECT_EQ(keys(tx->effectsWithStatus("dead", 10)), (std::vector<std::string>{"gave up"}));
  EXPECT_EQ(keys(tx->effectsWithStatus("pending", 3)), (std::vector<std::string>{"now", "later", "backoff"}));
  EXPECT_TRUE(tx->effectsWithStatus("unknown", 10).empty());
  store::StoreCounts c = tx->counts();
  EXPECT_EQ(c.effectsPending, 4);
  EXPECT_EQ(c.effectsDead, 1);
}

// A deal's effects go out in outbox order: while an earlier effect of the
// deal was tried and is not due again (being delivered, or waiting to
// retry), its later ones are not due. Delivered and dead effects hold
// nothing back, nor does an untried one whose notBefore is still ahead.
TEST_P(StoreConformance, ADealsLaterEffectsWaitWhileAnEarlierOneIsInFlightOrWaitsToRetry) {
  committed([&](store::Transaction& tx) {
    store::EffectRecord tried = sampleEffect("a", "a1 retries at 150");
    tried.attempts = 1;
    tried.nextAttemptAt = 150;
    tx.addEffect(tried);
    tx.addEffect(sampleEffect("a", "a2"));
    tx.addEffect(sampleEffect("other", "o1"));
    tx.addEffect(sampleEffect("b", "b1 dead", 0, "dead"));
    tx.addEffect(sampleEffect("b", "b2"));
    tx.addEffect(sampleEffect("c", "c1 at 200", 200));
    tx.addEffect(sampleEffect("c", "c2"));
    tx.addEffect(sampleEffect("d", "d1 sent", 0, "delivered"));
    tx.addEffect(sampleEffect("d", "d2"));
    tx.addEffect(sampleEffect("a", "a3"));
  });
  auto tx = store_->begin();
  EXPECT_EQ(keys(tx->dueEffects(100, 10)), (std::vector<std::string>{"o1", "b2", "c2", "d2"}));
  EXPECT_EQ(keys(tx->dueEffects(150, 10)),
            (std::vector<std::string>{"a1 retries at 150", "a2", "o1", "b2", "c2", "d2", "a3"}));
  EXPECT_EQ(keys(tx->dueEffects(200, 3)), (std::vector<std::string>{"a1 retries at 150", "a2", "o1"}));
  // Tried again (the relay's claim): the deal's later effects wait for its result.
  store::EffectRecord claimed = tx->effectsOf("a").at(0);
  claimed.attempts = 2;
  claimed.nextAttemptAt = 800;
  tx->putEffect(claimed);
  EXPECT_EQ(keys(tx->dueEffects(300, 10)), (std::vector<std::string>{"o1", "b2", "c1 at 200", "c2", "d2"}));
  claimed.status = "dead";
  claimed.nextAttemptAt = 0;
  tx->putEffect(claimed);
  EXPECT_EQ(keys(tx->dueEffects(300, 2)), (std::vector<std::string>{"a2", "o1"}));
}

TEST_P(StoreConformance, PutEffectChangesOnlyTheDeliveryState) {
  committed([&](store::Transaction& tx) {
    tx.addEffect(sampleEffect("a", "k1"));
    tx.addEffect(sampleEffect("a", "k2"));
  });
  store::EffectRecord original = [&] {
    auto tx = store_->begin();
    return tx->effectsOf("a").at(0);
  }();
  store::EffectRecord update = original;
  update.deal = "elsewhere";
  update.kind = "sms";
  update.key = "changed";
  update.payload = "{}";
  update.createdAt = 1;
  update.notBefore = 2;
  update.status = "delivered";
  update.attempts = 2;
  update.nextAttemptAt = 1772431500;
  update.deliveredAt = 1772431600;
  update.lastError = "timeout once";
  committed([&](store::Transaction& tx) { tx.putEffect(update); });

  store::EffectRecord expected = original;
  expected.status = update.status;
  expected.attempts = update.attempts;
  expected.nextAttemptAt = update.nextAttemptAt;
  expected.deliveredAt = update.deliveredAt;
  expected.lastError = update.lastError;
  auto tx = store_->begin();
  std::vector<store::EffectRecord> a = tx->effectsOf("a");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(show(a[0]), show(expected));
  EXPECT_EQ(a[1].status, "pending");
  EXPECT_TRUE(tx->effectsOf("elsewhere").empty());
  EXPECT_EQ(keys(tx->dueEffects(kForever, 10)), (std::vector<std::string>{"k2"}));
  EXPECT_EQ(keys(tx->effectsWithStatus("delivered", 10)), (std::vector<std::string>{"k1"}));
  EXPECT_EQ(tx->counts().effectsPending, 1);
}

TEST_P(StoreConformance, PutEffectOfAnUnknownEffectIsAnError) {
  committed([&](store::Transaction& tx) { tx.addEffect(sampleEffect("a", "k1")); });
  auto tx = store_->begin();
  store::EffectRecord e = sampleEffect("a", "x");
  e.id = 1000;
  EXPECT_THROW(tx->putEffect(e), std::logic_error);
}

// ───────────────────────────── events, history, notes ─────────────────────

TEST_P(StoreConformance, EventsAreDeduplicatedByIdAndTheFirstOneStays) {
  committed([&](store::Transaction& tx) {
    EXPECT_FALSE(tx.eventSeen("e1"));
    tx.recordEvent({"e1", "d1", "link_clicked", 1772431200, "applied"});
    EXPECT_TRUE(tx.eventSeen("e1"));  // seen within the transaction already
  });
  committed([&](store::Transaction& tx) {
    tx.recordEvent({"e1", "d2", "payment_received", 1772431999, "failed: again"});
    tx.recordEvent({"e2", "d1", "timer", 1772432000, "fired"});
  });
  auto tx = store_->begin();
  EXPECT_TRUE(tx->eventSeen("e1"));
  EXPECT_TRUE(tx->eventSeen("e2"));
  EXPECT_FALSE(tx->eventSeen("e3"));
  auto e1 = tx->event("e1");
  ASSERT_TRUE(e1.has_value());
  EXPECT_EQ(show(*e1), show(store::EventRecord{"e1", "d1", "link_clicked", 1772431200, "applied"}));
  EXPECT_FALSE(tx->event("e3").has_value());
  EXPECT_EQ(tx->counts().events, 2);
}

TEST_P(StoreConformance, HistoryAndNotesComeBackInInsertionOrderPerDeal) {
  committed([&](store::Transaction& tx) {
    tx.addHistory({"a", -1, -1, 0, 0, 300, "e1", "created"});
    tx.addHistory({"b", -1, -1, 0, 0, 100, "e2", "created"});
    tx.addNote({"a", 300, "third by time, first written"});
    tx.addNote({"b", 50, "b's"});
  });
  committed([&](store::Transaction& tx) {
    tx.addHistory({"a", 0, 0, 0, 1, 200, "timer:4", "automatic"});
    tx.addNote({"a", 100, "second"});
    tx.addNote({"a", 100, "second"});  // the same note twice is two notes
  });
  auto tx = store_->begin();
  EXPECT_EQ(showAll(tx->historyOf("a")),
            (std::vector<std::string>{show(store::HistoryRecord{"a", -1, -1, 0, 0, 300, "e1", "created"}),
                                      show(store::HistoryRecord{"a", 0, 0, 0, 1, 200, "timer:4", "automatic"})}));
  EXPECT_EQ(tx->historyOf("b").size(), 1u);
  EXPECT_TRUE(tx->historyOf("c").empty());
  std::vector<std::string> notes;
  for (const auto& n : tx->notesOf("a")) notes.push_back(n.text);
  EXPECT_EQ(notes, (std::vector<std::string>{"third by time, first written", "second", "second"}));
  EXPECT_EQ(showAll(tx->notesOf("b")), std::vector<std::string>{show(store::NoteRecord{"b", 50, "b's"})});
  EXPECT_TRUE(tx->notesOf("c").empty());
}

TEST_P(StoreConformance, EventsKeepTheirVersionAndBodyAndTheLogIsInRecordingOrder) {
  committed([&](store::Transaction& tx) {
    store::EventRecord e{"z", "d1", "deal_created", 300, "applied"};
    e.moduleVersion = "v1";
    e.body = R"({"id":"z"})";
    tx.recordEvent(e);
    tx.recordEvent({"timer:1", "d1", "timer", 200, "fired"});  // no body: not in the log
  });
  committed([&](store::Transaction& tx) {
    store::EventRecord e{"a", "d2", "link_clicked", 100, "applied"};
    e.moduleVersion = "v2";
    e.body = R"({"id":"a"})";
    tx.recordEvent(e);
    store::EventRecord again = e;
    again.body = "changed";
    tx.recordEvent(again);  // a duplicate changes nothing
  });
  {
    auto tx = store_->begin();
    store::EventRecord lost{"b", "d2", "link_clicked", 100, "applied"};
    lost.body = "{}";
    tx->recordEvent(lost);  // rolled back: its place in the order is not taken
  }
  committed([&](store::Transaction& tx) {
    store::EventRecord e{"c", "d3", "link_clicked", 50, "applied"};
    e.body = R"({"id":"c"})";
    tx.recordEvent(e);
  });
  auto tx = store_->begin();
  std::vector<std::string> log;
  for (const auto& e : tx->eventLog(0, 10)) log.push_back(e.id + "@" + e.moduleVersion + ":" + e.body);
  EXPECT_EQ(log, (std::vector<std::string>{R"(z@v1:{"id":"z"})", R"(a@v2:{"id":"a"})", R"(c@:{"id":"c"})"}));
  std::vector<store::EventRecord> first = tx->eventLog(0, 1);
  ASSERT_EQ(first.size(), 1u);
  std::vector<std::string> rest;
  for (const auto& e : tx->eventLog(first[0].seq, 10)) rest.push_back(e.id);
  EXPECT_EQ(rest, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(tx->event("a")->moduleVersion, "v2");
  EXPECT_EQ(tx->event("a")->body, R"({"id":"a"})");
}

// ───────────────────────────── why: fired rules, delivery attempts ───────

std::string showFired(const store::EventRecord& e) {
  std::string out;
  for (const auto& f : e.fired)
    out += std::to_string(f.rule) + ":" + f.name + "@" + f.file + ":" + std::to_string(f.line) + ";";
  return out;
}

TEST_P(StoreConformance, TheRulesThatFiredAreKeptWithTheirEventInOrder) {
  committed([&](store::Transaction& tx) {
    store::EventRecord e{"e1", "d1", "link_clicked", 100, "applied"};
    e.moduleVersion = "v1";
    e.body = "{}";
    e.fired = {{3, "s.new#2", "a.funnel", 12}, {0, "s.new#1", "a.funnel", 4}};
    tx.recordEvent(e);
    tx.recordEvent({"timer:7", "d1", "timer", 200, "fired"});  // no rule fired
    store::EventRecord other{"e2", "d2", "deal_created", 150, "applied"};
    other.fired = {{1, "s.x on create body", "b.funnel", 9}};
    tx.recordEvent(other);
  });
  committed([&](store::Transaction& tx) {
    store::EventRecord again{"e1", "d1", "link_clicked", 300, "applied"};
    again.fired = {{5, "changed", "c.funnel", 1}};
    tx.recordEvent(again);  // a duplicate keeps the rules of the first
  });
  {
    auto tx = store_->begin();
    store::EventRecord lost{"e3", "d1", "link_clicked", 400, "applied"};
    lost.fired = {{2, "lost", "a.funnel", 2}};
    tx->recordEvent(lost);  // rolled back: nothing of it stays
  }
  auto tx = store_->begin();
  EXPECT_EQ(showFired(*tx->event("e1")), "3:s.new#2@a.funnel:12;0:s.new#1@a.funnel:4;");
  EXPECT_EQ(showFired(*tx->event("timer:7")), "");
  EXPECT_FALSE(tx->event("e3").has_value());
  std::vector<std::string> ofDeal;
  for (const auto& e : tx->eventsOf("d1")) ofDeal.push_back(e.id + "=" + showFired(e));
  EXPECT_EQ(ofDeal, (std::vector<std::string>{"e1=3:s.new#2@a.funnel:12;0:s.new#1@a.funnel:4;", "timer:7="}));
  ASSERT_EQ(tx->eventsOf("d2").size(), 1u);
  EXPECT_EQ(showFired(tx->eventsOf("d2")[0]), "1:s.x on create body@b.funnel:9;");
  EXPECT_TRUE(tx->eventsOf("d3").empty());
  std::vector<store::EventRecord> log = tx->eventLog(0, 10);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_TRUE(log[0].fired.empty());  // the replay log carries bodies, not rules
}

// The engine hands the names of fired rules as views into its module.
TEST_P(StoreConformance, KeptEventsCopyTheRuleNamesTheyAreHandedAsViews) {
  std::string name = "s.new#1", file = "a.funnel";
  committed([&](store::Transaction& tx) {
    store::FiredRuleRef fired[] = {{1, name, file, 4}, {2, "s.new then 1", file, 6}};
    tx.keepEvent({"k1", "d1", "link_clicked", 100, "applied"}, fired);
  });
  {
    auto tx = store_->begin();
    store::FiredRuleRef fired[] = {{5, "gone", "g.funnel", 5}, {6, "gone too", "g.funnel", 7}};
    tx->keepEvent({"k2", "d1", "link_clicked", 200, "applied"}, fired);  // rolled back
  }
  // The same buffers now hold other texts: a store that kept the views, or
  // knew texts by their address alone, would show the old ones.
  name[6] = '9';
  file[0] = 'b';
  committed([&](store::Transaction& tx) {
    store::FiredRuleRef fired[] = {{7, name, file, 8}};
    tx.keepEvent({"k3", "d1", "link_clicked", 300, "applied"}, fired);
    tx.keepEvent({"k4", "d1", "timer", 400, "fired"}, {});
  });
  auto tx = store_->begin();
  EXPECT_EQ(showFired(*tx->event("k1")), "1:s.new#1@a.funnel:4;2:s.new then 1@a.funnel:6;");
  EXPECT_FALSE(tx->event("k2").has_value());
  EXPECT_EQ(showFired(*tx->event("k3")), "7:s.new#9@b.funnel:8;");
  EXPECT_EQ(showFired(*tx->event("k4")), "");
  std::vector<std::string> ofDeal;
  for (const auto& e : tx->eventsOf("d1")) ofDeal.push_back(e.id + "=" + showFired(e));
  EXPECT_EQ(ofDeal, (std::vector<std::string>{"k1=1:s.new#1@a.funnel:4;2:s.new then 1@a.funnel:6;",
                                              "k3=7:s.new#9@b.funnel:8;", "k4="}));
}

std::string showAttempts(const std::vector<store::AttemptRecord>& attempts) {
  std::string out;
  for (const auto& a : attempts) {
    out += std::to_string(a.effect) + "#" + std::to_string(a.attempt) + " " + a.deal + " at=" + std::to_string(a.at) +
           " " + a.outcome + " http=" + std::to_string(a.httpStatus) + " error=" + a.error +
           " ms=" + std::to_string(a.durationMs) + ";";
  }
  return out;
}

TEST_P(StoreConformance, EachRecordedDeliveryAttemptIsARowOfItsOwn) {
  committed([&](store::Transaction& tx) {
    tx.addEffect(sampleEffect("d1", "k1"));
    tx.addEffect(sampleEffect("d2", "k2"));
    tx.addEffect(sampleEffect("d1", "k3"));
  });
  std::vector<store::EffectRecord> d1 = committed([&](store::Transaction& tx) { return tx.effectsOf("d1"); });
  ASSERT_EQ(d1.size(), 2u);
  int64_t first = d1[0].id, third = d1[1].id;
  // The relay's claim is no attempt yet; its recorded outcome is.
  auto record = [&](store::EffectRecord e, int32_t attempt, int64_t at, const std::string& outcome, int32_t http,
                    const std::string& error, int64_t ms) {
    e.attempts = attempt;
    e.status = outcome == "failed" ? "pending" : outcome;
    e.lastError = error;
    e.attempt = store::AttemptRecord{0, "", attempt, at, outcome, http, error, ms};
    return e;
  };
  committed([&](store::Transaction& tx) {
    store::EffectRecord claim = d1[1];
    claim.attempts = 1;
    tx.putEffect(claim);
  });
  committed([&](store::Transaction& tx) { tx.putEffect(record(d1[1], 1, 500, "failed", 503, "HTTP 503", 40)); });
  committed([&](store::Transaction& tx) { tx.putEffect(record(d1[0], 1, 510, "delivered", 200, "", 12)); });
  {
    auto tx = store_->begin();
    tx->putEffect(record(d1[1], 2, 520, "dead", 0, "timed out", -1));  // rolled back: no row
  }
  committed([&](store::Transaction& tx) { tx.putEffect(record(d1[1], 2, 530, "dead", 0, "no answer", -1)); });
  auto tx = store_->begin();
  std::string f = std::to_string(first), t = std::to_string(third);
  EXPECT_EQ(showAttempts(tx->attemptsOf("d1")), f + "#1 d1 at=510 delivered http=200 error= ms=12;" + t +
                                                    "#1 d1 at=500 failed http=503 error=HTTP 503 ms=40;" + t +
                                                    "#2 d1 at=530 dead http=0 error=no answer ms=-1;");
  EXPECT_TRUE(tx->attemptsOf("d2").empty());
  EXPECT_TRUE(tx->attemptsOf("nobody").empty());
  std::vector<store::EffectRecord> after = tx->effectsOf("d1");
  EXPECT_EQ(after[1].status, "dead");
  EXPECT_EQ(after[1].attempts, 2);
  EXPECT_FALSE(after[1].attempt.has_value());  // the attempt is not a part of the effect
}

TEST_P(StoreConformance, ReplaceHistoryRewritesOneDealsHistoryOnly) {
  committed([&](store::Transaction& tx) {
    tx.addHistory({"a", -1, -1, 0, 0, 100, "e1", "created"});
    tx.addHistory({"a", 0, 0, 0, 3, 200, "e2", "trigger"});
    tx.addHistory({"b", -1, -1, 0, 3, 100, "e3", "created"});
  });
  committed([&](store::Transaction& tx) {
    tx.replaceHistory("a", {{"a", -1, -1, 0, 0, 100, "e1", "created"}, {"a", 0, 0, 0, 2, 200, "e2", "trigger"}});
  });
  {
    auto tx = store_->begin();
    tx->replaceHistory("a", {});  // rolled back
  }
  auto tx = store_->begin();
  EXPECT_EQ(showAll(tx->historyOf("a")),
            (std::vector<std::string>{show(store::HistoryRecord{"a", -1, -1, 0, 0, 100, "e1", "created"}),
                                      show(store::HistoryRecord{"a", 0, 0, 0, 2, 200, "e2", "trigger"})}));
  EXPECT_EQ(tx->historyOf("b").size(), 1u);
}

TEST_P(StoreConformance, PutTimerRewritesAPendingTimerAndItsDueOrder) {
  auto [early, late] = committed([&](store::Transaction& tx) {
    return std::pair{tx.addTimer(sampleTimer("d1", 1000)), tx.addTimer(sampleTimer("d2", 2000))};
  });
  committed([&](store::Transaction& tx) {
    store::TimerRecord t = tx.timersOf("d1").at(0);
    t.due = 3000;
    t.rule = 9;
    t.kind = store::TimerKind::Rule;
    t.deal = "someone else";  // a timer never changes deal
    tx.putTimer(t);
  });
  {
    auto tx = store_->begin();
    store::TimerRecord t = tx->timersOf("d2").at(0);
    t.due = 1;
    tx->putTimer(t);  // rolled back
  }
  auto tx = store_->begin();
  EXPECT_EQ(ids(tx->dueTimers(kForever, 10)), (std::vector<int64_t>{late, early}));
  store::TimerRecord t = tx->timersOf("d1").at(0);
  EXPECT_EQ(t.due, 3000);
  EXPECT_EQ(t.rule, 9);
  EXPECT_EQ(t.deal, "d1");
  EXPECT_EQ(tx->timersOf("d2").at(0).due, 2000);
  store::TimerRecord ghost = t;
  ghost.id = 999999;
  EXPECT_THROW(tx->putTimer(ghost), std::logic_error);
}

TEST_P(StoreConformance, ModulesAreKeptOnceByVersionOldestFirst) {
  committed([&](store::Transaction& tx) {
    tx.putModule({"v1", std::string("FNLC\0\x01", 6), "old.funnelc", 100});
    tx.putModule({"v2", "bytes 2", "new.funnelc", 200});
    tx.putModule({"v1", "other bytes", "again.funnelc", 300});  // immutable: changes nothing
  });
  {
    auto tx = store_->begin();
    tx->putModule({"v3", "rolled back", "x", 400});
  }
  auto tx = store_->begin();
  std::optional<store::ModuleRecord> v1 = tx->module("v1");
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->bytes, std::string("FNLC\0\x01", 6));
  EXPECT_EQ(v1->source, "old.funnelc");
  EXPECT_EQ(v1->addedAt, 100);
  EXPECT_FALSE(tx->module("v3").has_value());
  std::vector<std::string> listed;
  for (const auto& m : tx->moduleVersions()) listed.push_back(m.version + ":" + m.source + ":" + m.bytes);
  EXPECT_EQ(listed, (std::vector<std::string>{"v1:old.funnelc:", "v2:new.funnelc:"}));
}

TEST_P(StoreConformance, TheDeploymentJournalKeepsEveryEntryNewestFirst) {
  int64_t first = committed([&](store::Transaction& tx) {
    return tx.addDeployment({0, 100, 0, "cli", "", "v1", "{}", "running", ""});
  });
  committed([&](store::Transaction& tx) {
    store::DeploymentRecord d = *tx.deployment(first);
    d.status = "done";
    d.finishedAt = 110;
    d.result = R"({"deals":3})";
    tx.putDeployment(d);
    tx.addDeployment({0, 200, 0, "token:1a2b", "v1", "v2", R"({"stages":{}})", "running", ""});
  });
  auto tx = store_->begin();
  std::vector<store::DeploymentRecord> journal = tx->deployments(10);
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_EQ(journal[0].by, "token:1a2b");
  EXPECT_EQ(journal[0].fromVersion, "v1");
  EXPECT_EQ(journal[0].plan, R"({"stages":{}})");
  EXPECT_EQ(journal[1].id, first);
  EXPECT_EQ(journal[1].status, "done");
  EXPECT_EQ(journal[1].finishedAt, 110);
  EXPECT_EQ(journal[1].result, R"({"deals":3})");
  EXPECT_EQ(tx->deployments(1).size(), 1u);
  EXPECT_FALSE(tx->deployment(journal[0].id + 1).has_value());
  store::DeploymentRecord ghost = journal[0];
  ghost.id = 99;
  EXPECT_THROW(tx->putDeployment(ghost), std::logic_error);
}

TEST_P(StoreConformance, DealsNotOnAVersionComeInCreationOrderInChunks) {
  committed([&](store::Transaction& tx) {
    for (std::string id : {"a", "b", "c", "d", "e"}) {
      store::DealRecord d = sampleDeal(id);
      d.moduleVersion = (id == "b" || id == "d") ? "new" : "old";
      tx.putDeal(d);
    }
  });
  auto tx = store_->begin();
  std::vector<store::DealPosition> chunk = tx->dealsNotOn("new", 0, 2);
  ASSERT_EQ(chunk.size(), 2u);
  EXPECT_EQ(chunk[0].id, "a");
  EXPECT_EQ(chunk[1].id, "c");
  std::vector<store::DealPosition> rest = tx->dealsNotOn("new", chunk[1].position, 10);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].id, "e");
  EXPECT_TRUE(tx->dealsNotOn("new", rest[0].position, 10).empty());
  EXPECT_EQ(tx->dealsNotOn("old", 0, 10).size(), 2u);
}

TEST_P(StoreConformance, TimersPerRuleCountRuleAndThenTimersOnly) {
  committed([&](store::Transaction& tx) {
    store::TimerRecord t = sampleTimer("d1", 100);
    t.kind = store::TimerKind::Rule;
    t.rule = 2;
    tx.addTimer(t);
    tx.addTimer(t);
    t.kind = store::TimerKind::Then;
    tx.addTimer(t);
    t.kind = store::TimerKind::TaskOverdue;
    tx.addTimer(t);
  });
  auto tx = store_->begin();
  std::vector<std::string> counts;
  for (const auto& c : tx->timersPerRule())
    counts.push_back(std::to_string(static_cast<int>(c.kind)) + "/" + std::to_string(c.rule) + "=" +
                     std::to_string(c.timers));
  EXPECT_EQ(counts, (std::vector<std::string>{"0/2=2", "1/2=1"}));
}

// ───────────────────────────── counters, counts, meta ─────────────────────

TEST_P(StoreConformance, CountersReturnTheirValueThenAddOne) {
  committed([&](store::Transaction& tx) {
    EXPECT_EQ(tx.takeCounter("rr:sales"), 0);
    EXPECT_EQ(tx.takeCounter("rr:sales"), 1);
    EXPECT_EQ(tx.takeCounter("rr:support"), 0);
  });
  auto tx = store_->begin();
  EXPECT_EQ(tx->takeCounter("rr:sales"), 2);
  EXPECT_EQ(tx->takeCounter("rr:support"), 1);
}

TEST_P(StoreConformance, CountsCountEveryKind) {
  {
    auto tx = store_->begin();
    store::StoreCounts c = tx->counts();
    EXPECT_EQ(c.deals + c.timersPending + c.effectsPending + c.effectsDead + c.events, 0);
  }
  committed([&](store::Transaction& tx) { testing::writeEveryKind(tx); });
  auto tx = store_->begin();
  store::StoreCounts c = tx->counts();
  EXPECT_EQ(c.deals, 3);
  EXPECT_EQ(c.timersPending, 2);
  EXPECT_EQ(c.effectsPending, 2);
  EXPECT_EQ(c.effectsDead, 1);
  EXPECT_EQ(c.events, 2);
}

TEST_P(StoreConformance, MetaKeepsTheLastValuePerKey) {
  committed([&](store::Transaction& tx) {
    EXPECT_FALSE(tx.meta("module").has_value());
    tx.putMeta("module", "sha256:1");
    tx.putMeta("format", "");
  });
  committed([&](store::Transaction& tx) { tx.putMeta("module", "sha256:2"); });
  auto tx = store_->begin();
  EXPECT_EQ(tx->meta("module"), "sha256:2");
  EXPECT_EQ(tx->meta("format"), "");
  EXPECT_FALSE(tx->meta("other").has_value());
}

// ───────────────────────────── transactions ───────────────────────────────

TEST_P(StoreConformance, ATransactionSeesItsOwnChanges) {
  auto tx = store_->begin();
  tx->putDeal(sampleDeal("d1"));
  int64_t task = tx->addTask(sampleTask("d1", "x"));
  tx->addTimer(sampleTimer("d1", 10));
  tx->putMeta("k", "v");
  EXPECT_TRUE(tx->deal("d1").has_value());
  ASSERT_EQ(tx->tasksOf("d1").size(), 1u);
  EXPECT_EQ(tx->tasksOf("d1")[0].id, task);
  EXPECT_EQ(tx->dueTimers(kForever, 10).size(), 1u);
  EXPECT_EQ(tx->counts().deals, 1);
  EXPECT_EQ(tx->meta("k"), "v");
}

// saveDeal() hands the record over (the memory store keeps it decoded for
// the next read): what is read back is still what was stored — not a copy
// changed and never saved, not a save that was undone — over more deals
// than any such cache holds.
TEST_P(StoreConformance, SavedDealsReadBackAsStoredThroughChangesAndUndo) {
  const store::DealRecord first = sampleDeal("d1", 0, 1);
  committed([&](store::Transaction& tx) { tx.saveDeal(store::DealRecord(first)); });
  {
    auto tx = store_->begin();
    store::DealRecord read = *tx->deal("d1");
    read.stage = 3;
    read.tags.push_back("changed, not saved");
    EXPECT_EQ(show(*tx->deal("d1")), show(first));
    tx->commit();
  }
  {
    auto tx = store_->begin();
    store::DealRecord changed = *tx->deal("d1");
    changed.stage = 2;
    changed.version = 7;
    tx->saveDeal(std::move(changed));
    EXPECT_EQ(tx->deal("d1")->stage, 2);
    EXPECT_EQ(tx->deal("d1")->version, 7u);
  }  // not committed
  EXPECT_EQ(show(*committed([&](store::Transaction& tx) { return tx.deal("d1"); })), show(first));

  store::DealRecord second = first;
  second.stage = 4;
  second.name = "saved and committed";
  committed([&](store::Transaction& tx) { tx.saveDeal(store::DealRecord(second)); });
  committed([&](store::Transaction& tx) {
    EXPECT_EQ(show(*tx.deal("d1")), show(second));
    EXPECT_EQ(show(*tx.deal("d1")), show(second));
  });

  const int kMany = 3000;
  committed([&](store::Transaction& tx) {
    for (int i = 0; i < kMany; ++i) tx.saveDeal(sampleDeal("m" + std::to_string(i), 0, i % 3));
  });
  {
    auto tx = store_->begin();
    for (int i = 0; i < kMany; i += 2) {
      store::DealRecord d = *tx->deal("m" + std::to_string(i));
      d.stage = 5;
      tx->saveDeal(std::move(d));
    }
  }  // not committed
  committed([&](store::Transaction& tx) {
    for (int i = 0; i < kMany; ++i) {
      std::optional<store::DealRecord> d = tx.deal("m" + std::to_string(i));
      ASSERT_TRUE(d.has_value()) << i;
      EXPECT_EQ(d->stage, i % 3) << i;
    }
  });
}

// dealToChange() lends a record (the memory store its decoded one) to be
// given back with saveChangedDeal(), or dropped: what is read back is what
// was saved and committed, over more deals than any cache holds, whether
// the deal was read before or not.
TEST_P(StoreConformance, ADealLentToChangeIsStoredOnlyWhenSavedAndCommitted) {
  const store::DealRecord first = sampleDeal("d1", 0, 1);
  committed([&](store::Transaction& tx) { tx.saveDeal(store::DealRecord(first)); });
  committed([&](store::Transaction& tx) {
    EXPECT_EQ(tx.dealToChange("nobody"), nullptr);
    store::Transaction::DealPtr lent = tx.dealToChange("d1");
    ASSERT_NE(lent, nullptr);
    EXPECT_EQ(show(*lent), show(first));
    lent->stage = 3;
    lent->tags.push_back("changed, dropped");
  });  // dropped unsaved
  EXPECT_EQ(show(*committed([&](store::Transaction& tx) { return tx.deal("d1"); })), show(first));
  {
    auto tx = store_->begin();
    store::Transaction::DealPtr lent = tx->dealToChange("d1");
    lent->stage = 2;
    tx->saveChangedDeal(std::move(lent));
    EXPECT_EQ(tx->deal("d1")->stage, 2);
  }  // not committed
  EXPECT_EQ(show(*committed([&](store::Transaction& tx) { return tx.deal("d1"); })), show(first));
  store::DealRecord second = first;
  second.stage = 4;
  second.name = "lent, saved and committed";
  committed([&](store::Transaction& tx) {
    store::Transaction::DealPtr lent = tx.dealToChange("d1");
    lent->stage = second.stage;
    lent->name = second.name;
    tx.saveChangedDeal(std::move(lent));
  });
  committed([&](store::Transaction& tx) {
    EXPECT_EQ(show(*tx.dealToChange("d1")), show(second));
    EXPECT_EQ(show(*tx.deal("d1")), show(second));
  });

  const int kMany = 3000;
  committed([&](store::Transaction& tx) {
    for (int i = 0; i < kMany; ++i) tx.saveDeal(sampleDeal("m" + std::to_string(i), 0, i % 3));
  });
  for (bool commit : {false, true}) {
    auto tx = store_->begin();
    for (int i = 0; i < kMany; i += 2) {
      store::Transaction::DealPtr d = tx->dealToChange("m" + std::to_string(i));
      ASSERT_NE(d, nullptr) << i;
      EXPECT_EQ(d->stage, i % 3) << i;
      d->stage = 5;
      if (i % 4 == 0) tx->saveChangedDeal(std::move(d));  // the others are dropped
    }
    if (commit) tx->commit();
  }
  committed([&](store::Transaction& tx) {
    for (int i = 0; i < kMany; ++i) {
      store::Transaction::DealPtr d = tx.dealToChange("m" + std::to_string(i));
      ASSERT_NE(d, nullptr) << i;
      EXPECT_EQ(d->stage, i % 4 == 0 ? 5 : i % 3) << i;
    }
  });
}

TEST_P(StoreConformance, ATransactionWithoutCommitUndoesEveryKindOfChange) {
  committed([&](store::Transaction& tx) { testing::writeEveryKind(tx); });
  const testing::Probe probe = everyKindProbe();
  const std::string before = snapshot(*store_, probe);

  int64_t taskId = 0, timerId = 0, effectId = 0;
  {
    auto tx = store_->begin();
    tx->putDeal(sampleDeal("d4", 2, 2));
    store::DealRecord d1 = *tx->deal("d1");
    d1.stage = 4;
    d1.fields.clear();
    d1.tags.push_back("new");
    d1.version = 100;
    tx->putDeal(d1);
    taskId = tx->addTask(sampleTask("d4", "new"));
    store::TaskRecord done = tx->tasksOf("d1").at(0);
    done.done = true;
    done.text = "changed";
    done.comment = "undone";
    tx->putTask(done);
    timerId = tx->addTimer(sampleTimer("d1", 1));
    tx->removeTimer(tx->timersOf("d2").at(0).id);
    tx->addEffect(sampleEffect("d4", "new"));
    effectId = tx->effectsOf("d4").at(0).id;
    store::EffectRecord delivered = tx->effectsOf("d1").at(0);
    delivered.status = "delivered";
    tx->putEffect(delivered);
    tx->recordEvent({"e3", "d4", "deal_created", 1, "applied"});
    tx->recordEvent({"e1", "d1", "other", 2, "overwritten?"});
    tx->addHistory({"d1", 0, 1, 0, 4, 5, "manual", "manual"});
    tx->addNote({"d1", 6, "undone"});
    tx->addNote({"d4", 6, "undone"});
    EXPECT_EQ(tx->takeCounter("rr:sales"), 2);
    EXPECT_EQ(tx->takeCounter("rr:new"), 0);
    tx->putMeta("module", "sha256:other");
    tx->putMeta("new", "value");
    EXPECT_EQ(tx->counts().deals, 4);  // the changes were made
    EXPECT_EQ(tx->meta("new"), "value");
  }
  EXPECT_EQ(snapshot(*store_, probe), before);

  // The ids the undone inserts took are given again (or, where a store cannot
  // take them back, later ones), never ones below.
  auto tx = store_->begin();
  int64_t task = tx->addTask(sampleTask("d4", "again"));
  int64_t timer = tx->addTimer(sampleTimer("d4", 1));
  tx->addEffect(sampleEffect("d4", "again"));
  int64_t effect = tx->effectsOf("d4").at(0).id;
  if (GetParam().reusesRolledBackIds) {
    EXPECT_EQ(task, taskId);
    EXPECT_EQ(timer, timerId);
    EXPECT_EQ(effect, effectId);
  } else {
    EXPECT_GE(task, taskId);
    EXPECT_GE(timer, timerId);
    EXPECT_GE(effect, effectId);
  }
}

TEST_P(StoreConformance, CommittedChangesAreSeenByTheNextTransaction) {
  {
    auto tx = store_->begin();
    testing::writeEveryKind(*tx);
    tx->commit();
  }
  const testing::Probe probe = everyKindProbe();
  std::string first = snapshot(*store_, probe);
  EXPECT_NE(first.find("deal d3"), std::string::npos);
  EXPECT_NE(first.find("counter rr:sales=2"), std::string::npos);
  EXPECT_NE(first.find("meta module=sha256:abc"), std::string::npos);
  EXPECT_EQ(snapshot(*store_, probe), first);  // reading changes nothing
}

// ───────────────────────────── batches ────────────────────────────────────

TEST_P(StoreConformance, ARolledBackTransactionInABatchLeavesTheOthers) {
  store_->beginBatch();
  {
    auto tx = store_->begin();
    tx->putDeal(sampleDeal("a"));
    tx->addNote({"a", 1, "first"});
    tx->recordEvent({"e1", "a", "deal_created", 1, "applied"});
    tx->commit();
  }
  {
    auto tx = store_->begin();
    tx->putDeal(sampleDeal("b"));
    tx->addNote({"a", 2, "failed"});
    tx->addTimer(sampleTimer("a", 5));
    tx->takeCounter("c");
    tx->recordEvent({"e2", "a", "link_clicked", 2, "applied"});
  }
  {
    auto tx = store_->begin();
    EXPECT_TRUE(tx->deal("a").has_value());  // provisional commits are visible within the batch
    EXPECT_FALSE(tx->deal("b").has_value());
    tx->addNote({"a", 3, "third"});
    tx->takeCounter("c");
    tx->commit();
  }
  store_->endBatch();

  auto tx = store_->begin();
  EXPECT_EQ(tx->dealIds(), std::vector<std::string>{"a"});
  std::vector<std::string> notes;
  for (const auto& n : tx->notesOf("a")) notes.push_back(n.text);
  EXPECT_EQ(notes, (std::vector<std::string>{"first", "third"}));
  EXPECT_TRUE(tx->timersOf("a").empty());
  EXPECT_EQ(tx->takeCounter("c"), 1);
  EXPECT_TRUE(tx->eventSeen("e1"));
  EXPECT_FALSE(tx->eventSeen("e2"));
}

TEST_P(StoreConformance, BatchesFollowOneAnotherAndMayBeEmpty) {
  store_->beginBatch();
  store_->endBatch();
  for (int batch = 0; batch < 3; ++batch) {
    store_->beginBatch();
    for (int i = 0; i < 4; ++i) {
      auto tx = store_->begin();
      tx->addNote({"a", batch * 10 + i, "n"});
      if (i != 2) tx->commit();
    }
    store_->endBatch();
  }
  auto tx = store_->begin();
  EXPECT_EQ(tx->notesOf("a").size(), 9u);
}

TEST_P(StoreConformance, IdsInABatchKeepIncreasing) {
  store_->beginBatch();
  int64_t kept = 0, undone = 0, after = 0;
  {
    auto tx = store_->begin();
    kept = tx->addTimer(sampleTimer("a", 1));
    tx->commit();
  }
  {
    auto tx = store_->begin();
    undone = tx->addTimer(sampleTimer("a", 2));
  }
  {
    auto tx = store_->begin();
    after = tx->addTimer(sampleTimer("a", 3));
    tx->commit();
  }
  store_->endBatch();
  EXPECT_GT(undone, kept);
  if (GetParam().reusesRolledBackIds) {
    EXPECT_EQ(after, undone);
  }
  EXPECT_GT(after, kept);
  auto tx = store_->begin();
  EXPECT_EQ(ids(tx->timersOf("a")), (std::vector<int64_t>{kept, after}));
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreConformance, ::testing::ValuesIn(testing::storeFactories()),
                         [](const ::testing::TestParamInfo<StoreFactory>& info) { return info.param.name; });

}  // namespace
}  // namespace voronka
