// The outbox relay: takes the effects the engine committed to the store's
// outbox and hands them to the connectors, retrying with exponential backoff
// and giving up (a dead letter) after the last attempt.
//
// Delivery is at least once. The relay claims due effects in one short
// transaction (attempts + 1, and not due again for `lease` seconds), hands
// each to a pool of delivery threads outside any transaction, and records
// the results on its own thread in another short transaction (one for the
// results that came back together: the store sees the same writes as
// before, from one thread). If the process stops
// between a delivery and its record, the claim runs out and the effect is
// sent again — with the same key (the Idempotency-Key header, the Message-ID
// of a letter, `key` in a gateway's JSON), by which the receiver recognises
// it has already seen it.
//
// Deliveries run side by side, up to `concurrency`, at most `perTarget` to
// one receiver, one at a time per deal in outbox order
// (delivery_scheduler.h): a slow or hanging receiver holds only its own.
// The store hands out no effect of a deal whose earlier effect is in flight
// or waits to retry (Transaction::dueEffects), and with shared workers on
// PostgreSQL only a deal's head, under a lock on the deal: the order per
// deal holds across the processes too.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "runtime/engine/clock.h"
#include "runtime/outbox/config.h"
#include "runtime/outbox/connectors.h"
#include "runtime/outbox/delivery_scheduler.h"
#include "runtime/store/store.h"

namespace voronka::outbox {

struct RelayOptions {
  int32_t maxAttempts = 8;
  int64_t backoffInitial = 5;  // seconds after the 1st failed attempt; doubles after each next one
  int64_t backoffMax = 3600;
  double jitter = 0.1;     // each wait shortened by up to this fraction, so retries spread out
  size_t batch = 32;       // effects claimed per round (runOnce), and per CRM bulk call
  size_t concurrency = 8;  // deliveries in flight at once (threads of the pool)
  size_t perTarget = 2;    // …to one receiver (delivery_target.h)
  // A claim looks at the oldest max(batch, 4 × concurrency) due effects;
  // when none of them can start (their receivers or deals are busy), at up
  // to this many, so that a hanging receiver's backlog does not hide the
  // effects to other receivers behind it.
  size_t lookahead = 1000;
  int64_t lease = 600;  // seconds a claimed effect is not claimed again (covers a round's deliveries)
  std::chrono::milliseconds pollInterval{1000};
  // When other threads use the same store, the mutex they hold around each
  // transaction; the relay holds it only around its own short ones.
  std::mutex* storeMutex = nullptr;
  // Called on the relay's thread after each attempt's result is stored, with
  // the effect as stored (status "delivered", "dead", or "pending" to retry):
  // the server counts them for /metrics.
  std::function<void(const store::EffectRecord&)> onRecorded;
  // Called on the relay's thread when the number of deliveries under way changes.
  std::function<void(uint64_t)> onInFlight;
};

// The options [outbox] asks for; the lease covers a whole batch at the
// longest timeout any connector has.
RelayOptions relayOptionsOf(const ServeConfig& config);

// For /metrics: totals since the relay started.
struct RelayCounters {
  uint64_t delivered = 0;
  uint64_t retried = 0;   // attempts that failed and will be tried again
  uint64_t dead = 0;      // effects given up on
  uint64_t rounds = 0;    // claims
  uint64_t inFlight = 0;  // deliveries under way now
  std::string lastError;  // "effect 12 (webhook, deal D-1): …"
  int64_t lastErrorAt = 0;
};

class OutboxRelay {
 public:
  OutboxRelay(store::Store& store, Connectors& connectors, RelayOptions options, engine::Clock& clock);

  ~OutboxRelay();  // stops the delivery threads (after their deliveries)

  // One round: claims up to `batch` due effects (in waves, as their deals
  // and receivers allow), delivers them and records every result before it
  // returns. Returns how many it tried. Store errors propagate.
  size_t runOnce();

  // Delivers until `stop` is set: claims whenever a delivery slot is free
  // and effects are due, records each result as it comes, and looks again
  // after the poll interval or wake(). Store errors are counted as
  // lastError and the loop goes on. When `stop` is set it waits for the
  // deliveries in flight (each ends within its timeout) and records them.
  void runUntilStopped(const std::atomic<bool>& stop);

  // Cuts the current wait short (new effects were committed, or stop was set).
  void wake();

  RelayCounters counters() const;

  // The wait after `attempts` failed attempts, before jitter.
  int64_t backoff(int32_t attempts) const;

 private:
  struct Finished {
    DeliveryJob job;
    std::vector<DeliveryResult> results;
  };
  std::unique_lock<std::mutex> lockStore();
  // Claims what the scheduler lets start (up to `budget` effects) and hands
  // it to the pool; returns how many effects it claimed. `more`: the claim
  // saw as many due effects as it looks at.
  size_t dispatch(size_t budget, bool& more);
  // Records the results that came back; returns how many jobs finished.
  size_t recordFinished();
  // Waits until a result comes back, wake() is called, `stop` is set or
  // `timeout` has passed.
  void waitForNews(const std::atomic<bool>* stop, std::chrono::milliseconds timeout);
  void deliveryThread();
  std::vector<DeliveryResult> deliver(const DeliveryJob& job);
  // The effect as the result leaves it: delivered, dead, or due again after the backoff.
  store::EffectRecord settled(store::EffectRecord effect, const DeliveryResult& result, int64_t now);
  void noteRecorded(const store::EffectRecord& effect, int64_t now);
  int64_t jittered(int64_t delay);
  void noteError(const std::string& error);

  store::Store& store_;
  Connectors& connectors_;
  RelayOptions options_;
  engine::Clock& clock_;
  std::mt19937_64 random_;

  mutable std::mutex countersMutex_;
  RelayCounters counters_;

  DeliveryScheduler scheduler_;  // the relay's thread only

  // The pool: jobs go out through `jobs_`, results come back in `finished_`.
  std::mutex poolMutex_;
  std::condition_variable jobReady_;
  std::deque<DeliveryJob> jobs_;
  std::vector<std::thread> threads_;
  size_t idleThreads_ = 0;
  bool stopPool_ = false;

  std::mutex wakeMutex_;  // guards woken_ and finished_
  std::condition_variable wakeCondition_;
  bool woken_ = false;
  std::deque<Finished> finished_;
};

}  // namespace voronka::outbox
