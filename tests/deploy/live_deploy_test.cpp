// A deployment through the API as the server's writer runs it
// (runtime/server/live_deploy.h), step by step on this thread: an event or a
// timer of a deal still on the old version moves the deal first, so the new
// version never reads a deal of the old one; the rest move chunk by chunk.
#include <gtest/gtest.h>

#include "runtime/bytecode/container.h"
#include "runtime/deploy/deploy.h"
#include "runtime/deploy/version_id.h"
#include "runtime/engine/wire.h"
#include "runtime/server/live_deploy.h"
#include "runtime/store/memory_store.h"
#include "tests/deploy/three_versions.h"
#include "tests/runtime/engine_support.h"

namespace voronka {
namespace {

using testing::kMonday0900Moscow;
constexpr int64_t kDay = 86400;

using deploy_versions::kV1;
using deploy_versions::kV2;
using deploy_versions::kV3;

class LiveDeploy : public ::testing::Test {
 protected:
  void SetUp() override {
    v1 = bc::serialize(testing::compileModule(kV1));
    ASSERT_TRUE(static_cast<bool>(deploy::deployModule(store, v1, "v1", {}, clock, {})));
    bc::Module m = bc::load(v1);
    engine::Engine e(m, store, clock, engine::EngineOptions{.moduleVersion = deploy::moduleVersionOf(v1)});
    engine::Names names(m);
    for (int i = 0; i < 6; ++i) {
      nlohmann::json created = {{"id", "c" + std::to_string(i)},
                                {"deal", "d" + std::to_string(i)},
                                {"type", "deal_created"},
                                {"pipeline", "p"},
                                {"stage", "a"}};
      ASSERT_TRUE(engine::applyWireEvent(e, names, created).ok());
      clock.advance(60);  // each deal's timer a minute after the one before
    }
  }

  // Started as POST /v1/modules starts it; moves nothing yet.
  std::unique_ptr<server::LiveDeployment> start(const std::string& source, size_t chunk = 2) {
    std::string bytes = bc::serialize(testing::compileModule(source));
    auto started = deploy::startDeployment(store, bytes, "POST /v1/modules", {}, clock, {});
    EXPECT_TRUE(static_cast<bool>(started)) << (started ? "" : started.error());
    if (!started || !started->migration) return nullptr;
    version = started->outcome.toVersion;
    auto target = started->migration->target();
    server::LiveDeployOptions options;
    options.chunk = chunk;
    return std::make_unique<server::LiveDeployment>(target, version, std::move(started->migration), store, clock,
                                                    metrics, options);
  }
  std::string versionOf(const std::string& deal) { return store.begin()->deal(deal)->moduleVersion; }
  std::vector<std::string> notes(const std::string& deal) {
    std::vector<std::string> out;
    for (const auto& n : store.begin()->notesOf(deal)) out.push_back(n.text);
    return out;
  }

  store::MemoryStore store;
  engine::VirtualClock clock{kMonday0900Moscow};
  server::Metrics metrics;
  std::string v1, version;
};

TEST_F(LiveDeploy, AnEventForADealNotYetMovedMovesItFirstAndRunsOnTheNewVersion) {
  auto live = start(kV2);
  ASSERT_TRUE(live);
  EXPECT_NE(versionOf("d4"), version);
  live->beforeDeal("d4");
  EXPECT_EQ(versionOf("d4"), version);
  EXPECT_NE(versionOf("d3"), version) << "only the deal of the event moves";
  engine::Names names(live->engine().module());
  ASSERT_TRUE(
      engine::applyWireEvent(live->engine(), names, {{"id", "k"}, {"deal", "d4"}, {"type", "link_clicked"}}).ok());
  EXPECT_EQ(notes("d4"), std::vector<std::string>{"v2 click"});
  EXPECT_EQ(store.begin()->event("k")->moduleVersion, version);
}

TEST_F(LiveDeploy, DueTimersMoveTheirDealsFirstAndFireAsTheNewVersionSays) {
  auto live = start(kV2);
  ASSERT_TRUE(live);
  clock.set(kMonday0900Moscow + kDay + 90);  // the timers of d0 and d1 are due
  live->beforeTimers(clock.now(), 32);
  EXPECT_EQ(versionOf("d0"), version);
  EXPECT_EQ(versionOf("d1"), version);
  EXPECT_NE(versionOf("d2"), version);
  EXPECT_EQ(live->engine().runDue(clock.now(), 32), 2u);
  EXPECT_EQ(notes("d0"), std::vector<std::string>{"v2 timer"});
  EXPECT_EQ(notes("d1"), std::vector<std::string>{"v2 timer"});
}

TEST_F(LiveDeploy, ATimerCancelledByAMoveBringsTheNextDealsOnesInAndTheyMoveToo) {
  auto live = start(kV3);
  ASSERT_TRUE(live);
  clock.set(kMonday0900Moscow + 2 * kDay);  // every timer is due
  // The first two due timers' deals move and lose their timers (the rule is
  // gone), which brings the next deals' timers into the first two: they
  // must move as well before anything fires.
  live->beforeTimers(clock.now(), 2);
  EXPECT_EQ(live->engine().runDue(clock.now(), 2), 0u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(versionOf("d" + std::to_string(i)), version) << i;
    EXPECT_TRUE(notes("d" + std::to_string(i)).empty()) << i;
  }
}

TEST_F(LiveDeploy, StepsMoveTheRestChunkByChunkThenJournalItDone) {
  auto live = start(kV2, 2);
  ASSERT_TRUE(live);
  live->beforeDeal("d5");
  int steps = 0;
  while (live->step()) ++steps;
  EXPECT_EQ(steps, 3);  // d0…d4 by twos; d5 had moved
  for (int i = 0; i < 6; ++i) EXPECT_EQ(versionOf("d" + std::to_string(i)), version);
  auto tx = store.begin();
  EXPECT_EQ(tx->deployments(1).at(0).status, "done");
  EXPECT_EQ(metrics.deployment.running.load(), 0);
  EXPECT_EQ(metrics.deployment.dealsMoved.load(), 6);
}

TEST_F(LiveDeploy, AFailedGroupCommitPutsItsDealsBack) {
  auto live = start(kV2, 2);
  ASSERT_TRUE(live);
  live->batchStarting();
  live->beforeDeal("d0");
  live->batchFailed();  // as if the store had not kept the batch: the counts go back
  while (live->step()) {}
  EXPECT_EQ(metrics.deployment.dealsMoved.load(), 5) << "d0 really moved (the memory store kept it), the rest by steps";
}

}  // namespace
}  // namespace voronka
