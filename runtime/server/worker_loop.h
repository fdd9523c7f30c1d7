// A shared worker (`voronka serve --workers shared`, docs/scaling.md): one
// thread with an engine on a PostgreSQL connection of its own, which claims
// deals with due work in batches (pg_work_queue.h), applies each claimed
// deal's inbox events in the order they were acknowledged and fires its due
// timers in time order between them, and commits the batch. The open
// transaction is the lease; nothing is fetched ahead of the next claim.
// Every batch follows the store's version; while a deployment runs, the
// worker moves deals onto the new version between its batches
// (worker_deploy.h).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include <optional>

#include "runtime/bytecode/module.h"
#include "runtime/engine/clock.h"
#include "runtime/engine/engine.h"
#include "runtime/server/worker_deploy.h"
#include "runtime/store/store.h"

namespace voronka::server {

struct WorkerOptions {
  std::string conninfo;
  std::string moduleVersion;
  // Deals per claim (one transaction). Each batch costs six round trips
  // whatever its size; under load on a shared machine those waits are a
  // good part of a batch, so fewer, larger batches fire more timers a second.
  size_t batch = 512;
  size_t eventsPerDeal = 64;  // a busy deal gives way after this many; the rest wait for the next claim
  // A batch stops taking up its claimed deals after this long and commits;
  // the deals it did not get to stay due. An intake for a claimed deal waits
  // for the commit, so this bounds that wait too.
  std::chrono::milliseconds batchBudget{50};
  bool pollOnly = false;  // no LISTEN (behind PgBouncer in transaction mode)
  std::chrono::milliseconds pollInterval{1000};
  std::function<void()> onCommit;  // after a batch that added to the outbox (wakes the outbox relay)
  // --crm (worker_crm.h): the store this worker's engine commits through —
  // the CRM mirror over the worker's own store, whose commits add the CRM's
  // calls…
  std::function<std::unique_ptr<store::Store>(store::Store& workerStore)> engineStore;
  // …and how an inbox row the engine does not read is applied (a queued CRM
  // report), with `applyWire` applying one wire event; nullopt: the engine's.
  using ApplyWire = std::function<engine::Outcome(const nlohmann::json&)>;
  std::function<std::optional<engine::Outcome>(const nlohmann::json& event, store::Store& engineStore,
                                               const ApplyWire& applyWire)>
      applyOther;
  WorkerDeployOptions deploy;  // following the store's deployments (worker_deploy.h)
};

// For /metrics.
struct WorkerCounters {
  std::atomic<uint64_t> claims{0};   // deals claimed
  std::atomic<uint64_t> batches{0};  // batches committed with at least one deal
  std::atomic<uint64_t> events{0};   // inbox events applied
  std::atomic<uint64_t> timers{0};   // timers fired
  std::atomic<uint64_t> failedBatches{0};
  std::atomic<uint64_t> wakeups{0};     // NOTIFY hints received
  std::atomic<uint64_t> dealsMoved{0};  // deals this worker moved onto a new version (worker_deploy.h)
};

class SharedWorker {
 public:
  // Connects (throws StoreError when it cannot) and starts the thread.
  // `module` (options.moduleVersion) outlives the worker.
  SharedWorker(const bc::Module& module, engine::Clock& clock, WorkerOptions options);
  ~SharedWorker();  // stop()

  // Finishes the batch in hand, then stops. Idempotent.
  void stop();
  // Asks it to stop after the batch in hand, without waiting: a process
  // with several asks them all before it waits for each (stop()).
  void requestStop() { stopping_ = true; }
  const WorkerCounters& counters() const { return counters_; }

  struct Parts;

 private:
  void run();
  // Returns the deals claimed (options_.batch when more are due at once).
  size_t runBatch();
  // Moves deals of a running deployment (its own batch): true when it moved some.
  bool moveDeals();

  WorkerOptions options_;
  engine::Clock& clock_;
  std::unique_ptr<Parts> parts_;
  WorkerCounters counters_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace voronka::server
