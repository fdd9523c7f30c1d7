// Live deployment on shared workers (`voronka serve --workers shared`,
// docs/scaling.md "Deploying on shared workers").
//
// `POST /v1/modules` to any worker starts the deployment in the store, as a
// single server does (deploy::startDeployment: the module kept, the journal's
// `running` entry, the store's active version, in one commit), while holding
// the deployment lock exclusively; then it NOTIFYs the workers. Every worker
// batch takes that lock in shared mode first and reads the store's active
// version and running deployment (WorkerDeploy::follow): a batch applies
// everything with one version from its start to its commit, and once a
// deployment has committed no batch applies anything with the old version.
//
// As on one server, a deal still on the old version moves first (the same
// deploy::Migration, one transaction of the batch), then its events and
// timers are applied by the new version. The other deals are moved in
// chunks by whichever worker claims them (moveSome: FOR UPDATE SKIP LOCKED
// on deal_work, the lock an event batch holds too), so a deal is never moved
// twice nor beside one of its events. Each batch adds what it moved to the
// journal entry's progress in its own commit; the worker that finds nothing
// left marks the entry done. The deployment lives in the store: a worker
// killed at any point leaves its batch rolled back and the others finish it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/result.h"
#include "runtime/bytecode/module.h"
#include "runtime/deploy/deploy.h"
#include "runtime/engine/clock.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/names.h"
#include "runtime/server/live_versions.h"
#include "runtime/server/module_route.h"

namespace voronka::store {
class PostgresStore;
namespace pg {
class WorkQueue;
}
}  // namespace voronka::store

namespace voronka::server {

struct WorkerDeployOptions {
  size_t chunk = 64;                     // deals moved per batch of moveSome()
  std::chrono::milliseconds budget{50};  // …and at most this long
  // A version this worker applies from now on (`current`), or one deals may
  // still be on (an earlier one): the HTTP side reads deals with it.
  std::function<void(const LiveVersions::Version&, bool current)> onVersion;
  std::function<void(const std::string&)> report;  // a line for the log
  std::string name = "worker";                     // how those lines name it ("worker thread 2")
  // The deployment as this worker last saw it (for /metrics' voronka_deployment_*):
  // the journal's deals moved so far, the deals in store at its start.
  std::function<void(int64_t deployment, int64_t moved, int64_t inStore, bool running)> progress;
  // The store the engines commit through (--crm: the CRM mirror over the
  // worker's store, worker_crm.h); null: the worker's store itself.
  store::Store* engineStore = nullptr;
};

class WorkerDeploy {
 public:
  // `store`: the worker's own (its batches). `module`/`version`: what it
  // starts with (the store's active version).
  WorkerDeploy(store::PostgresStore& store, engine::Clock& clock, std::shared_ptr<const bc::Module> module,
               std::string version, WorkerDeployOptions options);
  ~WorkerDeploy();

  // First thing in each batch: takes the deployment lock (shared, until the
  // batch ends) and follows the store's active version and deployment.
  void follow();
  engine::Engine& engine() { return *engine_; }
  const engine::Names& names() const { return *names_; }
  const std::string& version() const { return version_; }
  bool deploying() const { return migration_ != nullptr; }

  // Before anything of `deal` is applied in the batch: moves it onto the
  // current version if a deployment has not yet. nullopt: done (or nothing
  // to do); else why it cannot move (then nothing of it may be applied).
  // Store failures throw (the batch fails).
  std::optional<std::string> moveIfBehind(const std::string& deal);
  // Before the batch commits: what it moved, added to the journal's progress.
  // Returns the deals it moved.
  int64_t recordProgress();
  // The batch was rolled back: its moves did not happen.
  void batchFailed();
  // The batch committed: its progress is told (options.progress).
  void batchCommitted();

  // A batch of its own: moves the next deals of the running deployment (at
  // most options.chunk), or, none being left, marks it done. Throws when
  // the batch failed (rolled back).
  struct Moved {
    size_t claimed = 0;  // 0: none left to claim now
    int64_t moved = 0;   // of them, moved by this batch (others had moved them)
  };
  Moved moveSome(store::pg::WorkQueue& queue);

 private:
  void switchTo(const std::string& active);
  void join(int64_t deployment);
  bool finishIfDone(int64_t now);

  store::Store& engineStore();

  store::PostgresStore& store_;
  engine::Clock& clock_;
  WorkerDeployOptions options_;
  std::shared_ptr<const bc::Module> module_;
  std::shared_ptr<const engine::Names> names_;
  std::string version_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<deploy::Migration> migration_;
  std::optional<deploy::Migration::Checkpoint> checkpoint_;
  std::set<std::string> stuck_;  // deals that cannot move (journaled as failures): not claimed again
  struct Seen {
    int64_t deployment = 0, moved = 0, inStore = 0;
    bool running = false;
  };
  Seen seen_;  // told after the commit
  bool tell_ = false;
  int64_t cursor_ = 0;        // moveSome's position in creation order
  bool rowsEnsured_ = false;  // every deal has its deal_work row (for the claim)
  struct Statements;
  std::unique_ptr<Statements> st_;
};

// The module a shared worker serves, decided at its start (under the start
// lock): the given file on a new store or one that runs it; the store's
// active version when the file is one the store ran before (a worker started
// from an old command line joins the others, never rolls deals back);
// refused when the file is a version the store has never run (a start does
// not deploy: POST it to a running worker).
struct SharedStartModule {
  std::string bytes;    // empty: the file's
  std::string version;  // the version served
  std::string note;     // a line for the log, when it is not the file's
};
Result<SharedStartModule> sharedStartModule(store::PostgresStore& store, const std::string& fileVersion,
                                            const std::string& modulePath);

// POST /v1/modules of a shared worker: starts the deployment in the store
// (the deployment lock taken exclusively on a connection of its own to
// `conninfo`), then wakes every worker.
ExtraRoute sharedModuleRoute(store::Store& store, std::string conninfo, engine::Clock& clock, bool tokensConfigured,
                             std::function<void(const std::string&)> report);

}  // namespace voronka::server
