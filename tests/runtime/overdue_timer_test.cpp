// A task's `task_overdue` timer is set only where its firing can be seen: a
// rule that runs on the event or is cancelled by it, the deal's timers in a
// store that keeps records, or a trace that asks for "task overdue". The
// store `voronka sim` runs on keeps no records and its trace asks for none,
// so there a funnel without such rules gets no overdue timers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/runtime/engine_support.h"

namespace voronka::testing {
namespace {

constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 24 * kHour;

// One deal driven through an engine over a memory store that keeps records or not.
struct DealRun {
  DealRun(const std::string& stages, bool keepRecords, engine::Trace* trace = nullptr)
      : module(compileModule(program(kMoscow, "", stages))),
        store(store::MemoryStoreOptions{.keepRecords = keepRecords}),
        clock(kMonday0900Moscow),
        engine(module, store, clock),
        names(module) {
    if (trace) engine.setTrace(trace);
    nlohmann::json created = {{"id", "c1"}, {"deal", "d"}, {"type", "deal_created"}, {"pipeline", "p"}};
    EXPECT_TRUE(engine::applyWireEvent(engine, names, created).ok());
  }
  size_t overdueTimers() {
    auto tx = store.begin();
    size_t n = 0;
    for (const store::TimerRecord& t : tx->timersOf("d")) n += t.kind == store::TimerKind::TaskOverdue;
    return n;
  }
  size_t openTasks() {
    auto tx = store.begin();
    size_t n = 0;
    for (const store::TaskRecord& t : tx->tasksOf("d")) n += !t.done && t.due > 0;
    return n;
  }
  std::string stage() {
    auto tx = store.begin();
    std::optional<store::DealRecord> d = tx->deal("d");
    if (!d) return "?";
    return module.str(module.pipelines[d->pipeline].stages[d->stage].name);
  }
  void advance(int64_t seconds) {
    clock.set(clock.now() + seconds);
    engine.runDue(clock.now());
  }

  bc::Module module;
  store::MemoryStore store;
  engine::VirtualClock clock;
  engine::Engine engine;
  engine::Names names;
};

const char* kNoOverdueRule = R"(
  stage a "A" { on enter { task call "Позвонить" due 2h } }
  stage b "B")";

TEST(OverdueTimer, NotSetWhenNothingWouldSeeItFire) {
  DealRun run(kNoOverdueRule, /*keepRecords=*/false);
  EXPECT_EQ(run.openTasks(), 1u);  // the task itself is kept, with its due time
  EXPECT_EQ(run.overdueTimers(), 0u);
  run.advance(3 * kHour);
  EXPECT_EQ(run.engine.stats().timersFired, 0u);
}

TEST(OverdueTimer, SetWhenTheStoreKeepsRecords) {
  DealRun run(kNoOverdueRule, /*keepRecords=*/true);
  EXPECT_EQ(run.overdueTimers(), 1u);  // the API and the console list it
  run.advance(3 * kHour);
  EXPECT_EQ(run.engine.stats().timersFired, 1u);
}

TEST(OverdueTimer, SetWhenATraceAsksForOverdueTasks) {
  struct Overdue : engine::Trace {
    bool wants(std::string_view what) const override { return what == "task overdue"; }
    void record(const nlohmann::json& e) override { whats.push_back(e.value("what", "")); }
    std::vector<std::string> whats;
  } trace;
  DealRun run(kNoOverdueRule, /*keepRecords=*/false, &trace);
  EXPECT_EQ(run.overdueTimers(), 1u);
  run.advance(3 * kHour);
  EXPECT_EQ(trace.whats, std::vector<std::string>{"task overdue"});
}

TEST(OverdueTimer, SetWhenARuleRunsOnIt) {
  DealRun run(R"(
    stage a "A" {
      on enter { task call "Позвонить" due 2h }
      on task_overdue(call) -> b
    }
    stage b "B")",
              /*keepRecords=*/false);
  EXPECT_EQ(run.overdueTimers(), 1u);
  run.advance(3 * kHour);
  EXPECT_EQ(run.stage(), "b");
}

// `unless task_overdue` hears it too: the overdue task cancels the rule's
// timer, and the deal stays where it is.
TEST(OverdueTimer, SetWhenItCancelsARule) {
  DealRun run(R"(
    stage a "A" {
      on enter { task call "Позвонить" due 2h }
      after 1d unless task_overdue(call) { move b }
    }
    stage b "B")",
              /*keepRecords=*/false);
  EXPECT_EQ(run.overdueTimers(), 1u);
  run.advance(2 * kDay);
  EXPECT_EQ(run.stage(), "a");
}

}  // namespace
}  // namespace voronka::testing
