// `voronka sim` on the furniture example (examples/furniture/rates.toml):
// simulated events per second on one core — deals created, client events
// and timers fired, all through the real engine on the in-memory store.
// The deal counts are kept small enough for `make bench` to finish in
// seconds; a million deals is `voronka sim … --deals 1000000` (docs/sim.md).
// peak_kb_per_deal: how far the run raised the process's peak RSS, per deal
// (a rough figure of memory per deal; near 0 when an earlier run peaked higher).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include "bench/furniture_events.h"
#include "runtime/bytecode/container.h"
#include "runtime/engine/engine.h"
#include "runtime/store/memory_store.h"
#include "tools/sim/rates.h"
#include "tools/sim/simulation.h"

namespace voronka {
namespace {

void BM_SimFurniture(benchmark::State& state) {
  bc::Module m =
      bc::load(bc::serialize(bench::compileFunnelFile(bench::sourceDir() / "examples/furniture/furniture.funnel")));
  engine::Names names(m);
  store::MemoryStore none;
  engine::VirtualClock clock(0);
  engine::Engine probe(m, none, clock);
  Result<sim::Rates> rates =
      sim::loadRates((bench::sourceDir() / "examples/furniture/rates.toml").string(), m, names, probe.calendar(0));
  if (!rates) {
    state.SkipWithError(rates.error().c_str());
    return;
  }
  sim::SimOptions o;
  o.deals = state.range(0);
  uint64_t events = 0;
  auto peakKb = [] {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss);
  };
  double peakBefore = peakKb();
  for (auto _ : state) {
    Result<sim::RunResult> r = sim::simulate(m, *rates, o);
    if (!r) {
      state.SkipWithError(r.error().c_str());
      return;
    }
    events += r->events;
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["peak_kb_per_deal"] = (peakKb() - peakBefore) / static_cast<double>(o.deals);
  state.counters["deals_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * o.deals), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SimFurniture)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace voronka
