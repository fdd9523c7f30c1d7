// `voronka sim FUNNEL --rates FILE --deals N --horizon 90d --seed S`: a
// forecast. N synthetic deals run through the real compiled funnel (engine,
// in-memory store, virtual clock), with what clients do drawn from a rates
// file (tools/sim, docs/sim.md); the runs are summed up as text, JSON or an
// SVG chart.
#include <fmt/format.h>

#include <iostream>
#include <optional>

#include "common/read_file.h"
#include "common/write_file.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/names.h"
#include "runtime/engine/values.h"
#include "runtime/stats/store_stats.h"
#include "runtime/store/memory_store.h"
#include "tools/sim/rates.h"
#include "tools/sim/report.h"
#include "tools/sim/runs.h"
#include "tools/sim/simulation.h"
#include "tools/sim/stats_rates.h"
#include "tools/voronka/commands.h"
#include "tools/voronka/funnel_input.h"
#include "tools/voronka/store_reader.h"

namespace voronka::tool {

namespace {

std::optional<nlohmann::json> readStats(const std::string& path) {
  Result<std::string> text = readWholeFile(path);
  if (!text) {
    std::cerr << fmt::format("voronka: error: cannot read {}: {}\n", path, text.error());
    return std::nullopt;
  }
  nlohmann::json stats = nlohmann::json::parse(*text, nullptr, false);
  if (stats.is_discarded() || !stats.is_object()) {
    std::cerr << fmt::format("voronka: error: {}: not the JSON of `voronka stats --format json`\n", path);
    return std::nullopt;
  }
  return stats;
}

// `voronka stats` of a store that runs this funnel: the store opened
// read-only, as `voronka stats` opens it (a server may be writing it).
std::optional<nlohmann::json> storeStats(const std::string& spec, const FunnelInput& funnel) {
  std::unique_ptr<store::Store> store = openStoreForReading("--store", spec);
  if (!store) return std::nullopt;
  try {
    auto tx = store->begin();
    if (std::optional<std::string> checksum = tx->meta("module_checksum")) {
      if (std::optional<std::string> why = storeModuleMismatch(funnel, *checksum, tx->meta("module_path"))) {
        std::cerr << fmt::format("voronka: error: --store {}: {}; give the funnel the store runs\n", spec, *why);
        return std::nullopt;
      }
    }
    return stats::storeStats(funnel.module, *tx, engine::RealClock().now());
  } catch (const std::exception& e) {
    std::cerr << fmt::format("voronka: error: --store {}: {}\n", spec, e.what());
    return std::nullopt;
  }
}

}  // namespace

Runner addSimCommand(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("sim", "Forecast a funnel: run synthetic deals through it with clients drawn from rates");
  struct Options {
    std::string funnel;
    std::string rates;
    std::string stats;
    std::string store;
    int64_t deals = 1000;
    std::string horizon = "90d";
    uint64_t seed = 1;
    int runs = 10;
    int jobs = 0;  // 0: sim::defaultJobs
    std::string format = "text";
    std::string svg;
    std::string stdlib;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("funnel", o->funnel, "A .funnel file (or directory) or a .funnelc module")->required();
  auto* ratesOption = cmd->add_option("--rates", o->rates, "What clients do, per stage: a TOML file (docs/sim.md)");
  auto* statsOption = cmd->add_option(
      "--stats", o->stats, "Draw the rates from statistics: a file written by `voronka stats --format json`");
  auto* storeOption =
      cmd->add_option("--store", o->store, "Draw the rates from this store's history (as `voronka stats` reads it)");
  ratesOption->excludes(statsOption)->excludes(storeOption);
  statsOption->excludes(storeOption);
  cmd->add_option("--deals", o->deals, "Deals per run (default 1000)")
      ->check(CLI::Range(int64_t{1}, int64_t{100000000}));
  cmd->add_option("--horizon", o->horizon, "How long to simulate from the rates' start: 90d, 12w… (default 90d)");
  cmd->add_option("--seed", o->seed, "The same seed gives the same output (default 1)");
  cmd->add_option("--runs", o->runs,
                  "Repeated runs, each with its own seed drawn from --seed; percentiles are over "
                  "them (default 10)")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--jobs,-j", o->jobs,
                  "Runs at once, each on a thread of its own (default: one per core, at most --runs); each run "
                  "holds its deals in memory, so the memory needed grows with it. The report is the same "
                  "whatever it is")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--format", o->format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--svg", o->svg, "Also write a chart of won deals per week to this file");
  cmd->add_option("--stdlib", o->stdlib, "Directory of the std.* modules");
  cmd->footer(
      "With --stats or --store, each working stage's rates come from its statistics: the share that\n"
      "went on, the share lost (per loss reason) and the time in stage (log-normal, median and p90).\n"
      "Deals are created in the rates' pipeline at random times over the horizon (or all at the start);\n"
      "each time a deal enters a stage, every entry of that stage in the rates file happens with its\n"
      "probability after its delay, unless the deal has left the stage by then. The module's rules,\n"
      "timers and working hours do the rest. Conversion per stage pools the runs; won deals, revenue\n"
      "and workload have the mean and p10/p50/p90 over the runs.\n"
      "Exit status: 0 done, 1 the rates file is wrong (FILE:LINE:COL) or the funnel does not compile,\n"
      "2 usage or I/O error.");
  return [o]() {
    std::optional<double> horizon = sim::parseDuration(o->horizon);
    if (!horizon || *horizon < 86400) {
      std::cerr << fmt::format("voronka: error: --horizon \"{}\" is not a duration of a day or more like 90d or 12w\n",
                               o->horizon);
      return 2;
    }
    std::optional<FunnelInput> input = loadFunnelInput(o->funnel, o->stdlib);
    if (!input) return 1;
    const bc::Module& module = input->module;
    engine::Names names(module);
    std::unique_ptr<Calendar> calendar;
    try {
      // The account's calendar, as the engine builds it (for the rates' start and the report's dates).
      store::MemoryStore store;
      engine::VirtualClock clock(0);
      engine::Engine probe(module, store, clock);
      calendar = std::make_unique<Calendar>(probe.calendar(0));
    } catch (const std::exception& e) {
      std::cerr << "voronka: error: " << e.what() << "\n";
      return 1;
    }
    Result<sim::Rates> rates = fail("");
    if (!o->rates.empty()) {
      Result<std::string> text = readWholeFile(o->rates);
      if (!text) {
        std::cerr << fmt::format("voronka: error: cannot read {}: {}\n", o->rates, text.error());
        return 2;
      }
      rates = sim::parseRates(*text, o->rates, module, names, *calendar);
    } else if (!o->stats.empty() || !o->store.empty()) {
      std::optional<nlohmann::json> stats = !o->stats.empty() ? readStats(o->stats) : storeStats(o->store, *input);
      if (!stats) return 1;
      rates = sim::ratesFromStats(module, *stats, !o->stats.empty() ? o->stats : o->store,
                                  *engine::parseIsoDateTime("2027-01-04T09:00", *calendar));
    } else {
      std::cerr << "voronka: error: say what clients do: --rates FILE, --stats FILE or --store S\n";
      return 2;
    }
    if (!rates) {
      std::cerr << rates.error() << "\n";
      return 1;
    }
    // The chart's temporary is made before the runs (a million deals take
    // half a minute: a path that cannot be written is said at once); a run
    // that fails leaves the chart there was in place.
    std::optional<AtomicFile> chart;
    if (!o->svg.empty()) {
      if (Result<void> opened = chart.emplace(o->svg).open(); !opened) {
        std::cerr << fmt::format("voronka: error: cannot write {}: {}\n", o->svg, opened.error());
        return 2;
      }
    }
    sim::SimOptions options;
    options.deals = o->deals;
    options.horizon = static_cast<int64_t>(*horizon);
    options.seed = o->seed;  // each run's own seed is drawn from it
    Result<std::vector<sim::RunResult>> runs =
        sim::simulateRuns(module, *rates, options, o->runs, o->jobs > 0 ? o->jobs : sim::defaultJobs(o->runs));
    if (!runs) {
      std::cerr << runs.error() << "\n";
      return 1;
    }
    nlohmann::json report = sim::summarize(module, *rates, options, *calendar, *runs);
    if (o->format == "json") {
      std::cout << report.dump(2) << "\n";
    } else {
      sim::printText(report, std::cout);
    }
    if (chart) {
      if (Result<void> written = chart->commit(sim::svgChart(report)); !written) {
        std::cerr << fmt::format("voronka: error: cannot write {}: {}\n", o->svg, written.error());
        return 2;
      }
    }
    return 0;
  };
}

}  // namespace voronka::tool
