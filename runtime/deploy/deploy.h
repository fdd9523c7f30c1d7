// A deployment: a new module version put on a store, its deals moved onto it
// as the migration plan says (docs/versions.md).
//
// The plan is validated whole first; nothing changes when it falls short.
// Then each deal moves in its own transaction (a savepoint of a group
// commit), so a crash at any point leaves every deal on exactly one version
// with its own timers; the journal entry stays "running" and the next
// deploy of the same version (or `voronka serve` with it) finishes it. A dry
// run moves every deal in a transaction that is rolled back.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/deploy/migrate_deal.h"
#include "runtime/deploy/plan.h"
#include "runtime/engine/clock.h"
#include "runtime/store/store.h"
#include "runtime/store/store_error.h"

namespace voronka::deploy {

struct DeployOptions {
  std::string by = "cli";  // who asks, for the journal: "cli", "serve", "token:1a2b3c4d"
  bool dryRun = false;
  bool checkOnly = false;   // validate the plan against the store, move nothing (nothing is journaled)
  size_t chunk = 256;       // deals per group commit
  size_t listChanges = 50;  // deals a dry run describes one by one
  // Called after each chunk: a server applies waiting events there.
  std::function<void()> betweenChunks;
};

struct DeployOutcome {
  enum class Status {
    Deployed,        // deals moved (or a dry run that would move them)
    FirstVersion,    // the store had no version yet: nothing to move
    AlreadyCurrent,  // the store runs this version already
    Refused,         // the plan falls short: `problems` says what it lacks
  };
  Status status = Status::Deployed;
  bool dryRun = false;
  std::string fromVersion, toVersion;
  int64_t deployment = 0;  // the journal entry (0 for a dry run)
  bool resumed = false;    // finished an interrupted deployment
  std::vector<std::string> problems;
  std::string diff;  // refused: what changed between the versions, as `voronka diff` shows it
  int64_t deals = 0;
  int64_t timersKept = 0, timersRecomputed = 0, timersCancelled = 0;
  int64_t enterRun = 0, effects = 0, fieldsDropped = 0;
  std::vector<DealChange> changes;    // a dry run's first deals
  std::vector<std::string> failures;  // deals whose retroactive rules failed (moved without them)
  double seconds = 0;
  double longestChunkSeconds = 0;  // the longest time events waited on the migration
  nlohmann::json json() const;
};

// Store failures throw StoreError; a module that does not load, or a store
// that cannot be deployed to now, is an error with its reason.
Result<DeployOutcome> deployModule(store::Store& store, const std::string& moduleBytes, const std::string& source,
                                   const Plan& plan, engine::Clock& clock, const DeployOptions& options);

// The module of a version the store keeps; for a store from before versions,
// the file its meta names, when its content hash matches (then it is kept).
std::optional<std::string> keptModuleBytes(store::Transaction& tx, const std::string& version, int64_t now);

}  // namespace voronka::deploy
