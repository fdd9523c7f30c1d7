// The server's single writer: one thread owns the engine and applies every
// event, in arrival order, in batches that commit together (group commit:
// one fsync for many events); a request is answered only after its batch is
// durable. Between batches it fires the timers that have fallen due, so the
// engine is never used from two threads.
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

class EventWriter {
 public:
  EventWriter(engine::Engine& engine, const engine::Names& names, store::Store& store, engine::Clock& clock,
              Metrics& metrics, WriterOptions options = {});
  ~EventWriter();  // stops after the queue is empty

  // Queues events (wire JSON) and waits until they are applied and durable.
  // With a claim (one event only), the event's Idempotency-Key is checked
  // against the body it first came with, in the event's own batch.
  std::vector<WriteResult> apply(std::vector<nlohmann::json> events, std::optional<IdempotencyClaim> claim = {});
  // Wakes the scheduler early (a new timer may be due sooner).
  void poke();
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

  engine::Engine& engine_;
  const engine::Names& names_;
  store::Store& store_;
  engine::Clock& clock_;
  Metrics& metrics_;
  WriterOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  bool poked_ = false;
  std::thread thread_;
};

}  // namespace voronka::server
