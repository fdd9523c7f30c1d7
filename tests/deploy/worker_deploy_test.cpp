// Live deployment on shared workers (runtime/server/worker_deploy.h), with
// two workers' stores on one throwaway PostgreSQL schema, step by step on
// this thread: each batch follows the store's version under the deployment
// lock, deals are claimed and moved once whoever moves them, the journal's
// count is the sum of the committed batches, and a start chooses the store's
// version over an older file and refuses one the store never ran.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/bytecode/container.h"
#include "runtime/deploy/deploy.h"
#include "runtime/deploy/version_id.h"
#include "runtime/engine/wire.h"
#include "runtime/server/worker_deploy.h"
#include "runtime/store/pg_db.h"
#include "runtime/store/pg_lock_keys.h"
#include "runtime/store/pg_store.h"
#include "runtime/store/pg_work_queue.h"
#include "tests/deploy/three_versions.h"
#include "tests/runtime/engine_support.h"
#include "tests/store/pg_test_server.h"

namespace voronka {
namespace {

using testing::kMonday0900Moscow;
using testing::TestPostgres;

constexpr store::PostgresOptions kShared{.sharedWorkers = true};
constexpr int kDeals = 10;

using deploy_versions::kV1;
using deploy_versions::kV2;
using deploy_versions::kV3;

// One worker: its store, its queue and what it follows deployments with.
struct Worker {
  Worker(const std::string& conninfo, engine::Clock& clock, std::shared_ptr<const bc::Module> module,
         const std::string& version, size_t chunk)
      : store(conninfo, kShared),
        queue(store.connection()),
        deploy(store, clock, std::move(module), version, chunkOf(chunk)) {}
  static server::WorkerDeployOptions chunkOf(size_t chunk) {
    server::WorkerDeployOptions options;
    options.chunk = chunk;
    return options;
  }
  store::PostgresStore store;
  store::pg::WorkQueue queue;
  server::WorkerDeploy deploy;
};

class WorkerDeploy : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string& why = TestPostgres::instance().unavailable(); !why.empty()) GTEST_SKIP() << why;
    where = TestPostgres::instance().freshSchema();
    v1 = bc::serialize(testing::compileModule(kV1));
    v2 = bc::serialize(testing::compileModule(kV2));
    v3 = bc::serialize(testing::compileModule(kV3));
    http = std::make_unique<store::PostgresStore>(where, kShared);
    ASSERT_TRUE(static_cast<bool>(deploy::deployModule(*http, v1, "v1", {}, clock, {})));
    module1 = std::make_shared<const bc::Module>(bc::load(v1));
    // Deals as a single server made them: only those with a timer have a deal_work row.
    engine::Engine e(*module1, *http, clock, engine::EngineOptions{.moduleVersion = deploy::moduleVersionOf(v1)});
    engine::Names names(*module1);
    for (int i = 0; i < kDeals; ++i) {
      nlohmann::json created = {{"id", "c" + std::to_string(i)},
                                {"deal", "d" + std::to_string(i)},
                                {"type", "deal_created"},
                                {"pipeline", "p"},
                                {"stage", "a"}};
      ASSERT_TRUE(engine::applyWireEvent(e, names, created).ok());
    }
    TestPostgres::instance().run("DELETE FROM " + schema() + ".deal_work WHERE deal IN ('d1', 'd2')");
  }

  std::string schema() { return http->connection().queryText("SELECT current_schema()", "reading the schema"); }

  // As POST /v1/modules starts it (worker_deploy.cpp): the deployment id.
  int64_t start(const std::string& bytes) {
    auto started = deploy::startDeployment(*http, bytes, "POST /v1/modules", {}, clock, {});
    EXPECT_TRUE(static_cast<bool>(started)) << (started ? "" : started.error());
    if (!started || !started->migration) return 0;
    auto tx = http->begin();
    started->migration->saveProgress(*tx);
    tx->commit();
    return started->outcome.deployment;
  }
  std::unique_ptr<Worker> worker(size_t chunk = 3) {
    return std::make_unique<Worker>(where, clock, module1, deploy::moduleVersionOf(v1), chunk);
  }
  std::string versionOf(const std::string& deal) { return http->begin()->deal(deal)->moduleVersion; }
  store::DeploymentRecord entry(int64_t id) { return *http->begin()->deployment(id); }
  int64_t journaledDeals(int64_t id) { return nlohmann::json::parse(entry(id).result).value("deals", int64_t{-1}); }

  std::string where;
  engine::VirtualClock clock{kMonday0900Moscow};
  std::unique_ptr<store::PostgresStore> http;  // the HTTP side's store, where a POST starts a deployment
  std::string v1, v2, v3;
  std::shared_ptr<const bc::Module> module1;
};

TEST_F(WorkerDeploy, TwoWorkersMoveEveryDealOnceAndTheJournalCountsEachOnce) {
  int64_t id = start(v2);
  ASSERT_NE(id, 0);
  auto a = worker(), b = worker();
  int64_t movedA = 0, movedB = 0;
  for (int round = 0; round < 20 && entry(id).status == "running"; ++round) {
    movedA += a->deploy.moveSome(a->queue).moved;
    movedB += b->deploy.moveSome(b->queue).moved;
  }
  EXPECT_EQ(entry(id).status, "done");
  EXPECT_NE(entry(id).finishedAt, 0);
  EXPECT_EQ(movedA + movedB, kDeals);
  EXPECT_GT(movedA, 0);
  EXPECT_GT(movedB, 0);
  EXPECT_EQ(journaledDeals(id), kDeals);
  EXPECT_EQ(http->begin()->meta("deploying").value_or("?"), "");
  for (int i = 0; i < kDeals; ++i) EXPECT_EQ(versionOf("d" + std::to_string(i)), deploy::moduleVersionOf(v2)) << i;
  // Both apply the new version from then on.
  EXPECT_EQ(a->deploy.version(), deploy::moduleVersionOf(v2));
  EXPECT_EQ(b->deploy.version(), deploy::moduleVersionOf(v2));
}

TEST_F(WorkerDeploy, ADealMovesBeforeItsEventAndARolledBackBatchLeavesItBehind) {
  int64_t id = start(v2);
  auto w = worker();
  // A batch that moves d3, then fails: nothing of it was kept.
  w->store.beginBatch();
  w->deploy.follow();
  EXPECT_TRUE(w->deploy.deploying());
  EXPECT_EQ(w->deploy.moveIfBehind("d3"), std::nullopt);
  EXPECT_EQ(w->deploy.recordProgress(), 1);
  w->store.connection().discardPending();
  PQclear(PQexec(w->store.connection().handle(), "ROLLBACK"));
  EXPECT_THROW(w->store.endBatch(), store::StoreError);
  w->deploy.batchFailed();
  EXPECT_EQ(versionOf("d3"), deploy::moduleVersionOf(v1));
  EXPECT_EQ(journaledDeals(id), 0);

  // Again, committed: moved, counted once, its event applied by the new version.
  w->store.beginBatch();
  w->deploy.follow();
  EXPECT_EQ(w->deploy.moveIfBehind("d3"), std::nullopt);
  EXPECT_EQ(w->deploy.moveIfBehind("d3"), std::nullopt);  // already moved: nothing more
  engine::Outcome o = engine::applyWireEvent(w->deploy.engine(), w->deploy.names(),
                                             {{"id", "click-3"}, {"deal", "d3"}, {"type", "link_clicked"}});
  EXPECT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(w->deploy.recordProgress(), 1);
  w->store.endBatch();
  EXPECT_EQ(versionOf("d3"), deploy::moduleVersionOf(v2));
  EXPECT_EQ(journaledDeals(id), 1);
  std::vector<std::string> notes;
  for (const auto& n : http->begin()->notesOf("d3")) notes.push_back(n.text);
  EXPECT_EQ(notes, std::vector<std::string>{"v2 click"});
}

TEST_F(WorkerDeploy, ABatchHoldsTheDeploymentLockSoAStartWaitsForIt) {
  auto w = worker();
  store::pg::Conn other(where);
  const char* tryLock = "SELECT pg_try_advisory_lock(" VORONKA_PG_LOCK_DEPLOYMENT ", hashtext(current_schema()))";
  w->store.beginBatch();
  w->deploy.follow();
  EXPECT_EQ(other.queryText(tryLock, "trying the deployment lock"), "f");
  w->store.endBatch();
  EXPECT_EQ(other.queryText(tryLock, "trying the deployment lock"), "t");
}

TEST_F(WorkerDeploy, AWorkerFollowsAVersionWithNoDealsToMoveAndAStartChoosesTheStoresVersion) {
  TestPostgres::instance().run("DELETE FROM " + schema() + ".deals");  // no deals: a plain version change
  auto w = worker();
  ASSERT_EQ(start(v2), 0);
  EXPECT_EQ(http->begin()->meta("active_version").value_or(""), deploy::moduleVersionOf(v2));
  w->store.beginBatch();
  w->deploy.follow();
  w->store.endBatch();
  EXPECT_EQ(w->deploy.version(), deploy::moduleVersionOf(v2));
  EXPECT_FALSE(w->deploy.deploying());

  // Started with v1, which the store ran before: it serves v2, saying so.
  auto older = server::sharedStartModule(*http, deploy::moduleVersionOf(v1), "v1.funnelc");
  ASSERT_TRUE(static_cast<bool>(older)) << older.error();
  EXPECT_EQ(older->version, deploy::moduleVersionOf(v2));
  EXPECT_EQ(older->bytes, v2);
  EXPECT_NE(older->note.find("v1.funnelc"), std::string::npos) << older->note;
  // Started with v2: its own file.
  auto same = server::sharedStartModule(*http, deploy::moduleVersionOf(v2), "v2.funnelc");
  ASSERT_TRUE(static_cast<bool>(same));
  EXPECT_TRUE(same->bytes.empty());
  // Started with v3, which the store never ran: refused, saying how to deploy it.
  auto never = server::sharedStartModule(*http, deploy::moduleVersionOf(v3), "v3.funnelc");
  ASSERT_FALSE(static_cast<bool>(never));
  EXPECT_NE(never.error().find("never run"), std::string::npos) << never.error();
  EXPECT_NE(never.error().find("POST /v1/modules"), std::string::npos) << never.error();
}

}  // namespace
}  // namespace voronka
