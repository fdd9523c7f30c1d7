// The server's single writer: one thread owns the engine and applies every
// event, in arrival order, in batches that commit together (group commit:
// one fsync for many events); a request is answered only after its batch is
// durable. Between batches it fires the timers that have fallen due, so the
// engine is never used from two threads. A deployment through the API runs
// here too, between batches (LiveMigration below).
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "runtime/engine/engine.h"
#include "runtime/engine/names.h"
#include "runtime/server/idempotency.h"
#include "runtime/server/live_versions.h"
#include "runtime/server/metrics.h"

namespace voronka::server {

// What happened to one event: the engine's outcome, or that the store could
// not make it durable (then the client must send it again).
struct WriteResult {
  engine::Outcome outcome;
  bool stored = true;
  bool keyConflict = false;  // its Idempotency-Key came before with another body: nothing was applied
  bool queued = false;       // shared workers: durable in the inbox, a worker applies it later (answered "queued")
};

struct WriterOptions {
  size_t maxBatch = 256;  // events per commit
  // Called on the writer thread after each durable commit (wakes the outbox relay).
  std::function<void()> onCommit;
  // Due timers fired per commit: after downtime, catching up fires them in
  // batches of this many, oldest first, and takes the queued events between
  // batches, so the writer is never blocked for the whole backlog.
  size_t maxTimersPerBatch = 1000;
  // …and a batch of timers stops after this long (then commits).
  std::chrono::milliseconds timerBatchBudget{40};
  // Shared workers (worker_intake.h): events go to the inbox through this
  // instead, and this writer neither applies events nor fires timers.
  std::function<std::vector<WriteResult>(std::vector<nlohmann::json>, std::optional<IdempotencyClaim>)> intake;
};

// A new module version taking over while the server runs (live_deploy.h):
// from its start every event and timer is applied by its engine, and each
// deal still on the previous version moves onto it first, in a transaction
// of its own in the same group commit; the rest move a chunk at a time
// between batches.
class LiveMigration {
 public:
  virtual ~LiveMigration() = default;
  virtual engine::Engine& engine() = 0;
  virtual LiveVersions::Version version() = 0;
  // An event for `deal` comes next: move the deal first if it has not moved.
  virtual void beforeDeal(const std::string& deal) = 0;
  // Timers due at `now` fire next, up to `count`: move their deals first.
  virtual void beforeTimers(int64_t now, size_t count) = 0;
  // Moves the next chunk of deals (its own group commit); false when every
  // deal has moved and the deployment is journaled done.
  virtual bool step() = 0;
  // A group commit the writer makes starts, or failed (nothing of it kept:
  // the deals it moved are behind again).
  virtual void batchStarting() = 0;
  virtual void batchFailed() = 0;
};

class EventWriter {
 public:
  EventWriter(engine::Engine& engine, LiveVersions& versions, store::Store& store, engine::Clock& clock,
              Metrics& metrics, WriterOptions options = {});
  ~EventWriter();  // stops after the queue is empty

  // Queues events (wire JSON) and waits until they are applied and durable.
  // With a claim (one event only), the event's Idempotency-Key is checked
  // against the body it first came with, in the event's own batch.
  std::vector<WriteResult> apply(std::vector<nlohmann::json> events, std::optional<IdempotencyClaim> claim = {});
  // Wakes the scheduler early (a new timer may be due sooner).
  void poke();
  // Runs `start` on the writer thread between batches — nothing else writes
  // meanwhile — and waits for it (its exceptions are rethrown here). When it
  // returns a migration, that one applies every later event, and its deals
  // move between batches until it is done.
  void migrate(std::function<std::unique_ptr<LiveMigration>()> start);
  // A migration is under way.
  bool migrating() const { return migrating_; }
  LiveVersions& versions() { return versions_; }
  Metrics& metrics() { return metrics_; }
  // Finishes what is queued, then stops the thread. Idempotent.
  void stop();

 private:
  struct Job {
    nlohmann::json event;
    std::optional<IdempotencyClaim> claim;
    std::promise<WriteResult> done;
    std::chrono::steady_clock::time_point queued;
  };
  void run();
  void writeBatch(std::vector<Job>& batch);
  void fireDueTimers();
  std::optional<int64_t> nextDue();  // the store's, or none when it cannot be read now
  WriteResult applyOne(Job& job);
  void startMigrations();
  void stepMigration();

  engine::Engine* engine_;
  const engine::Names* names_;
  LiveVersions& versions_;
  store::Store& store_;
  engine::Clock& clock_;
  Metrics& metrics_;
  WriterOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  std::deque<std::packaged_task<void()>> starts_;
  std::unique_ptr<LiveMigration> migration_;                // under way
  std::vector<std::unique_ptr<LiveMigration>> superseded_;  // done: their engines may still apply events
  std::atomic<bool> migrating_{false};
  uint64_t timersFiredBefore_ = 0, timersLateBefore_ = 0;  // by the engines of earlier versions
  bool stopping_ = false;
  bool poked_ = false;
  std::thread thread_;
};

}  // namespace voronka::server
