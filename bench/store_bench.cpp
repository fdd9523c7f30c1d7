// The SQLite store (issue 4):
//   - durable events/s of the engine on the furniture example (every deal's
//     whole life, as in runtime_bench), synchronous FULL and NORMAL, one
//     transaction per commit or 64 per commit (group commit);
//   - side by side, the same rows written with plain sqlite3 statements (same
//     file settings, tables, statements per transaction and batching), and the
//     same recorded writes made through the store's API without the engine:
//     store_vs_raw compares the whole engine on the store with raw writes,
//     api_vs_raw the store alone;
//   - a second baseline (issue 16): plain sqlite3 writing only one event row
//     and one deal update per transaction, same batching (store_vs_minimal);
//   - restart time with 1M pending timers: open the store, nextDue(), counts().
// Files go to $VORONKA_BENCH_DIR, or the system's temp directory (it must be
// a real disk for fsync to mean anything).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "bench/furniture_events.h"
#include "bench/raw_sqlite_writer.h"
#include "bench/store_decorators.h"
#include "runtime/bytecode/container.h"
#include "runtime/engine/clock.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/names.h"
#include "runtime/engine/wire.h"
#include "runtime/store/memory_store.h"
#include "runtime/store/sqlite_store.h"

namespace voronka {
namespace {

namespace fs = std::filesystem;
using bench::BatchingStore;
using bench::RecordedTransaction;
using bench::RecordingStore;
using bench::Write;
namespace write = bench::write;
using Clock = std::chrono::steady_clock;
constexpr int kDeals = 200;

// prefix + n (written so because GCC 12 warns wrongly about "…" + std::to_string(n)).
std::string numbered(const char* prefix, int64_t n) {
  std::string s = prefix;
  s += std::to_string(n);
  return s;
}

double seconds(Clock::time_point from) { return std::chrono::duration<double>(Clock::now() - from).count(); }

// A directory for one benchmark's files, removed afterwards.
class BenchDir {
 public:
  explicit BenchDir(const std::string& name) {
    const char* base = std::getenv("VORONKA_BENCH_DIR");
    path_ = fs::path(base ? base : fs::temp_directory_path().string()) /
            ("voronka_store_bench_" + name + numbered("_", getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~BenchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// ───────────────────────────── the furniture shop ─────────────────────────

struct Furniture {
  bc::Module module =
      bc::load(bc::serialize(bench::compileFunnelFile(bench::sourceDir() / "examples/furniture/furniture.funnel")));
  engine::Names names{module};
  std::vector<std::vector<nlohmann::json>> lives = [] {
    std::vector<std::vector<nlohmann::json>> out;
    for (int d = 0; d < kDeals; ++d) out.push_back(bench::furnitureLife(numbered("d", d)));
    return out;
  }();
  int64_t events() const { return static_cast<int64_t>(lives.size() * lives[0].size()); }
};

const Furniture& furniture() {
  static const Furniture f;
  return f;
}

// Every deal's life, step by step, an hour between steps (timers fall due).
// Returns the seconds it took; fails the benchmark when an event was not
// applied or a deal not won (the event stream is then out of date).
double runFurniture(benchmark::State& state, store::Store& store, BatchingStore* batching) {
  const Furniture& f = furniture();
  engine::VirtualClock clock(1795420800);  // Monday 23 November 2026, 08:00 UTC
  engine::Engine eng(f.module, store, clock);
  int64_t failed = 0;
  auto start = Clock::now();
  for (size_t step = 0; step < f.lives[0].size(); ++step) {
    for (const auto& life : f.lives) failed += !engine::applyWireEvent(eng, f.names, life[step]).ok();
    clock.set(clock.now() + 3600);
    eng.runDue(clock.now());
  }
  if (batching) batching->finish();
  double took = seconds(start);
  auto tx = store.begin();
  int64_t won = 0;
  for (const auto& id : tx->dealIds()) {
    auto d = tx->deal(id);
    won += d && d->stage == f.module.pipelines[0].won;
  }
  tx.reset();
  if (batching) batching->finish();  // the read above opened a batch
  if (failed > 0) state.SkipWithError("some events were not applied: the benchmark's event stream is out of date");
  if (won != kDeals) state.SkipWithError("not every deal was won: the benchmark's event stream is out of date");
  return took;
}

// The writes of every committed transaction of one run (the engine is
// deterministic: the SQLite store gets the very same ones).
const std::vector<RecordedTransaction>& furnitureWrites() {
  static const std::vector<RecordedTransaction> log = [] {
    store::MemoryStore memory;
    RecordingStore recording(memory);
    const Furniture& f = furniture();
    engine::VirtualClock clock(1795420800);
    engine::Engine eng(f.module, recording, clock);
    for (size_t step = 0; step < f.lives[0].size(); ++step) {
      for (const auto& life : f.lives) engine::applyWireEvent(eng, f.names, life[step]);
      clock.set(clock.now() + 3600);
      eng.runDue(clock.now());
    }
    return recording.log();
  }();
  return log;
}

// The recorded writes made again through a store's API, without the engine.
double replayThroughStore(store::Store& store, BatchingStore* batching, const std::vector<RecordedTransaction>& log) {
  auto start = Clock::now();
  for (const RecordedTransaction& writes : log) {
    auto tx = store.begin();
    for (const Write& w : writes) {
      std::visit(
          [&](const auto& op) {
            using Op = std::decay_t<decltype(op)>;
            if constexpr (std::is_same_v<Op, write::PutDeal>)
              tx->putDeal(op.deal);
            else if constexpr (std::is_same_v<Op, write::AddTask>)
              tx->addTask(op.task);
            else if constexpr (std::is_same_v<Op, write::PutTask>)
              tx->putTask(op.task);
            else if constexpr (std::is_same_v<Op, write::AddTimer>)
              tx->addTimer(op.timer);
            else if constexpr (std::is_same_v<Op, write::RemoveTimer>)
              tx->removeTimer(op.id);
            else if constexpr (std::is_same_v<Op, write::AddEffect>)
              tx->addEffect(op.effect);
            else if constexpr (std::is_same_v<Op, write::PutEffect>)
              tx->putEffect(op.effect);
            else if constexpr (std::is_same_v<Op, write::RecordEvent>)
              tx->recordEvent(op.event);
            else if constexpr (std::is_same_v<Op, write::AddHistory>)
              tx->addHistory(op.entry);
            else if constexpr (std::is_same_v<Op, write::AddNote>)
              tx->addNote(op.note);
            else if constexpr (std::is_same_v<Op, write::TakeCounter>)
              tx->takeCounter(op.name);
            else
              tx->putMeta(op.key, op.value);
          },
          w);
    }
    tx->commit();
  }
  if (batching) batching->finish();
  return seconds(start);
}

store::StoreCounts countsOf(const std::string& path) {
  store::SqliteStore s(path);
  auto tx = s.begin();
  return tx->counts();
}

bool sameCounts(const store::StoreCounts& a, const store::StoreCounts& b) {
  return a.deals == b.deals && a.timersPending == b.timersPending && a.effectsPending == b.effectsPending &&
         a.effectsDead == b.effectsDead && a.events == b.events;
}

// Engine on the memory store: what the engine alone costs, for reference.
void BM_MemoryFurniture(benchmark::State& state) {
  double total = 0;
  for (auto _ : state) {
    store::MemoryStore store;
    double took = runFurniture(state, store, nullptr);
    state.SetIterationTime(took);
    total += took;
  }
  state.counters["events_per_s"] = static_cast<double>(furniture().events() * state.iterations()) / total;
}
BENCHMARK(BM_MemoryFurniture)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);

// Args: synchronous (1 FULL, 0 NORMAL), transactions per commit.
void BM_SqliteFurniture(benchmark::State& state) {
  const bool full = state.range(0) == 1;
  const size_t perCommit = static_cast<size_t>(state.range(1));
  store::SqliteOptions options{full ? store::Synchronous::Full : store::Synchronous::Normal};
  const std::vector<RecordedTransaction>& log = furnitureWrites();
  size_t writes = 0;
  for (const auto& tx : log) writes += tx.size();

  double engineTime = 0, apiTime = 0, rawTime = 0, minimalTime = 0;
  for (auto _ : state) {
    BenchDir dir("furniture");
    store::StoreCounts engineCounts, apiCounts, rawCounts;
    {
      store::SqliteStore s(dir.file("engine.db"), options);
      BatchingStore batching(s, perCommit);
      double took = runFurniture(state, batching, &batching);
      state.SetIterationTime(took);
      engineTime += took;
    }
    engineCounts = countsOf(dir.file("engine.db"));
    {
      store::SqliteStore s(dir.file("api.db"), options);
      BatchingStore batching(s, perCommit);
      apiTime += replayThroughStore(batching, &batching, log);
    }
    apiCounts = countsOf(dir.file("api.db"));
    { store::SqliteStore create(dir.file("raw.db"), options); }  // the same tables and indexes
    {
      bench::RawSqliteWriter raw(dir.file("raw.db"), full);
      auto start = Clock::now();
      raw.replay(log, perCommit);
      rawTime += seconds(start);
    }
    rawCounts = countsOf(dir.file("raw.db"));
    { store::SqliteStore create(dir.file("minimal.db"), options); }
    {
      bench::RawSqliteWriter raw(dir.file("minimal.db"), full);
      auto start = Clock::now();
      raw.replayEventAndDeal(log, perCommit);
      minimalTime += seconds(start);
    }
    if (!sameCounts(engineCounts, rawCounts) || !sameCounts(engineCounts, apiCounts)) {
      state.SkipWithError("the replays did not write what the engine wrote");
    }
  }
  const double events = static_cast<double>(furniture().events() * state.iterations());
  state.counters["events_per_s"] = events / engineTime;
  state.counters["api_events_per_s"] = events / apiTime;
  state.counters["raw_events_per_s"] = events / rawTime;
  state.counters["store_vs_raw"] = rawTime / engineTime;
  state.counters["api_vs_raw"] = rawTime / apiTime;
  state.counters["store_vs_minimal"] = minimalTime / engineTime;
  state.counters["tx_per_event"] = static_cast<double>(log.size()) / static_cast<double>(furniture().events());
  state.counters["writes_per_event"] = static_cast<double>(writes) / static_cast<double>(furniture().events());
}
BENCHMARK(BM_SqliteFurniture)
    ->ArgNames({"full", "per_commit"})
    ->Args({1, 1})
    ->Args({1, 64})
    ->Args({0, 1})
    ->Args({0, 64})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);

// ───────────────────────────── restart ────────────────────────────────────

constexpr int64_t kTimers = 1'000'000;
constexpr int64_t kTimerDeals = 100'000;

// A store file with 100k deals and 1M pending timers, made once.
const std::string& millionTimers() {
  static BenchDir dir("restart");
  static const std::string path = [] {
    std::string file = dir.file("timers.db");
    store::SqliteStore s(file, {store::Synchronous::Normal});
    auto tx = s.begin();
    for (int64_t d = 0; d < kTimerDeals; ++d) {
      store::DealRecord deal;
      deal.id = numbered("deal-", d);
      deal.pipeline = 0;
      deal.stage = static_cast<int32_t>(d % 5);
      deal.fields.resize(20);
      tx->putDeal(deal);
    }
    for (int64_t i = 0; i < kTimers; ++i) {
      store::TimerRecord t;
      t.deal = numbered("deal-", i % kTimerDeals);
      t.due = 1795420800 + (i * 7919) % (365 * 86400);  // spread over a year, not in id order
      t.rule = static_cast<int32_t>(i % 40);
      t.epoch = 1;
      t.scheduledAt = 1795420800;
      t.cause = numbered("evt-", i);
      tx->addTimer(std::move(t));
    }
    tx->commit();
    return file;
  }();
  return path;
}

void BM_SqliteRestart1MTimers(benchmark::State& state) {
  const std::string& path = millionTimers();
  for (auto _ : state) {
    auto start = Clock::now();
    auto s = std::make_unique<store::SqliteStore>(path);
    std::optional<int64_t> due = s->nextDue();
    store::StoreCounts counts;
    {
      auto tx = s->begin();
      counts = tx->counts();
    }
    state.SetIterationTime(seconds(start));
    if (!due || counts.timersPending != kTimers || counts.deals != kTimerDeals) {
      state.SkipWithError("the store did not come back with its timers");
    }
    s.reset();
  }
  state.counters["timers"] = static_cast<double>(kTimers);
  state.counters["file_MB"] = static_cast<double>(fs::file_size(path)) / 1e6;
}
BENCHMARK(BM_SqliteRestart1MTimers)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace voronka
