// The HTTP intake of a shared worker (`voronka serve --workers shared`): an
// event is acknowledged once its inbox row is committed (pg_work_queue.h); a
// worker applies it later. Requests arriving together are written in one
// transaction (group commit), on a connection of the intake's own.
//
// What a request is answered: a queued event 202 "queued", an event id the
// inbox has already 200 "duplicate", an
// Idempotency-Key reused with another body 422. A single deal_created or
// manual_move (POST /v1/deals, POST /v1/deals/ID/move) waits for its worker,
// up to `waitForOutcome`, and is answered with the outcome it had: the worker
// that applies it says so on the store's Applied channel (pg_wake_channel.h),
// which a thread of the intake listens on from the first such request (a
// connection of its own), so the answer goes as soon as the work is done;
// looks at the inbox 2, 4, 8… up to 50 ms apart are the backstop.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "runtime/engine/clock.h"
#include "runtime/server/idempotency.h"
#include "runtime/server/writer.h"

namespace voronka::store::pg {
class Inbox;
class WakeListener;
}  // namespace voronka::store::pg

namespace voronka::server {

struct IntakeOptions {
  std::string conninfo;
  bool notify = true;  // NOTIFY the workers (off in poll-only mode)
  size_t maxBatch = 256;
  std::chrono::milliseconds waitForOutcome{10000};
};

class WorkerIntake {
 public:
  // Connects (throws StoreError when it cannot) and starts the thread.
  WorkerIntake(engine::Clock& clock, IntakeOptions options);
  ~WorkerIntake();

  std::vector<WriteResult> apply(std::vector<nlohmann::json> events, std::optional<IdempotencyClaim> claim);
  void stop();

 private:
  struct Job {
    nlohmann::json event;
    std::optional<IdempotencyClaim> claim;
    std::promise<WriteResult> done;
  };
  void run();
  void write(std::vector<Job>& batch);
  WriteResult waitForOutcome(const std::string& eventId, WriteResult queued);
  // Starts the thread listening for workers' Applied notifications, once.
  void listenForApplied();
  void runAppliedListener();

  engine::Clock& clock_;
  IntakeOptions options_;
  std::unique_ptr<store::pg::Inbox> inbox_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread thread_;

  // Bumped by each Applied notification; waiters wait for it to change.
  std::mutex appliedMutex_;
  std::condition_variable appliedChanged_;
  uint64_t appliedCount_ = 0;
  std::unique_ptr<store::pg::WakeListener> appliedListener_;
  std::thread appliedThread_;
};

}  // namespace voronka::server
