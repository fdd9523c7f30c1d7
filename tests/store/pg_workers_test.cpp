// The PostgreSQL store's shared-worker parts (pg_work_queue.h, and
// PostgresStore with sharedWorkers): the lock modes, the inbox, claims that
// skip deals another transaction holds, the deal_work row a timer keeps up to
// date, timers scoped to one deal, and outbox results fenced by the attempt.
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

std::vector<store::EffectRecord> claimDue(store::PostgresStore& s, int64_t now) {
  auto tx = s.begin();
  std::vector<store::EffectRecord> due = tx->dueEffects(now, 10);
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
  auto claim = claimDue;
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

}  // namespace
}  // namespace voronka
