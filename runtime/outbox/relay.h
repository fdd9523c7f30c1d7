// The outbox relay: takes the effects the engine committed to the store's
// outbox and hands them to the connectors, retrying with exponential backoff
// and giving up (a dead letter) after the last attempt.
//
// Delivery is at least once. A round claims due effects in one short
// transaction (attempts + 1, and not due again for `lease` seconds), delivers
// each outside any transaction, then records the result in another short
// transaction. If the process stops between a delivery and its record, the
// claim runs out and the effect is sent again — with the same key (the
// Idempotency-Key header, the Message-ID of a letter, `key` in a gateway's
// JSON), by which the receiver recognises it has already seen it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <string>

#include "runtime/engine/clock.h"
#include "runtime/outbox/config.h"
#include "runtime/outbox/connectors.h"
#include "runtime/store/store.h"

namespace voronka::outbox {

struct RelayOptions {
  int32_t maxAttempts = 8;
  int64_t backoffInitial = 5;  // seconds after the 1st failed attempt; doubles after each next one
  int64_t backoffMax = 3600;
  double jitter = 0.1;  // each wait shortened by up to this fraction, so retries spread out
  size_t batch = 32;    // effects claimed per round
  int64_t lease = 600;  // seconds a claimed effect is not claimed again (covers a round's deliveries)
  std::chrono::milliseconds pollInterval{1000};
  // When other threads use the same store, the mutex they hold around each
  // transaction; the relay holds it only around its own short ones.
  std::mutex* storeMutex = nullptr;
  // Called on the relay's thread after each attempt's result is stored, with
  // the effect as stored (status "delivered", "dead", or "pending" to retry):
  // the server counts them for /metrics.
  std::function<void(const store::EffectRecord&)> onRecorded;
};

// The options [outbox] asks for; the lease covers a whole batch at the
// longest timeout any connector has.
RelayOptions relayOptionsOf(const ServeConfig& config);

// For /metrics: totals since the relay started.
struct RelayCounters {
  uint64_t delivered = 0;
  uint64_t retried = 0;  // attempts that failed and will be tried again
  uint64_t dead = 0;     // effects given up on
  uint64_t rounds = 0;
  std::string lastError;  // "effect 12 (webhook, deal D-1): …"
  int64_t lastErrorAt = 0;
};

class OutboxRelay {
 public:
  OutboxRelay(store::Store& store, Connectors& connectors, RelayOptions options, engine::Clock& clock);

  // One round: claims up to `batch` due effects, delivers them and records
  // the results. Returns how many it tried. Store errors propagate.
  size_t runOnce();

  // Rounds until `stop` is set: at once again while rounds are full,
  // otherwise after the poll interval or wake(). Store errors are counted
  // as lastError and the loop goes on.
  void runUntilStopped(const std::atomic<bool>& stop);

  // Cuts the current wait short (new effects were committed, or stop was set).
  void wake();

  RelayCounters counters() const;

  // The wait after `attempts` failed attempts, before jitter.
  int64_t backoff(int32_t attempts) const;

 private:
  std::unique_lock<std::mutex> lockStore();
  // Stores the attempt's outcome (and the attempt as a row of its own).
  void record(store::EffectRecord effect, const DeliveryResult& result, int64_t durationMs);
  int64_t jittered(int64_t delay);
  void noteError(const std::string& error);

  store::Store& store_;
  Connectors& connectors_;
  RelayOptions options_;
  engine::Clock& clock_;
  std::mt19937_64 random_;

  mutable std::mutex countersMutex_;
  RelayCounters counters_;

  std::mutex wakeMutex_;
  std::condition_variable wakeCondition_;
  bool woken_ = false;
};

}  // namespace voronka::outbox
