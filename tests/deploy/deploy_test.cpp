// Deployments (runtime/deploy): a new version put on a store with live deals,
// each deal moved onto it as the plan says — stages by name or mapped,
// pending timers kept, recomputed or cancelled, `on enter` run for deals
// already in a stage — and refused, with nothing changed, when the plan
// falls short.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>

#include "runtime/deploy/deploy.h"
#include "runtime/deploy/plan.h"
#include "runtime/deploy/version_id.h"
#include "runtime/store/sqlite_store.h"
#include "tests/runtime/engine_support.h"
#include "tests/store/store_test_support.h"

namespace voronka {
namespace {

using testing::kMonday0900Moscow;
constexpr int64_t kDay = 86400;

std::string moduleBytes(const std::string& source) { return bc::serialize(testing::compileModule(source)); }

const std::string kV1 = testing::program(testing::kMoscow, "", R"(
    stage a "A" {
      after 3d { note "a timer" }
      on link_clicked { note "clicked" then after 2d { note "then" } }
    }
    stage b "B" { on enter { note "entered b" } }
    stage old "Old" { })");

// The timer of `a` waits 5 days now; stage `old` is gone; `b` has a new `on enter`.
const std::string kV2 = testing::program(testing::kMoscow, "", R"(
    stage a "A" {
      after 5d { note "a timer" }
      on link_clicked { note "clicked" then after 2d { note "then" } }
    }
    stage b "B" { on enter { note "entered b" task "Перезвонить" } }
    stage newer "Newer" { })");

// A store with deals on one version, and deployments onto others.
class Live {
 public:
  explicit Live(std::unique_ptr<store::Store> s = std::make_unique<store::MemoryStore>()) : store(std::move(s)) {}

  Result<deploy::DeployOutcome> deploy(const std::string& bytes, const std::string& planText = "",
                                       bool dryRun = false) {
    auto plan = deploy::parsePlan(planText, "plan.toml");
    EXPECT_TRUE(static_cast<bool>(plan)) << (plan ? "" : plan.error().front());
    deploy::DeployOptions options;
    options.dryRun = dryRun;
    options.chunk = 2;  // several chunks even for a few deals
    return deploy::deployModule(*store, bytes, "v.funnelc", plan ? *plan : deploy::Plan{}, clock, options);
  }
  // Runs `work` with an engine of the version in `bytes`, as a server would.
  template <typename Work>
  void withEngine(const std::string& bytes, Work work) {
    bc::Module m = bc::load(bytes);
    engine::EngineOptions options;
    options.moduleVersion = deploy::moduleVersionOf(bytes);
    engine::Engine e(m, *store, clock, options);
    engine::Names names(m);
    work(e, names);
  }
  void event(engine::Engine& e, engine::Names& names, nlohmann::json j) {
    ASSERT_EQ(engine::applyWireEvent(e, names, j).status, engine::Outcome::Status::Applied) << j.dump();
  }
  store::DealRecord deal(const std::string& id) {
    auto tx = store->begin();
    return tx->deal(id).value();
  }
  std::vector<store::TimerRecord> timers(const std::string& id) {
    auto tx = store->begin();
    return tx->timersOf(id);
  }
  std::vector<std::string> notes(const std::string& id) {
    auto tx = store->begin();
    std::vector<std::string> out;
    for (const auto& n : tx->notesOf(id)) out.push_back(n.text);
    return out;
  }

  std::unique_ptr<store::Store> store;
  engine::VirtualClock clock{kMonday0900Moscow};
};

// Deals x (in a, a timer pending and a `then` pending), y (in b), z (in old) on v1.
void fillV1(Live& live, const std::string& v1) {
  ASSERT_EQ(live.deploy(v1)->status, deploy::DeployOutcome::Status::FirstVersion);
  live.withEngine(v1, [&](engine::Engine& e, engine::Names& names) {
    for (const auto& [id, stage] : {std::pair{"x", "a"}, {"y", "b"}, {"z", "old"}}) {
      live.event(e, names,
                 {{"id", std::string("c-") + id},
                  {"deal", id},
                  {"type", "deal_created"},
                  {"pipeline", "p"},
                  {"stage", stage}});
    }
    live.event(e, names, {{"id", "click"}, {"deal", "x"}, {"type", "link_clicked"}});
  });
}

TEST(Deploy, AStoreWithoutVersionsTakesTheFirstOneAndJournalsIt) {
  Live live;
  std::string v1 = moduleBytes(kV1);
  auto first = live.deploy(v1);
  ASSERT_TRUE(static_cast<bool>(first)) << first.error();
  EXPECT_EQ(first->status, deploy::DeployOutcome::Status::FirstVersion);
  EXPECT_EQ(live.deploy(v1)->status, deploy::DeployOutcome::Status::AlreadyCurrent);
  auto tx = live.store->begin();
  EXPECT_EQ(tx->meta("active_version"), deploy::moduleVersionOf(v1));
  EXPECT_EQ(tx->module(deploy::moduleVersionOf(v1))->bytes, v1);
  ASSERT_EQ(tx->deployments(10).size(), 1u);
  EXPECT_EQ(tx->deployments(10)[0].status, "done");
}

TEST(Deploy, ARemovedStageHoldingDealsWithoutAMappingIsRefusedAndNothingChanges) {
  Live live;
  std::string v1 = moduleBytes(kV1), v2 = moduleBytes(kV2);
  fillV1(live, v1);
  testing::Probe probe{{"x", "y", "z"}, {}, {}, {"active_version"}};
  std::string before = testing::snapshot(*live.store, probe);
  auto refused = live.deploy(v2, "[timers]\nchanged = \"keep\"\n");
  ASSERT_TRUE(static_cast<bool>(refused)) << refused.error();
  EXPECT_EQ(refused->status, deploy::DeployOutcome::Status::Refused);
  ASSERT_EQ(refused->problems.size(), 1u);
  EXPECT_NE(refused->problems[0].find("stage \"p.old\" is gone"), std::string::npos) << refused->problems[0];
  EXPECT_NE(refused->problems[0].find("1 deal is in it"), std::string::npos) << refused->problems[0];
  EXPECT_EQ(testing::snapshot(*live.store, probe), before);
  // The refusal is journaled: who tried what.
  auto tx = live.store->begin();
  EXPECT_EQ(tx->deployments(1).at(0).status, "refused");
}

TEST(Deploy, AChangedTimerRuleWithPendingTimersNeedsAPolicy) {
  Live live;
  std::string v1 = moduleBytes(kV1), v2 = moduleBytes(kV2);
  fillV1(live, v1);
  auto refused = live.deploy(v2, "[stages]\n\"p.old\" = \"p.newer\"\n");
  ASSERT_TRUE(static_cast<bool>(refused)) << refused.error();
  ASSERT_EQ(refused->status, deploy::DeployOutcome::Status::Refused);
  ASSERT_EQ(refused->problems.size(), 1u);
  EXPECT_NE(refused->problems[0].find("\"p.a:timer#1\""), std::string::npos) << refused->problems[0];
  EXPECT_NE(refused->problems[0].find("now waits \"after 5d\" instead of \"after 3d\""), std::string::npos)
      << refused->problems[0];
}

TEST(Deploy, APlanNamingWhatDoesNotExistIsRefusedAtItsLine) {
  Live live;
  std::string v1 = moduleBytes(kV1), v2 = moduleBytes(kV2);
  fillV1(live, v1);
  auto refused = live.deploy(v2,
                             "[stages]\n\"p.old\" = \"p.nowhere\"\n[timers]\n\"p.zz:timer#1\" = \"keep\"\n"
                             "[enter]\nretroactive = [\"p.gone\"]\n");
  ASSERT_TRUE(static_cast<bool>(refused)) << refused.error();
  ASSERT_EQ(refused->status, deploy::DeployOutcome::Status::Refused);
  std::string all;
  for (const auto& p : refused->problems) all += p + "\n";
  EXPECT_NE(all.find("plan.toml:2: the new version has no stage \"p.nowhere\""), std::string::npos) << all;
  EXPECT_NE(all.find("plan.toml:4: the running version has no rule \"p.zz:timer#1\""), std::string::npos) << all;
  EXPECT_NE(all.find("plan.toml:6: the new version has no stage \"p.gone\""), std::string::npos) << all;
}

TEST(Deploy, ABadPlanFileIsAnErrorAtItsLine) {
  auto plan = deploy::parsePlan("[timers]\n\"p.a:timer#1\" = \"later\"\n[stagez]\nx = 1\n", "plan.toml");
  ASSERT_FALSE(static_cast<bool>(plan));
  ASSERT_EQ(plan.error().size(), 2u);
  EXPECT_EQ(plan.error()[0], "plan.toml:2: `p.a:timer#1` must be \"keep\", \"recompute\" or \"cancel\"");
  EXPECT_NE(plan.error()[1].find("plan.toml:3: unknown section [stagez]"), std::string::npos) << plan.error()[1];
}

// Deploys v2 with `policy` for the changed timer and returns x's rule timer due time.
int64_t dueAfterDeploy(const std::string& policy, int* timers = nullptr) {
  Live live;
  std::string v1 = moduleBytes(kV1), v2 = moduleBytes(kV2);
  fillV1(live, v1);
  live.clock.advance(kDay);  // the deployment comes a day after the deals entered
  auto done = live.deploy(v2, "[stages]\n\"p.old\" = \"p.newer\"\n[timers]\n\"p.a:timer#1\" = \"" + policy + "\"\n");
  EXPECT_TRUE(static_cast<bool>(done)) << done.error();
  EXPECT_EQ(done->status, deploy::DeployOutcome::Status::Deployed);
  EXPECT_EQ(done->deals, 3);
  int64_t due = 0;
  int count = 0;
  for (const auto& t : live.timers("x")) {
    if (t.kind == store::TimerKind::Rule) {
      due = t.due;
      ++count;
    }
  }
  if (timers) *timers = count;
  // The `then` timer of the unchanged click rule is kept as it was, on the new version.
  std::vector<store::TimerRecord> all = live.timers("x");
  EXPECT_EQ(std::count_if(all.begin(), all.end(), [](auto& t) { return t.kind == store::TimerKind::Then; }), 1);
  // Every deal runs on the new version, and its timers fire there.
  for (std::string id : {"x", "y", "z"}) EXPECT_EQ(live.deal(id).moduleVersion, deploy::moduleVersionOf(v2)) << id;
  live.withEngine(v2, [&](engine::Engine& e, engine::Names&) { e.runDue(kMonday0900Moscow + 10 * kDay); });
  std::vector<std::string> notes = live.notes("x");
  EXPECT_EQ(std::count(notes.begin(), notes.end(), "then"), 1);
  EXPECT_EQ(std::count(notes.begin(), notes.end(), "a timer"), policy == "cancel" ? 0 : 1);
  return due;
}

TEST(Deploy, AKeptTimerKeepsItsDueTime) { EXPECT_EQ(dueAfterDeploy("keep"), kMonday0900Moscow + 3 * kDay); }

TEST(Deploy, ARecomputedTimerFallsDueAsTheNewVersionSaysFromItsAnchor) {
  EXPECT_EQ(dueAfterDeploy("recompute"), kMonday0900Moscow + 5 * kDay);
}

TEST(Deploy, ACancelledTimerIsGone) {
  int timers = -1;
  dueAfterDeploy("cancel", &timers);
  EXPECT_EQ(timers, 0);
}

TEST(Deploy, ARemovedStageMappedMovesItsDealsAndTheirHistory) {
  Live live;
  std::string v1 = moduleBytes(kV1), v2 = moduleBytes(kV2);
  fillV1(live, v1);
  auto done = live.deploy(v2, "[stages]\n\"p.old\" = \"p.newer\"\n[timers]\nchanged = \"keep\"\n");
  ASSERT_TRUE(static_cast<bool>(done)) << done.error();
  ASSERT_EQ(done->status, deploy::DeployOutcome::Status::Deployed);
  bc::Module m2 = bc::load(v2);
  store::DealRecord z = live.deal("z");
  EXPECT_EQ(m2.str(m2.pipelines[z.pipeline].stages[z.stage].name), "newer");
  auto tx = live.store->begin();
  EXPECT_EQ(tx->historyOf("z").back().toStage, z.stage);
  EXPECT_EQ(z.visits.count((int64_t{z.pipeline} << 32) | static_cast<uint32_t>(z.stage)), 1u);
  // The journal says who, from which version, the plan and the result.
  store::DeploymentRecord entry = tx->deployments(1).at(0);
  EXPECT_EQ(entry.status, "done");
  EXPECT_EQ(entry.by, "cli");
  EXPECT_EQ(entry.fromVersion, deploy::moduleVersionOf(v1));
  EXPECT_EQ(entry.toVersion, deploy::moduleVersionOf(v2));
  EXPECT_NE(entry.plan.find("p.newer"), std::string::npos) << entry.plan;
  EXPECT_EQ(nlohmann::json::parse(entry.result)["deals"], 3);
}

TEST(Deploy, ARenamedStageMapsByThePlanAndEventsAfterwardsAreOnTheNewVersion) {
  const std::string renamed = testing::program(testing::kMoscow, "", R"(
    stage a "A" {
      after 3d { note "a timer" }
      on link_clicked { note "clicked" then after 2d { note "then" } }
    }
    stage b "B" { on enter { note "entered b" } }
    stage legacy "Legacy, renamed" { on link_clicked { note "legacy click" } })");
  Live live;
  std::string v1 = moduleBytes(kV1), v2 = moduleBytes(renamed);
  fillV1(live, v1);
  auto done = live.deploy(v2, "[stages]\n\"p.old\" = \"p.legacy\"\n");
  ASSERT_TRUE(static_cast<bool>(done)) << done.error();
  ASSERT_EQ(done->status, deploy::DeployOutcome::Status::Deployed) << done->json().dump();
  EXPECT_EQ(done->timersKept, 2);
  live.withEngine(v2, [&](engine::Engine& e, engine::Names& names) {
    live.event(e, names, {{"id", "z-click"}, {"deal", "z"}, {"type", "link_clicked"}});
  });
  EXPECT_EQ(live.notes("z"), std::vector<std::string>{"legacy click"});
  auto tx = live.store->begin();
  EXPECT_EQ(tx->event("z-click")->moduleVersion, deploy::moduleVersionOf(v2));
  EXPECT_EQ(tx->event("click")->moduleVersion, deploy::moduleVersionOf(v1));
  // Events keep their body as they came in, for replay.
  EXPECT_EQ(nlohmann::json::parse(tx->event("z-click")->body)["type"], "link_clicked");
}

TEST(Deploy, RetroactiveOnEnterRunsForDealsAlreadyInTheStageOnlyWhenThePlanAsks) {
  for (bool retroactive : {false, true}) {
    Live live;
    std::string v1 = moduleBytes(kV1), v2 = moduleBytes(kV2);
    fillV1(live, v1);
    std::string plan = "[stages]\n\"p.old\" = \"p.newer\"\n[timers]\nchanged = \"keep\"\n";
    if (retroactive) plan += "[enter]\nretroactive = [\"p.b\"]\n";
    auto done = live.deploy(v2, plan);
    ASSERT_TRUE(static_cast<bool>(done)) << done.error();
    EXPECT_EQ(done->enterRun, retroactive ? 1 : 0);
    {
      auto tx = live.store->begin();
      EXPECT_EQ(tx->tasksOf("y").size(), retroactive ? 1u : 0u);
    }
    std::vector<std::string> notes = live.notes("y");
    EXPECT_EQ(std::count(notes.begin(), notes.end(), "entered b"), retroactive ? 2 : 1);
  }
}

TEST(Deploy, ADryRunReportsEveryDealAndChangesNothing) {
  Live live;
  std::string v1 = moduleBytes(kV1), v2 = moduleBytes(kV2);
  fillV1(live, v1);
  testing::Probe probe{{"x", "y", "z"}, {"click"}, {}, {"active_version", "deploying"}};
  std::string before = testing::snapshot(*live.store, probe);
  auto dry = live.deploy(
      v2, "[stages]\n\"p.old\" = \"p.newer\"\n[timers]\nchanged = \"recompute\"\n[enter]\nretroactive = [\"p.b\"]\n",
      true);
  ASSERT_TRUE(static_cast<bool>(dry)) << dry.error();
  EXPECT_EQ(dry->status, deploy::DeployOutcome::Status::Deployed);
  EXPECT_TRUE(dry->dryRun);
  EXPECT_EQ(dry->deals, 3);
  ASSERT_EQ(dry->changes.size(), 3u);
  EXPECT_EQ(dry->changes[0].timersRecomputed, 1);
  EXPECT_EQ(dry->changes[2].fromStage, "p.old");
  EXPECT_EQ(dry->changes[2].toStage, "p.newer");
  EXPECT_TRUE(dry->changes[1].enterRun);
  EXPECT_EQ(testing::snapshot(*live.store, probe), before);
  auto tx = live.store->begin();
  EXPECT_EQ(tx->deployments(10).size(), 1u);  // only the first version's
}

TEST(Deploy, RollbackIsADeployOfThePreviousVersion) {
  Live live;
  std::string v1 = moduleBytes(kV1), v2 = moduleBytes(kV2);
  fillV1(live, v1);
  ASSERT_EQ(live.deploy(v2, "[stages]\n\"p.old\" = \"p.newer\"\n[timers]\nchanged = \"keep\"\n")->status,
            deploy::DeployOutcome::Status::Deployed);
  auto back = live.deploy(v1, "[stages]\n\"p.newer\" = \"p.old\"\n[timers]\nchanged = \"keep\"\n");
  ASSERT_TRUE(static_cast<bool>(back)) << back.error();
  ASSERT_EQ(back->status, deploy::DeployOutcome::Status::Deployed) << back->json().dump();
  bc::Module m1 = bc::load(v1);
  store::DealRecord z = live.deal("z");
  EXPECT_EQ(m1.str(m1.pipelines[z.pipeline].stages[z.stage].name), "old");
  EXPECT_EQ(z.moduleVersion, deploy::moduleVersionOf(v1));
  auto tx = live.store->begin();
  EXPECT_EQ(tx->moduleVersions().size(), 2u);
  EXPECT_EQ(tx->meta("active_version"), deploy::moduleVersionOf(v1));
}

// A store from before versions kept only the checksum and path of its module:
// the old version is read from that path when its hash matches.
TEST(Deploy, AStoreFromBeforeVersionsFindsItsOldModuleWhereItRemembersIt) {
  testing::TempDir dir;
  std::string path = dir.file("store.db"), modulePath = dir.file("v1.funnelc");
  std::string v1 = moduleBytes(kV1), v2 = moduleBytes(kV2);
  const std::string plan = "[stages]\n\"p.old\" = \"p.newer\"\n[timers]\nchanged = \"keep\"\n";
  {
    Live live(std::make_unique<store::SqliteStore>(path));
    fillV1(live, v1);
    auto tx = live.store->begin();
    tx->putMeta("module_path", modulePath);
    tx->commit();
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DELETE FROM modules", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  Live live(std::make_unique<store::SqliteStore>(path));
  auto missing = live.deploy(v2, plan);
  ASSERT_FALSE(static_cast<bool>(missing));
  EXPECT_NE(missing.error().find("does not keep"), std::string::npos) << missing.error();
  EXPECT_NE(missing.error().find(modulePath), std::string::npos) << missing.error();
  std::ofstream(modulePath, std::ios::binary) << v1;
  auto done = live.deploy(v2, plan);
  ASSERT_TRUE(static_cast<bool>(done)) << done.error();
  EXPECT_EQ(done->deals, 3);
  auto tx = live.store->begin();
  EXPECT_EQ(tx->module(deploy::moduleVersionOf(v1))->bytes, v1);  // kept from now on
}

TEST(Deploy, AnInterruptedDeploymentIsFinishedByTheSameVersionAndRefusesAnother) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  std::string v1 = moduleBytes(kV1), v2 = moduleBytes(kV2);
  {
    Live live(std::make_unique<store::SqliteStore>(path));
    fillV1(live, v1);
  }
  // The deployment dies after its first chunk: the process ends without unwinding.
  pid_t pid = fork();
  if (pid == 0) {
    Live live(std::make_unique<store::SqliteStore>(path));
    auto plan = deploy::parsePlan("[stages]\n\"p.old\" = \"p.newer\"\n[timers]\nchanged = \"keep\"\n", "plan.toml");
    deploy::DeployOptions options;
    options.chunk = 2;
    options.betweenChunks = [] { _exit(0); };
    (void)deploy::deployModule(*live.store, v2, "v2.funnelc", *plan, live.clock, options);
    _exit(3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  Live live(std::make_unique<store::SqliteStore>(path));
  EXPECT_EQ(live.deal("x").moduleVersion, deploy::moduleVersionOf(v2));
  EXPECT_EQ(live.deal("y").moduleVersion, deploy::moduleVersionOf(v2));
  EXPECT_EQ(live.deal("z").moduleVersion, deploy::moduleVersionOf(v1));
  auto other = live.deploy(v1);
  ASSERT_FALSE(static_cast<bool>(other));
  EXPECT_NE(other.error().find("was interrupted"), std::string::npos) << other.error();
  auto finished = live.deploy(v2, "[stages]\n\"p.old\" = \"p.newer\"\n[timers]\nchanged = \"keep\"\n");
  ASSERT_TRUE(static_cast<bool>(finished)) << finished.error();
  EXPECT_TRUE(finished->resumed);
  EXPECT_EQ(finished->deals, 1);
  EXPECT_EQ(live.deal("z").moduleVersion, deploy::moduleVersionOf(v2));
  EXPECT_EQ(live.timers("x").size(), 2u);  // nothing lost, nothing doubled
  auto tx = live.store->begin();
  EXPECT_EQ(tx->deployments(1).at(0).status, "done");
  EXPECT_EQ(tx->meta("deploying"), "");
}

// v1 with a second timed rule in stage a (waits 1 day), added after the first.
const std::string kV1AddedTimer = testing::program(testing::kMoscow, "", R"(
    stage a "A" {
      after 3d { note "a timer" }
      after 1d { note "added" }
      on link_clicked { note "clicked" then after 2d { note "then" } }
    }
    stage b "B" { on enter { note "entered b" } }
    stage old "Old" { })");

// The Rule timers of deal x after v1 is replaced by the version with an added
// timed rule, two days after x entered stage a, with `[timers] added = policy`.
std::vector<int64_t> ruleTimersAfterAdding(const std::string& policy, deploy::DeployOutcome* outcome = nullptr) {
  Live live;
  std::string v1 = moduleBytes(kV1), v2 = moduleBytes(kV1AddedTimer);
  fillV1(live, v1);
  live.clock.set(kMonday0900Moscow + 2 * kDay);
  auto done = live.deploy(v2, policy.empty() ? "" : "[timers]\nadded = \"" + policy + "\"\n");
  EXPECT_TRUE(static_cast<bool>(done)) << done.error();
  if (!done) return {};
  EXPECT_EQ(done->status, deploy::DeployOutcome::Status::Deployed);
  EXPECT_EQ(done->addedTimers, std::vector<std::string>{"p.a:timer#2"});
  if (outcome) *outcome = *done;
  std::vector<int64_t> due;
  for (const auto& t : live.timers("x"))
    if (t.kind == store::TimerKind::Rule) due.push_back(t.due);
  std::sort(due.begin(), due.end());
  // Deals in other stages get nothing.
  for (const auto& t : live.timers("y")) EXPECT_NE(t.kind, store::TimerKind::Rule);
  return due;
}

TEST(Deploy, ATimedRuleAddedToAStageDoesNotStartForDealsAlreadyInItByDefault) {
  deploy::DeployOutcome outcome;
  EXPECT_EQ(ruleTimersAfterAdding("", &outcome), (std::vector<int64_t>{kMonday0900Moscow + 3 * kDay}));
  EXPECT_EQ(outcome.addedTimersPolicy, "skip");
  EXPECT_EQ(outcome.addedTimersStarted, 0);
  EXPECT_EQ(ruleTimersAfterAdding("skip"), (std::vector<int64_t>{kMonday0900Moscow + 3 * kDay}));
}

TEST(Deploy, AnAddedTimedRuleStartsFromTheStageEntryWhenThePlanSaysSo) {
  deploy::DeployOutcome outcome;
  // Due a day after the entry, a day ago: it fires at once.
  EXPECT_EQ(ruleTimersAfterAdding("from_entry", &outcome),
            (std::vector<int64_t>{kMonday0900Moscow + 2 * kDay, kMonday0900Moscow + 3 * kDay}));
  EXPECT_EQ(outcome.addedTimersStarted, 1);
}

TEST(Deploy, AnAddedTimedRuleStartsFromTheDeploymentWhenThePlanSaysSo) {
  EXPECT_EQ(ruleTimersAfterAdding("from_now"),
            (std::vector<int64_t>{kMonday0900Moscow + 3 * kDay, kMonday0900Moscow + 3 * kDay}));
}

TEST(Deploy, AnUnknownAddedTimersPolicyIsAPlanErrorWithItsLine) {
  auto plan = deploy::parsePlan("[timers]\nadded = \"sometimes\"\n", "plan.toml");
  ASSERT_FALSE(static_cast<bool>(plan));
  EXPECT_NE(plan.error().front().find("plan.toml:2: `added`"), std::string::npos) << plan.error().front();
}

TEST(Deploy, AJournaledPlanReadsBackAsItWasValidated) {
  auto plan = deploy::parsePlan(
      "[stages]\n\"p.old\" = \"p.newer\"\n[timers]\nchanged = \"cancel\"\n\"p.a:timer#1\" = \"recompute\"\n"
      "added = \"from_now\"\n[enter]\nretroactive = [\"p.b\"]\n",
      "plan.toml");
  ASSERT_TRUE(static_cast<bool>(plan));
  auto back = deploy::planFromJson(deploy::planJson(*plan).dump());
  ASSERT_TRUE(static_cast<bool>(back)) << back.error();
  EXPECT_EQ(deploy::planJson(*back), deploy::planJson(*plan));
  EXPECT_EQ(back->addedTimers.value, deploy::AddedTimers::FromNow);
}

}  // namespace
}  // namespace voronka
