// Stage speed and conversion (domain article 004): what a store's history
// says about each stage, for `voronka stats`, `voronka sim --store` and the
// web console. Read through the Store interface only (its whole-store reads),
// so any store (memory, SQLite) gives the same figures.
//
// What the store keeps and what it does not: every stage change of a deal
// (history: from, to, when, how), each deal's current stage and, while it is
// lost, its loss reason, and its tasks with their due times. It keeps no
// loss reason for a deal that was lost and reopened, so loss reasons count
// the deals lost now.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <ostream>

#include "runtime/bytecode/module.h"
#include "runtime/store/store.h"

namespace voronka::stats {

// Per pipeline, per stage (the module's order): deals_in, to_next, to_won
// (fractions of deals_in), lost_here, time_in_stage {visits, median, p90}
// in seconds over the visits that ended, still_in, overdue_tasks (open
// tasks of the deals in the stage now, due before `now`); per pipeline the
// loss reasons of its lost deals.
//
// With a period, only the stage visits that began in [from, to) count (a
// deal that entered the stage then, wherever it went after), and loss
// reasons only of deals lost in it.
struct Period {
  int64_t from = INT64_MIN;
  int64_t to = INT64_MAX;
  bool contains(int64_t t) const { return t >= from && t < to; }
};
nlohmann::json storeStats(const bc::Module& module, store::Transaction& tx, int64_t now, Period period = {});

void printStatsText(const nlohmann::json& stats, std::ostream& out);
void printStatsCsv(const nlohmann::json& stats, std::ostream& out);

}  // namespace voronka::stats
