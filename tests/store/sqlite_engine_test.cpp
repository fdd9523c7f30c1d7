// The engine over the SQLite store: a deal with its tasks and timers comes
// back after the store is closed and reopened, its timer fires after the
// restart, and the result is what the memory store gives for the same events.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/runtime/engine_support.h"
#include "tests/store/store_test_support.h"

namespace voronka {
namespace {

using testing::kMonday0900Moscow;
using testing::TempDir;
constexpr int64_t kDay = 86400;

const std::string kFunnel = testing::program(testing::kMoscow, "field budget: money", R"(
    stage a "A" {
      on enter { task "Позвонить" due 1d }
      after 2d { note "two days" -> b }
      on link_clicked { note "clicked" }
    }
    stage b "B" { on enter { task "Встреча" } })");

// One engine run over `store`, from a given time.
struct EngineRun {
  EngineRun(const bc::Module& m, store::Store& s, int64_t now) : clock(now), engine(m, s, clock), names(m), store(s) {}
  engine::Outcome wire(const nlohmann::json& e) { return engine::applyWireEvent(engine, names, e); }

  engine::VirtualClock clock;
  engine::Engine engine;
  engine::Names names;
  store::Store& store;
};

const nlohmann::json kCreate = {
    {"id", "c1"}, {"deal", "d"}, {"type", "deal_created"}, {"pipeline", "p"}, {"fields", {{"budget", 5000}}}};
const nlohmann::json kClick = {{"id", "e1"}, {"deal", "d"}, {"type", "link_clicked"}};

const testing::Probe kProbe = {{"d"}, {"c1", "e1", "bad", "timer:1", "timer:2"}, {}, {}};

TEST(SqliteEngine, ADealWithItsTasksAndTimersSurvivesARestartAndItsTimerFiresAfterIt) {
  bc::Module m = testing::compileModule(kFunnel);
  TempDir dir;
  const std::string path = dir.file("store.db");
  {
    store::SqliteStore s(path);
    EngineRun run(m, s, kMonday0900Moscow);
    ASSERT_EQ(run.wire(kCreate).status, engine::Outcome::Status::Applied);
    ASSERT_EQ(run.wire(kClick).status, engine::Outcome::Status::Applied);
  }
  {
    store::SqliteStore s(path);
    auto tx = s.begin();
    auto d = tx->deal("d");
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(m.str(m.pipelines[d->pipeline].stages[d->stage].name), "a");
    std::vector<store::TaskRecord> tasks = tx->tasksOf("d");
    ASSERT_EQ(tasks.size(), 1u);
    EXPECT_EQ(tasks[0].text, "Позвонить");
    EXPECT_EQ(tasks[0].due, kMonday0900Moscow + kDay);
    std::vector<std::pair<store::TimerKind, int64_t>> timers;  // the `after 2d` rule, the task's deadline
    for (const auto& t : tx->timersOf("d")) timers.emplace_back(t.kind, t.due);
    std::sort(timers.begin(), timers.end());
    EXPECT_EQ(timers, (std::vector<std::pair<store::TimerKind, int64_t>>{
                          {store::TimerKind::Rule, kMonday0900Moscow + 2 * kDay},
                          {store::TimerKind::TaskOverdue, kMonday0900Moscow + kDay}}));
    EXPECT_EQ(tx->notesOf("d").size(), 1u);
    EXPECT_TRUE(tx->eventSeen("c1"));
    tx.reset();
    EXPECT_EQ(s.nextDue(), kMonday0900Moscow + kDay);
  }
  {
    // The restart: a new engine, three days later; the redelivered click is a duplicate.
    store::SqliteStore s(path);
    EngineRun run(m, s, kMonday0900Moscow + 3 * kDay);
    EXPECT_EQ(run.wire(kClick).status, engine::Outcome::Status::Duplicate);
    EXPECT_EQ(run.engine.runDue(run.clock.now()), 2u);
    EXPECT_EQ(run.engine.stats().timersLate, 2u);
  }
  store::SqliteStore s(path);
  auto tx = s.begin();
  auto d = tx->deal("d");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(m.str(m.pipelines[d->pipeline].stages[d->stage].name), "b");
  EXPECT_TRUE(tx->timersOf("d").empty());
  std::vector<std::string> notes;
  for (const auto& n : tx->notesOf("d")) notes.push_back(n.text);
  EXPECT_EQ(notes, (std::vector<std::string>{"clicked", "two days"}));
  EXPECT_EQ(tx->tasksOf("d").size(), 2u);
  EXPECT_EQ(tx->historyOf("d").size(), 2u);
  for (const char* timer : {"timer:1", "timer:2"}) {
    EXPECT_EQ(tx->event(timer).value_or(store::EventRecord{}).outcome.rfind("fired", 0), 0u) << timer;
  }
}

TEST(SqliteEngine, TheSameEventsLeaveTheSameStateAsInMemory) {
  bc::Module m = testing::compileModule(kFunnel);
  TempDir dir;
  store::MemoryStore memory;
  store::SqliteStore sqlite(dir.file("store.db"));
  for (store::Store* s : {static_cast<store::Store*>(&memory), static_cast<store::Store*>(&sqlite)}) {
    EngineRun run(m, *s, kMonday0900Moscow);
    s->beginBatch();
    run.wire(kCreate);
    run.wire(kClick);
    run.wire(kClick);
    run.wire({{"id", "bad"}, {"deal", "nobody"}, {"type", "link_clicked"}});
    s->endBatch();
    run.clock.set(kMonday0900Moscow + 3 * kDay);
    run.engine.runDue(run.clock.now());
  }
  EXPECT_EQ(testing::snapshot(sqlite, kProbe), testing::snapshot(memory, kProbe));
}

}  // namespace
}  // namespace voronka
