// `voronka stats --store S`: per pipeline and stage, what the store's history
// says (tools/sim/store_stats.h): deals in, conversion, time in stage, loss
// reasons, overdue tasks; as text, JSON or CSV.
#include <fmt/format.h>

#include <iostream>

#include "runtime/engine/clock.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/values.h"
#include "runtime/store/memory_store.h"
#include "runtime/store/sqlite_store.h"
#include "tools/sim/store_stats.h"
#include "tools/voronka/commands.h"
#include "tools/voronka/funnel_input.h"
#include "tools/voronka/store_reader.h"

namespace voronka::tool {

Runner addStatsCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("stats", "Stage statistics from a store's history: conversion, time in stage, losses");
  struct Options {
    std::string store;
    std::string module;
    std::string format = "text";
    std::string now;
    std::string stdlib;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--store", o->store, "The store `voronka serve` wrote (sqlite:PATH, PATH or postgres:CONNINFO)")
      ->required();
  cmd->add_option("--module", o->module,
                  "The funnel the store runs (.funnel or .funnelc); default: the one the store records");
  cmd->add_option("--format", o->format, "text (default), json or csv")->check(CLI::IsMember({"text", "json", "csv"}));
  cmd->add_option("--now", o->now, "Count tasks overdue at this time (\"2026-12-01T10:00\"); default: now");
  cmd->add_option("--stdlib", o->stdlib, "Directory of the std.* modules");
  cmd->footer(
      "Time in stage is over the visits that ended (median and p90); deals still in a stage are counted\n"
      "apart. The store keeps a loss reason only while a deal is lost, so loss reasons count the deals\n"
      "lost now, and overdue tasks are counted at the stage their deal is in now.\n"
      "Exit status: 0 done, 1 the store or its module cannot be read, 2 usage error.");
  return [o]() {
    std::unique_ptr<store::Store> store = openStoreForReading("--store", o->store);
    if (!store) return 1;
    try {
      auto tx = store->begin();
      std::optional<std::string> checksum = tx->meta("module_checksum");
      std::optional<std::string> recordedPath = tx->meta("module_path");
      std::string path = !o->module.empty() ? o->module : recordedPath.value_or("");
      if (path.empty()) {
        std::cerr << fmt::format("voronka: error: --store {}: the store records no module; give it with --module\n",
                                 o->store);
        return 1;
      }
      std::optional<FunnelInput> input = loadFunnelInput(path, o->stdlib);
      if (!input) return 1;
      if (checksum) {
        if (std::optional<std::string> why = storeModuleMismatch(*input, *checksum, recordedPath)) {
          std::cerr << fmt::format(
              "voronka: error: --store {}: {}; its records name stages by position, so give the module it runs "
              "with --module\n",
              o->store, *why);
          return 1;
        }
      }
      int64_t now = engine::RealClock().now();
      if (!o->now.empty()) {
        store::MemoryStore none;
        engine::VirtualClock clock(0);
        engine::Engine probe(input->module, none, clock);
        std::optional<int64_t> at = engine::parseIsoDateTime(o->now, probe.calendar(0));
        if (!at) {
          std::cerr << fmt::format("voronka: error: --now \"{}\" is not a date and time like 2026-12-01T10:00\n",
                                   o->now);
          return 2;
        }
        now = *at;
      }
      nlohmann::json stats = sim::storeStats(input->module, *tx, now);
      if (o->format == "json") {
        std::cout << stats.dump(2) << "\n";
      } else if (o->format == "csv") {
        sim::printStatsCsv(stats, std::cout);
      } else {
        sim::printStatsText(stats, std::cout);
      }
    } catch (const std::exception& e) {
      std::cerr << fmt::format("voronka: error: --store {}: {}\n", o->store, e.what());
      return 1;
    }
    return 0;
  };
}

}  // namespace voronka::tool
