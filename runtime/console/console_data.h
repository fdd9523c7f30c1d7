// What the console's pages show, as JSON built from the module and a store
// transaction: the board, a deal's timeline, the outbox, the versions. Plain
// functions of their inputs, so tests and the benchmark call them directly.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "runtime/bytecode/module.h"
#include "runtime/store/store.h"

namespace voronka::console {

// The module's names for the page: pipelines and stages, users, the
// account's time zone, language and currency.
nlohmann::json moduleOutline(const bc::Module& m);

struct BoardFilter {
  int32_t pipeline = 0;
  int32_t responsible = -1;  // a user index; -1: anyone
  std::string tag;           // empty: any
  size_t dealsPerStage = 50;
};

// p90 of the time in each stage, seconds, by (pipeline << 32 | stage):
// a deal in its stage longer than that is stuck.
using StageP90 = std::map<int64_t, int64_t>;
StageP90 p90OfStages(const nlohmann::json& stats, const bc::Module& m);

// The module a deal recorded as running on `version` was written with; null
// when it is the board's own.
using ModuleOfVersion = std::function<const bc::Module*(const std::string& version)>;

// One pipeline as columns: per stage the deals (that pass the filter) and
// their money (the module's first money field), the deals longest in the
// stage first, those overdue (an open task past due) or stuck flagged; all
// tags seen, for the filter. `m` is version `version`'s: while a deployment
// moves deals, a deal still on another version (moduleOf) is put in the
// stage of the same name, or counted as "not_moved" when `m` has none.
nlohmann::json board(const bc::Module& m, store::Transaction& tx, const BoardFilter& filter, const StageP90& p90,
                     int64_t now, const std::string& version = "", const ModuleOfVersion& moduleOf = {});

// The deal, its timeline (events, moves, tasks, effects with their delivery
// attempts, notes; oldest first) and its pending timers with the rule that
// set them. nullopt when there is no such deal.
std::optional<nlohmann::json> dealPage(const bc::Module& m, store::Transaction& tx, const std::string& id);

// status: pending, failing (pending after a failed attempt), dead.
nlohmann::json outbox(store::Transaction& tx, const std::string& status, size_t limit);

// The module version running, every version kept, the deployment journal,
// and the deployment in progress (deploymentInProgress).
nlohmann::json versions(store::Transaction& tx, const std::string& running);

// The deployment moving deals now, as its journal entry says (whoever runs
// it: POST /v1/modules, `voronka deploy`): {"id", "from", "to",
// "started_at", "deals_moved", "deals_in_store"}; null when none runs.
nlohmann::json deploymentInProgress(store::Transaction& tx);

}  // namespace voronka::console
