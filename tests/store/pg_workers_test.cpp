// The PostgreSQL store's shared-worker parts (pg_work_queue.h, and
// PostgresStore with sharedWorkers): the lock modes, the inbox, claims that
// skip deals another transaction holds, the deal_work row a timer keeps up to
// date, timers scoped to one deal, outbox results fenced by the attempt, and
// a claimed batch held in memory with its writes sent together (cacheBatch).
#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/store/pg_db.h"
#include "runtime/store/pg_store.h"
#include "runtime/store/pg_work_queue.h"
#include "tests/store/pg_test_server.h"
#include "tests/store/store_test_support.h"

namespace voronka {
namespace {

using testing::TestPostgres;
using Added = store::pg::Inbox::Added;

constexpr store::PostgresOptions kShared{.sharedWorkers = true};

class PostgresWorkers : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string& why = server().unavailable(); !why.empty()) GTEST_SKIP() << why;
    where_ = server().freshSchema();
  }
  static TestPostgres& server() { return TestPostgres::instance(); }
  std::string where_;
};

std::string openError(const std::string& conninfo, store::PostgresOptions options = {}) {
  try {
    store::PostgresStore s(conninfo, options);
  } catch (const store::StoreError& e) {
    return e.what();
  }
  return "(opened)";
}

TEST_F(PostgresWorkers, SharedWorkersOpenTogetherAndNeverBesideASingleServer) {
  {
    store::PostgresStore a(where_, kShared);
    store::PostgresStore b(where_, kShared);
    std::string error = openError(where_);
    EXPECT_NE(error.find("is served by another voronka already"), std::string::npos) << error;
    EXPECT_NE(error.find("--workers shared"), std::string::npos) << error;
  }
  store::PostgresStore single(where_);
  std::string error = openError(where_, kShared);
  EXPECT_NE(error.find("is served by a single voronka serve"), std::string::npos) << error;
}

TEST_F(PostgresWorkers, TheInboxKeepsOrderAndRefusesADuplicateOrAReusedKey) {
  store::PostgresStore worker(where_, kShared);
  store::pg::Inbox inbox(where_);
  EXPECT_EQ(inbox.add({{"e1", "d1", "{}", "", ""}, {"e2", "d1", "{}", "", ""}, {"e1", "d1", "{}", "", ""}}, 100, true),
            (std::vector<Added>{Added::Queued, Added::Queued, Added::Duplicate}));
  EXPECT_EQ(inbox.add({{"e3", "d2", "{}", "key:a", "hash1"}}, 100, false), std::vector<Added>{Added::Queued});
  EXPECT_EQ(inbox.add({{"e4", "d2", "{}", "key:a", "hash2"}}, 100, false), std::vector<Added>{Added::KeyConflict});
  EXPECT_EQ(inbox.add({{"e3", "d2", "{}", "key:a", "hash1"}}, 100, false), std::vector<Added>{Added::Duplicate});

  store::pg::WorkQueue queue(worker.connection());
  worker.beginBatch();
  std::vector<std::string> deals = queue.claim(100, 10);
  std::sort(deals.begin(), deals.end());  // both due at 100
  EXPECT_EQ(deals, (std::vector<std::string>{"d1", "d2"}));
  auto waiting = queue.waiting("d1", 10);
  ASSERT_EQ(waiting.size(), 2u);
  EXPECT_EQ(waiting[0].eventId, "e1");
  EXPECT_EQ(waiting[1].eventId, "e2");
  EXPECT_FALSE(inbox.outcome("e1"));
  queue.markApplied(waiting[0].seq, 101, "applied", "");
  queue.reschedule("d1", 101);  // e2 still waits: due again at once
  worker.endBatch();
  ASSERT_TRUE(inbox.outcome("e1"));
  EXPECT_EQ(inbox.outcome("e1")->status, "applied");
  worker.beginBatch();
  EXPECT_EQ(queue.claim(101, 10), (std::vector<std::string>{"d2", "d1"}));
  worker.endBatch();
}

TEST_F(PostgresWorkers, AClaimSkipsTheDealsAnotherWorkerHolds) {
  store::PostgresStore a(where_, kShared);
  store::PostgresStore b(where_, kShared);
  store::pg::Inbox inbox(where_);
  inbox.add({{"e1", "d1", "{}", "", ""}, {"e2", "d2", "{}", "", ""}}, 100, false);
  store::pg::WorkQueue qa(a.connection()), qb(b.connection());
  a.beginBatch();
  EXPECT_EQ(qa.claim(100, 1), std::vector<std::string>{"d1"});
  b.beginBatch();
  EXPECT_EQ(qb.claim(100, 10), std::vector<std::string>{"d2"});  // d1 is a's until it commits
  b.endBatch();
  a.endBatch();  // nothing applied: d1 stays due
  b.beginBatch();
  std::vector<std::string> both = qb.claim(100, 10);
  std::sort(both.begin(), both.end());
  EXPECT_EQ(both, (std::vector<std::string>{"d1", "d2"}));
  b.endBatch();
}

// A deal_work row means work, now or later: a deal left with nothing to do
// loses its row (a delete, cheaper than a new row version with a NULL), in
// the same statement that moves another deal's; an event brings it back.
TEST_F(PostgresWorkers, ADealLeftWithNothingToDoLosesItsWorkRowUntilAnEventComes) {
  store::PostgresStore worker(where_, kShared);
  store::pg::Inbox inbox(where_);
  inbox.add({{"e1", "d1", "{}", "", ""}, {"e2", "d2", "{}", "", ""}}, 100, false);
  store::pg::WorkQueue queue(worker.connection());
  auto rows = [&] {
    return worker.connection().queryText(
        "SELECT string_agg(deal || '=' || coalesce(next_run_at::text, 'null'), ',' ORDER BY deal) FROM deal_work",
        "reading deal_work");
  };
  worker.beginBatch();
  std::vector<std::string> deals = queue.claim(100, 10);
  std::sort(deals.begin(), deals.end());
  EXPECT_EQ(deals, (std::vector<std::string>{"d1", "d2"}));
  for (const std::string& deal : deals) {
    for (const auto& w : queue.waiting(deal, 10)) queue.markApplied(w.seq, 101, "applied", "");
  }
  queue.rescheduleAt("d1", std::nullopt);
  queue.rescheduleAt("d2", 500);
  worker.endBatch();
  EXPECT_EQ(rows(), "d2=500");
  inbox.add({{"e3", "d1", "{}", "", ""}}, 200, false);
  EXPECT_EQ(rows(), "d1=200,d2=500");
  worker.beginBatch();
  EXPECT_EQ(queue.claim(200, 10), std::vector<std::string>{"d1"});
  worker.endBatch();
}

TEST_F(PostgresWorkers, ATimerMakesItsDealDueAndAWorkerSeesOnlyItsDealsTimers) {
  store::PostgresStore worker(where_, kShared);
  {
    auto tx = worker.begin();
    tx->addTimer(testing::sampleTimer("d1", 500));
    tx->addTimer(testing::sampleTimer("d2", 400));
    tx->commit();
  }
  store::pg::WorkQueue queue(worker.connection());
  worker.beginBatch();
  EXPECT_TRUE(queue.claim(399, 10).empty());
  EXPECT_EQ(queue.claim(450, 10), std::vector<std::string>{"d2"});
  worker.scopeTimersToDeal("d1");
  {
    auto tx = worker.begin();
    auto due = tx->dueTimers(1000, 10);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].deal, "d1");
    tx->commit();
  }
  worker.scopeTimersToDeal(std::nullopt);
  worker.endBatch();
}

// A batch's timers are one multi-row INSERT: the trigger (once per
// statement) makes each deal due at its earliest one; a moved timer makes
// its deal due earlier, never later; a batch sent in one round trip with its
// BEGIN held back keeps all of it.
TEST_F(PostgresWorkers, TimersAddedTogetherMakeTheirDealDueAtTheEarliestAndAMovedOneOnlyEarlier) {
  store::PostgresStore worker(where_, kShared);
  store::pg::WorkQueue queue(worker.connection());
  worker.beginBatchWithFirstRead();
  worker.cacheBatch({"d1", "d2"}, {});
  {
    auto tx = worker.begin();
    tx->addTimer(testing::sampleTimer("d1", 500));
    tx->addTimer(testing::sampleTimer("d1", 300));
    tx->addTimer(testing::sampleTimer("d2", 700));
    tx->commit();
  }
  worker.endBatch();
  worker.beginBatchWithFirstRead();
  EXPECT_TRUE(queue.claim(299, 10).empty());
  EXPECT_EQ(queue.claim(300, 10), std::vector<std::string>{"d1"});
  worker.endBatch();
  {
    auto tx = worker.begin();
    store::TimerRecord d1Late = tx->timersOf("d1")[0];
    d1Late.due = 900;  // d1 stays due at 300
    tx->putTimer(d1Late);
    store::TimerRecord d2 = tx->timersOf("d2")[0];
    d2.due = 200;
    tx->putTimer(d2);
    tx->commit();
  }
  worker.beginBatchWithFirstRead();
  EXPECT_EQ(queue.claim(250, 10), std::vector<std::string>{"d2"});
  EXPECT_EQ(queue.claim(300, 10), (std::vector<std::string>{"d2", "d1"}));
  worker.endBatch();
}

std::vector<store::EffectRecord> claimDue(store::PostgresStore& s, int64_t now, size_t limit = 10) {
  auto tx = s.begin();
  std::vector<store::EffectRecord> due = tx->dueEffects(now, limit);
  for (auto& e : due) {
    ++e.attempts;
    e.nextAttemptAt = now + 10;  // the lease
    tx->putEffect(e);
  }
  tx->commit();
  return due;
}

TEST_F(PostgresWorkers, ALiveWorkerExtendsItsLeasesUntilItRecordsTheResult) {
  store::PostgresStore a(where_, kShared);
  store::PostgresStore b(where_, kShared);
  {
    auto tx = a.begin();
    tx->addEffect(testing::sampleEffect("d1", "k1"));
    tx->commit();
  }
  std::vector<store::EffectRecord> mine = claimDue(a, 100);
  ASSERT_EQ(mine.size(), 1u);
  a.extendLeases(200);
  EXPECT_TRUE(claimDue(b, 150).empty());  // still a's
  store::EffectRecord done = mine[0];
  done.status = "delivered";
  done.deliveredAt = 160;
  done.nextAttemptAt = 0;
  {
    auto tx = a.begin();
    tx->putEffect(done);
    tx->commit();
  }
  a.extendLeases(500);  // nothing leased any more: changes nothing
  auto tx = b.begin();
  std::vector<store::EffectRecord> delivered = tx->effectsWithStatus("delivered", 10);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].nextAttemptAt, 0);
  EXPECT_EQ(delivered[0].attempts, 1);
}

TEST_F(PostgresWorkers, ALateResultOfAnAttemptTakenOverIsIgnoredAndCounted) {
  store::PostgresStore a(where_, kShared);
  store::PostgresStore b(where_, kShared);
  {
    auto tx = a.begin();
    tx->addEffect(testing::sampleEffect("d1", "k1"));
    tx->commit();
  }
  auto claim = [](store::PostgresStore& s, int64_t now) { return claimDue(s, now); };
  std::vector<store::EffectRecord> mine = claim(a, 100);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_TRUE(claim(b, 105).empty());                       // leased to a
  std::vector<store::EffectRecord> theirs = claim(b, 111);  // a's lease ran out
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs[0].attempts, 2);
  EXPECT_EQ(b.outboxCounters().takeovers.load(), 1u);

  store::EffectRecord late = mine[0];
  late.status = "delivered";
  late.deliveredAt = 112;
  {
    auto tx = a.begin();
    tx->putEffect(late);  // attempt 1: fenced out
    tx->commit();
  }
  EXPECT_EQ(a.outboxCounters().staleResults.load(), 1u);
  store::EffectRecord result = theirs[0];
  result.status = "pending";
  result.lastError = "HTTP 500";
  result.nextAttemptAt = 200;
  {
    auto tx = b.begin();
    tx->putEffect(result);  // attempt 2: its owner's
    tx->commit();
  }
  auto tx = a.begin();
  std::vector<store::EffectRecord> pending = tx->effectsWithStatus("pending", 10);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].attempts, 2);
  EXPECT_EQ(pending[0].lastError, "HTTP 500");
  EXPECT_EQ(b.outboxCounters().staleResults.load(), 0u);
}

std::vector<std::string> keysOf(const std::vector<store::EffectRecord>& effects) {
  std::vector<std::string> out;
  for (const auto& e : effects) out.push_back(e.key);
  return out;
}

store::EffectRecord settledAs(store::EffectRecord e, const std::string& status, int64_t next = 0) {
  e.status = status;
  e.nextAttemptAt = next;
  return e;
}

void record(store::PostgresStore& s, const store::EffectRecord& e) {
  auto tx = s.begin();
  tx->putEffect(e);
  tx->commit();
}

// Across workers, a deal's effects go out one at a time and in outbox
// order: a claim takes only a deal's first pending effect, and nothing of a
// deal while its earlier effect is leased, waits to retry or is due; a dead
// letter holds nothing back; other deals are not held up.
TEST_F(PostgresWorkers, ADealsEffectsAreClaimedOneAtATimeInOrderAcrossWorkers) {
  store::PostgresStore a(where_, kShared);
  store::PostgresStore b(where_, kShared);
  {
    auto tx = a.begin();
    for (const char* k : {"k1", "k2", "k3"}) tx->addEffect(testing::sampleEffect("d1", k));
    tx->addEffect(testing::sampleEffect("d2", "m1"));
    tx->addEffect(testing::sampleEffect("d3", "n1 at 1000", 1000));  // untried, not yet due: holds nothing
    tx->addEffect(testing::sampleEffect("d3", "n2"));
    tx->commit();
  }
  std::vector<store::EffectRecord> first = claimDue(a, 100);
  EXPECT_EQ(keysOf(first), (std::vector<std::string>{"k1", "m1", "n2"}));
  EXPECT_TRUE(claimDue(b, 101).empty());           // k1 is leased to a: k2 waits
  record(a, settledAs(first[0], "pending", 150));  // k1 failed, retried at 150
  record(a, settledAs(first[1], "delivered"));
  record(a, settledAs(first[2], "delivered"));
  EXPECT_TRUE(claimDue(b, 120).empty());  // k1 waits to retry: k2 still waits
  std::vector<store::EffectRecord> retry = claimDue(b, 150);
  EXPECT_EQ(keysOf(retry), (std::vector<std::string>{"k1"}));
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].attempts, 2);
  record(b, settledAs(retry[0], "dead"));  // a dead letter: the deal goes on
  std::vector<store::EffectRecord> next = claimDue(a, 151);
  EXPECT_EQ(keysOf(next), (std::vector<std::string>{"k2"}));
}

// The claim is race-free: while one worker's claim of a deal is open (not
// committed yet), another worker's claim passes over the whole deal, not
// just the row the first one locked, and takes the next deal instead;
// after the commit it sees the lease.
TEST_F(PostgresWorkers, AClaimInProgressHoldsItsWholeDealFromOtherWorkers) {
  store::PostgresStore a(where_, kShared);
  store::PostgresStore b(where_, kShared);
  {
    auto tx = a.begin();
    tx->addEffect(testing::sampleEffect("d1", "k1"));
    tx->addEffect(testing::sampleEffect("d1", "k2"));
    tx->addEffect(testing::sampleEffect("d2", "m1"));
    tx->commit();
  }
  {
    auto tx = a.begin();
    std::vector<store::EffectRecord> mine = tx->dueEffects(100, 1);  // the oldest: k1
    ASSERT_EQ(keysOf(mine), (std::vector<std::string>{"k1"}));
    // d1 is a's now: b passes over it to the next deal, even claiming one deal only.
    EXPECT_EQ(keysOf(claimDue(b, 100, 1)), (std::vector<std::string>{"m1"}));
    ++mine[0].attempts;
    mine[0].nextAttemptAt = 110;
    tx->putEffect(mine[0]);
    tx->commit();
  }
  EXPECT_TRUE(claimDue(b, 101).empty());  // k1 leased: k2 waits
}

// The relay's claim (dueEffectsOfChosen) reads the due heads without locks
// and locks only the deals it chose (those it can start): a hanging
// receiver's backlog ahead is left to other workers' claims, and a chosen
// deal another claim holds is not handed out.
TEST_F(PostgresWorkers, AClaimLocksOnlyTheDealsItChose) {
  store::PostgresStore a(where_, kShared);
  store::PostgresStore b(where_, kShared);
  {
    auto tx = a.begin();
    tx->addEffect(testing::sampleEffect("s1", "to the hanging one"));
    tx->addEffect(testing::sampleEffect("s2", "to the hanging one too"));
    tx->addEffect(testing::sampleEffect("f1", "k1"));
    tx->addEffect(testing::sampleEffect("f1", "k2"));
    tx->commit();
  }
  auto tx = a.begin();
  std::vector<std::string> seen;
  std::vector<store::EffectRecord> mine = tx->dueEffectsOfChosen(100, 10, [&seen](const auto& due) {
    seen = keysOf(due);
    return std::vector<std::string>{"f1"};
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"to the hanging one", "to the hanging one too", "k1"}));
  EXPECT_EQ(keysOf(mine), (std::vector<std::string>{"k1"}));
  // a's claim is open: the deals it did not choose are b's to take, f1 is not.
  {
    auto other = b.begin();
    std::vector<store::EffectRecord> held =
        other->dueEffectsOfChosen(100, 10, [](const auto&) { return std::vector<std::string>{"f1"}; });
    EXPECT_TRUE(held.empty());
  }
  EXPECT_EQ(keysOf(claimDue(b, 100)), (std::vector<std::string>{"to the hanging one", "to the hanging one too"}));
  ++mine[0].attempts;
  mine[0].nextAttemptAt = 110;
  tx->putEffect(mine[0]);
  tx->commit();
  EXPECT_TRUE(claimDue(b, 101).empty());  // k1 leased to a: k2 waits
}

// A killed worker's claim runs out; the cut effect is claimed again (a
// takeover, with a higher attempt number) before the deal's next effect.
TEST_F(PostgresWorkers, ACutDeliveryIsClaimedAgainBeforeTheDealsNextEffect) {
  store::PostgresStore a(where_, kShared);
  store::PostgresStore b(where_, kShared);
  {
    auto tx = a.begin();
    tx->addEffect(testing::sampleEffect("d1", "k1"));
    tx->addEffect(testing::sampleEffect("d1", "k2"));
    tx->commit();
  }
  ASSERT_EQ(keysOf(claimDue(a, 100)), (std::vector<std::string>{"k1"}));  // then a is killed
  EXPECT_TRUE(claimDue(b, 109).empty());
  std::vector<store::EffectRecord> again = claimDue(b, 111);
  ASSERT_EQ(keysOf(again), (std::vector<std::string>{"k1"}));
  EXPECT_EQ(again[0].attempts, 2);
  EXPECT_EQ(b.outboxCounters().takeovers.load(), 1u);
  EXPECT_TRUE(claimDue(b, 112).empty());
  record(b, settledAs(again[0], "delivered"));
  EXPECT_EQ(keysOf(claimDue(b, 113)), (std::vector<std::string>{"k2"}));
}

// A dead letter retried (the console) while the deal's later effect is being
// delivered waits for that delivery: one delivery of a deal at a time.
TEST_F(PostgresWorkers, ARetriedDeadLetterWaitsWhileTheDealsLaterEffectIsLeased) {
  store::PostgresStore a(where_, kShared);
  {
    auto tx = a.begin();
    tx->addEffect(testing::sampleEffect("d1", "k1", 0, "dead"));
    tx->addEffect(testing::sampleEffect("d1", "k2"));
    tx->commit();
  }
  ASSERT_EQ(keysOf(claimDue(a, 100)), (std::vector<std::string>{"k2"}));
  store::EffectRecord retried = [&] {
    auto tx = a.begin();
    return tx->effectsOf("d1").at(0);
  }();
  retried.status = "pending";
  retried.nextAttemptAt = 101;
  record(a, retried);
  store::PostgresStore b(where_, kShared);
  EXPECT_TRUE(claimDue(b, 102).empty());
  EXPECT_EQ(keysOf(claimDue(b, 111)), (std::vector<std::string>{"k1"}));  // k2's lease ran out: k1 first
}

// The same writes through a cached batch and through a plain one leave the
// same store, and reads inside the cached batch see what it wrote.
TEST_F(PostgresWorkers, ACachedBatchKeepsWhatAPlainOneKeeps) {
  std::string plainWhere = server().freshSchema();
  testing::Probe probe = testing::everyKindProbe();
  std::string expected;
  {
    store::PostgresStore plain(plainWhere, kShared);
    plain.beginBatch();
    auto tx = plain.begin();
    testing::writeEveryKind(*tx);
    tx->commit();
    tx.reset();
    plain.endBatch();
    expected = testing::snapshot(plain, probe);
  }
  store::PostgresStore cached(where_, kShared);
  cached.beginBatch();
  cached.cacheBatch({"d1", "d2", "d3", "d4"}, {"e1", "e3"});
  auto tx = cached.begin();
  testing::writeEveryKind(*tx);
  tx->commit();
  tx.reset();
  EXPECT_EQ(testing::snapshot(cached, probe), expected);  // from memory where it can
  cached.endBatch();
  EXPECT_EQ(testing::snapshot(cached, probe), expected);
  store::PostgresStore other(where_, kShared);
  EXPECT_EQ(testing::snapshot(other, probe), expected);
}

// A transaction of a cached batch that is not committed leaves nothing,
// neither in the store nor in the batch's memory — whether its writes were
// still held back or had reached the server (a read that missed the memory).
TEST_F(PostgresWorkers, ATransactionRolledBackInACachedBatchLeavesNothing) {
  store::PostgresStore worker(where_, kShared);
  int64_t firstTimer = 0;
  {
    auto tx = worker.begin();
    tx->putDeal(testing::sampleDeal("d1"));
    firstTimer = tx->addTimer(testing::sampleTimer("d1", 500));
    tx->commit();
  }
  std::string before = testing::snapshot(worker, {{"d1"}, {"e9"}, {}, {}});
  for (bool reachServer : {false, true}) {
    worker.beginBatch();
    worker.cacheBatch({"d1"}, {"e9"});
    {
      auto tx = worker.begin();
      store::DealRecord d = *tx->deal("d1");
      d.name = "changed";
      tx->putDeal(d);
      EXPECT_GT(tx->addTimer(testing::sampleTimer("d1", 600)), firstTimer);
      tx->removeTimer(firstTimer);
      tx->recordEvent({"e9", "d1", "step", 100, "applied"});
      if (reachServer) tx->tasksOf("d1");  // not held in memory: sends what waits
      EXPECT_EQ(tx->deal("d1")->name, "changed");
      EXPECT_EQ(tx->timersOf("d1").size(), 1u);
      EXPECT_TRUE(tx->eventSeen("e9"));
    }  // not committed
    {
      auto tx = worker.begin();
      EXPECT_EQ(tx->deal("d1")->name, testing::sampleDeal("d1").name) << reachServer;
      ASSERT_EQ(tx->timersOf("d1").size(), 1u) << reachServer;
      EXPECT_EQ(tx->timersOf("d1")[0].id, firstTimer) << reachServer;
      EXPECT_FALSE(tx->eventSeen("e9")) << reachServer;
      tx->commit();
    }
    EXPECT_EQ(worker.earliestTimerOf("d1"), std::optional<int64_t>(500));
    worker.endBatch();
    EXPECT_EQ(testing::snapshot(worker, {{"d1"}, {"e9"}, {}, {}}), before) << reachServer;
  }
}

// A held-back write the server refuses fails the batch at its commit, and
// nothing of the batch is kept.
TEST_F(PostgresWorkers, AHeldBackWriteThatFailsFailsTheWholeBatch) {
  store::PostgresStore worker(where_, kShared);
  worker.beginBatch();
  worker.cacheBatch({"d1"}, {});
  {
    auto tx = worker.begin();
    tx->putDeal(testing::sampleDeal("d1"));
    tx->commit();
  }
  {
    auto tx = worker.begin();
    tx->addNote({"d1", 100, std::string("a NUL ") + '\0' + " in text"});  // PostgreSQL's text holds no NUL
    tx->commit();                                                         // held back: no answer yet
  }
  try {
    worker.endBatch();
    ADD_FAILURE() << "the batch committed";
  } catch (const store::StoreError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("adding notes"), std::string::npos) << message;
    EXPECT_NE(message.find("nothing of the batch was kept"), std::string::npos) << message;
  }
  store::PostgresStore other(where_, kShared);
  auto tx = other.begin();
  EXPECT_FALSE(tx->deal("d1"));
  EXPECT_TRUE(tx->notesOf("d1").empty());
  tx.reset();
  worker.beginBatch();  // the worker goes on
  worker.cacheBatch({"d1"}, {});
  EXPECT_FALSE(worker.begin()->deal("d1"));
  worker.endBatch();
}

}  // namespace
}  // namespace voronka
