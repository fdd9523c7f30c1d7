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

#include <chrono>
#include <functional>
#include <memory>
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
  // Called first in each deal's transaction: shared workers' dry run takes
  // the deal's work lock there, as a worker would (runtime/server/worker_deploy.h).
  std::function<void(const std::string& deal)> lockDeal;
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
  int64_t dealsInStore = 0;  // when it started
  int64_t timersKept = 0, timersRecomputed = 0, timersCancelled = 0;
  int64_t enterRun = 0, effects = 0, fieldsDropped = 0;
  std::vector<DealChange> changes;    // a dry run's first deals
  std::vector<std::string> failures;  // deals whose retroactive rules failed (moved without them)
  double seconds = 0;
  double longestChunkSeconds = 0;        // the longest time events waited on the migration
  std::vector<std::string> addedTimers;  // keys of the timed rules the new version adds
  std::string addedTimersPolicy;         // what they do for deals already in their stage ([timers] added)
  int64_t addedTimersStarted = 0;        // timers of them started for such deals
  nlohmann::json json() const;
};

// A deployment whose plan held and whose start is journaled (or a dry run):
// its deals still to move. Each deal moves in its own transaction; the
// caller decides when (the CLI in a loop of group commits, a server between
// events: runtime/server/live_deploy.h). Not movable: the map points into it.
class Migration {
 public:
  Migration(store::Store& store, engine::Clock& clock, std::shared_ptr<const bc::Module> from,
            std::shared_ptr<const bc::Module> to, Plan plan, DeployOutcome started, DeployOptions options);
  ~Migration();
  Migration(const Migration&) = delete;
  Migration& operator=(const Migration&) = delete;

  const std::shared_ptr<const bc::Module>& target() const { return to_; }
  const std::shared_ptr<const bc::Module>& source() const { return from_; }
  const std::string& toVersion() const { return out_.toVersion; }
  const DeployOutcome& progress() const { return out_; }

  // Moves the deal now if it is not on the new version yet (an event or a
  // timer of it comes first): true when it moved. Throws when it cannot be
  // moved: the new version must not read it.
  bool moveIfBehind(const std::string& deal);
  // Moves the next deals in creation order, at most `max`, stopping early
  // after `budget`; false when none was left.
  bool moveNext(size_t max, std::chrono::steady_clock::duration budget);
  // The journal entry's result as it stands, in the caller's transaction.
  void saveProgress(store::Transaction& tx);
  // Every deal has moved: the journal entry becomes `done` (its own commit).
  DeployOutcome finish();

  // Where it stands, to go back to when a group commit holding moves fails
  // (its deals are behind again).
  struct Checkpoint {
    int64_t position = 0;
    DeployOutcome out;
  };
  Checkpoint checkpoint() const { return {position_, out_}; }
  void restore(Checkpoint c) {
    position_ = c.position;
    out_ = std::move(c.out);
  }

 private:
  bool move(const std::string& deal);  // false: it could not be moved (listed in failures)

  store::Store& store_;
  engine::Clock& clock_;
  std::shared_ptr<const bc::Module> from_, to_;
  Plan plan_;
  DeployOptions options_;
  DeployOutcome out_;
  std::unique_ptr<VersionMap> map_;
  std::unique_ptr<engine::Engine> engine_;  // the new version's, for what it owes each deal
  std::string cause_;
  int64_t position_ = 0;
  std::chrono::steady_clock::time_point started_;
};

struct Started {
  DeployOutcome outcome;                 // Refused, FirstVersion, AlreadyCurrent: final
  std::unique_ptr<Migration> migration;  // Deployed: the deals to move
};

// Steps 1–3 of docs/versions.md: the module loaded, the plan checked whole,
// and (unless a dry run or checkOnly) the new version kept, the journal's
// `running` entry and the store's active version, in one commit. A
// deployment interrupted before is resumed with the plan it was journaled
// with. Store failures throw StoreError.
Result<Started> startDeployment(store::Store& store, const std::string& moduleBytes, const std::string& source,
                                const Plan& plan, engine::Clock& clock, const DeployOptions& options);

// The whole deployment at once (the CLI, `serve` before it listens): start,
// then every deal in group commits of options.chunk. Store failures throw
// StoreError; a module that does not load, or a store that cannot be
// deployed to now, is an error with its reason.
Result<DeployOutcome> deployModule(store::Store& store, const std::string& moduleBytes, const std::string& source,
                                   const Plan& plan, engine::Clock& clock, const DeployOptions& options);

// The module of a version the store keeps; for a store from before versions,
// the file its meta names, when its content hash matches (then it is kept).
std::optional<std::string> keptModuleBytes(store::Transaction& tx, const std::string& version, int64_t now);

}  // namespace voronka::deploy
