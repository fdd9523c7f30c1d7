// Runtime benchmarks (issue 3):
//   - a deal guard evaluated by the VM, ns per evaluation, against the same
//     guard as a Lua 5.4 function called from C++ (the usual embedded choice);
//   - the engine on the furniture example: a deal's whole life, events/s;
//   - bytes per pending timer in the in-memory store.
#include <benchmark/benchmark.h>
#if VORONKA_MIMALLOC
#include <mimalloc.h>
#else
#include <malloc.h>
#endif

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include "bench/furniture_events.h"
#include "runtime/bytecode/container.h"
#include "runtime/engine/clock.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/names.h"
#include "runtime/engine/wire.h"
#include "runtime/store/memory_store.h"
#include "runtime/vm/vm.h"

#ifdef VORONKA_BENCH_LUA
#include <lua5.4/lua.hpp>
#endif

namespace voronka {
namespace {

bc::Module compileText(const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / "voronka_bench_guard.funnel";
  {
    std::ofstream out(path);
    out << text;
  }
  return bench::compileFunnelFile(path);
}

// ───────────────────────────── the guard ──────────────────────────────────

const char* kGuardFunnel = R"(
account "A" { timezone "Europe/Moscow" }
field origin: text
field country: text
field value: money
field adults: number
pipeline p "P" {
  stage a "A" { on create when (origin == "MOW" or country == "RU") and (value >= 100 or adults == 1) { note "x" } }
  won "W"
  lost "L" reasons { "a" other "b" }
}
)";

struct GuardDeal {
  std::string origin, country;
  double value;
  double adults;
};

std::vector<GuardDeal> guardDeals() {
  std::mt19937 rng(7);
  const char* origins[] = {"MOW", "LED", "AER", "KZN"};
  const char* countries[] = {"RU", "KZ", "AM", "GE"};
  std::vector<GuardDeal> deals;
  for (int i = 0; i < 1024; ++i) {
    deals.push_back(
        {origins[rng() % 4], countries[rng() % 4], static_cast<double>(rng() % 200), static_cast<double>(rng() % 3)});
  }
  return deals;
}

// Reads the fields straight from the deal, as the engine's host does from its record.
class GuardHost : public vm::Host {
 public:
  explicit GuardHost(const Calendar& calendar) : calendar_(calendar) {}
  const GuardDeal* deal = nullptr;
  bc::Value field(int32_t index) override {
    switch (index) {
      case 0: return bc::Value::text(deal->origin);
      case 1: return bc::Value::text(deal->country);
      case 2: return bc::Value::number(deal->value);
      default: return bc::Value::number(deal->adults);
    }
  }
  bc::Value builtin(bc::BuiltinValue) override { return {}; }
  bc::Value payload(int32_t) override { return {}; }
  const Calendar& calendar() override { return calendar_; }
  void act(const bc::ActionDesc&, const bc::Value*) override {}
  bool splitFirst(const bc::ActionDesc&) override { return false; }

 private:
  const Calendar& calendar_;
};

void BM_VmGuard(benchmark::State& state) {
  bc::Module m = compileText(kGuardFunnel);
  int32_t guard = m.rules.at(0).when;
  vm::Vm machine(m);
  Calendar calendar("Europe/Moscow", {}, {});
  GuardHost host(calendar);
  std::vector<GuardDeal> deals = guardDeals();
  int64_t matched = 0;
  for (auto _ : state) {
    for (const auto& d : deals) {
      host.deal = &d;
      matched += machine.evaluate(guard, host).i;
    }
  }
  benchmark::DoNotOptimize(matched);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(deals.size()));
  state.counters["ns_per_eval"] = benchmark::Counter(static_cast<double>(state.iterations() * deals.size()),
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_VmGuard);

#ifdef VORONKA_BENCH_LUA
// The same guard in Lua: each deal a table, the guard a function called per deal.
void BM_LuaGuard(benchmark::State& state) {
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  luaL_dostring(
      L,
      "return function(d) return (d.origin == 'MOW' or d.country == 'RU') and (d.value >= 100 or d.adults == 1) end");
  int guard = luaL_ref(L, LUA_REGISTRYINDEX);
  std::vector<GuardDeal> deals = guardDeals();
  std::vector<int> tables;
  for (const auto& d : deals) {
    lua_createtable(L, 0, 4);
    lua_pushstring(L, d.origin.c_str());
    lua_setfield(L, -2, "origin");
    lua_pushstring(L, d.country.c_str());
    lua_setfield(L, -2, "country");
    lua_pushnumber(L, d.value);
    lua_setfield(L, -2, "value");
    lua_pushnumber(L, d.adults);
    lua_setfield(L, -2, "adults");
    tables.push_back(luaL_ref(L, LUA_REGISTRYINDEX));
  }
  int64_t matched = 0;
  for (auto _ : state) {
    for (int t : tables) {
      lua_rawgeti(L, LUA_REGISTRYINDEX, guard);
      lua_rawgeti(L, LUA_REGISTRYINDEX, t);
      lua_call(L, 1, 1);
      matched += lua_toboolean(L, -1);
      lua_pop(L, 1);
    }
  }
  benchmark::DoNotOptimize(matched);
  lua_close(L);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(deals.size()));
  state.counters["ns_per_eval"] = benchmark::Counter(static_cast<double>(state.iterations() * deals.size()),
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_LuaGuard);
#endif

// ───────────────────────────── the engine ─────────────────────────────────

// Heap bytes in use, every block counted at the size the allocator gave it.
#if VORONKA_MIMALLOC
// mimalloc's blocks of this thread's heap (the benchmark allocates on one
// thread), the large ones included.
size_t heapInUse() {
  size_t bytes = 0;
  auto count = [](const mi_heap_t*, const mi_heap_area_t*, void* block, size_t size, void* total) {
    if (block) *static_cast<size_t*>(total) += size;
    return true;
  };
  mi_heap_visit_blocks(mi_heap_get_default(), true, count, &bytes);
  return bytes;
}
#else
// glibc's small blocks, and the large ones malloc maps apart (uordblks
// alone leaves those out: the heap's big arrays).
size_t heapInUse() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}
#endif

// 200 furniture deals through their whole life, as wire events, in memory.
// events_per_s counts the wire events; timers_per_s the timers that fired
// meanwhile (each one a transaction of its own, in the same time). With
// `Input::Calls` the events come decoded (engine::WireCall, decoded with the
// timing paused), as `voronka sim` gives them to the engine: the figure is
// the engine's alone, without reading JSON at its edge. kept_bytes_per_event
// is what the store and the engine hold afterwards, per event: what a live
// engine's memory grows by (records, or only the deals' state).
enum class Input { Json, Calls };
void runFurniture(benchmark::State& state, store::MemoryStoreOptions options, Input input = Input::Json) {
  bc::Module m =
      bc::load(bc::serialize(bench::compileFunnelFile(bench::sourceDir() / "examples/furniture/furniture.funnel")));
  engine::Names names(m);
  int64_t events = 0, failed = 0, won = 0, timers = 0;
  int deals = 0;
  // Heap the store and the engine hold after the first iteration's events, per
  // event (the others do the same; the walk of the heap is left out of them).
  double keptBytesPerEvent = -1;
  // One iteration's store, engine and input. Made and destroyed with the
  // timing paused: the figure is events applied, not the input's set-up or
  // the teardown of everything the store kept.
  struct Run {
    Run(const bc::Module& m, const engine::Names& names, store::MemoryStoreOptions options, Input input)
        : store(options), eng(m, store, clock) {
      for (int d = 0; d < 200; ++d) lives.push_back(bench::furnitureLife("d" + std::to_string(d)));
      if (input == Input::Calls) {
        for (const auto& life : lives) {
          calls.emplace_back();
          for (const nlohmann::json& e : life) {
            calls.back().emplace_back();
            if (!engine::decodeWireEvent(eng, names, e, calls.back().back()))
              throw std::runtime_error("the benchmark's event stream is out of date: " + e.dump());
          }
        }
      }
    }
    store::MemoryStore store;
    engine::VirtualClock clock{1795420800};  // Monday 23 November 2026, 08:00 UTC
    engine::Engine eng;
    std::vector<std::vector<nlohmann::json>> lives;
    std::vector<std::vector<engine::WireCall>> calls;  // with Input::Calls
  };
  for (auto _ : state) {
    state.PauseTiming();
    auto run = std::make_unique<Run>(m, names, options, input);
    const bool first = keptBytesPerEvent < 0;
    const size_t heapBefore = first ? heapInUse() : 0;
    const int64_t eventsBefore = events;
    state.ResumeTiming();
    for (size_t step = 0; step < run->lives[0].size(); ++step) {
      for (size_t d = 0; d < run->lives.size(); ++d) {
        engine::Outcome o = input == Input::Calls ? engine::applyWireCall(run->eng, run->calls[d][step])
                                                  : engine::applyWireEvent(run->eng, names, run->lives[d][step]);
        failed += !o.ok();
        ++events;
      }
      run->clock.set(run->clock.now() + 3600);  // an hour between steps: timers fall due
      timers += static_cast<int64_t>(run->eng.runDue(run->clock.now()));
    }
    deals += 200;
    state.PauseTiming();
    if (first)
      keptBytesPerEvent = static_cast<double>(heapInUse() - heapBefore) / static_cast<double>(events - eventsBefore);
    auto tx = run->store.begin();
    for (auto& id : tx->dealIds()) {
      auto d = tx->deal(id);
      won += d && d->stage == m.pipelines[0].won;
    }
    tx.reset();
    run.reset();
    state.ResumeTiming();
  }
  if (failed > 0) state.SkipWithError("some events were not applied: the benchmark's event stream is out of date");
  if (won != deals) state.SkipWithError("not every deal was won: the benchmark's event stream is out of date");
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  // Only where timers fired: a column of zeros has no spread, and its
  // coefficient of variation would print as -nan%.
  if (timers > 0)
    state.counters["timers_per_s"] = benchmark::Counter(static_cast<double>(timers), benchmark::Counter::kIsRate);
  // What a live engine's memory grows by per event: the records kept, or
  // only the deals' state. Times events_per_s, the memory a second of it takes.
  state.counters["kept_bytes_per_event"] = keptBytesPerEvent;
}

// Seven runs of each, reported as their mean, median, spread and
// coefficient of variation: this figure is the one the engine's goal is read
// from, and one run can be off by 2× on a shared machine.
void engineRuns(benchmark::internal::Benchmark* b) { b->Repetitions(7)->ReportAggregatesOnly(true); }

// The store keeps every record: effects, events with their bodies, history, notes.
void BM_EngineFurniture(benchmark::State& state) { runFurniture(state, {}); }
BENCHMARK(BM_EngineFurniture)->Unit(benchmark::kMillisecond)->Apply(engineRuns);

// The store keeps deals, tasks and timers only, as `voronka sim` runs the engine.
// No timer fires here (no timers_per_s column): the only timers of these deals
// that fell due were their tasks' overdue timers, and with no rule on
// task_overdue and no records kept the engine sets none.
void BM_EngineFurnitureNoRecords(benchmark::State& state) { runFurniture(state, {.keepRecords = false}); }
BENCHMARK(BM_EngineFurnitureNoRecords)->Unit(benchmark::kMillisecond)->Apply(engineRuns);

// As `voronka sim` runs the engine: deals, tasks and timers only, and the
// events decoded before they are timed (no JSON read per event).
void BM_EngineFurnitureCalls(benchmark::State& state) { runFurniture(state, {.keepRecords = false}, Input::Calls); }
BENCHMARK(BM_EngineFurnitureCalls)->Unit(benchmark::kMillisecond)->Apply(engineRuns);

// ───────────────────────────── timers ─────────────────────────────────────

// A million timers of 100,000 deals pending in the memory store, scheduled
// as events schedule them: a few per transaction (one transaction of a
// million would count the room of its undo log too).
void BM_PendingTimerMemory(benchmark::State& state) {
  const int64_t count = state.range(0);
  constexpr int64_t kPerTransaction = 10;
  for (auto _ : state) {
    size_t before = heapInUse();
    store::MemoryStore store;
    for (int64_t first = 0; first < count; first += kPerTransaction) {
      auto tx = store.begin();
      for (int64_t i = first; i < std::min(count, first + kPerTransaction); ++i) {
        store::TimerRecord t;
        t.deal = "deal-" + std::to_string(i % 100000);
        t.due = 1795420800 + i % 86400;
        t.rule = static_cast<int32_t>(i % 40);
        t.epoch = 1;
        t.cause = "evt-" + std::to_string(i);
        tx->addTimer(std::move(t));
      }
      tx->commit();
    }
    size_t after = heapInUse();
    state.counters["bytes_per_timer"] = static_cast<double>(after - before) / static_cast<double>(count);
  }
}
BENCHMARK(BM_PendingTimerMemory)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace voronka
