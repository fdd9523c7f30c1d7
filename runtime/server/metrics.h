// Counters and a latency histogram for GET /metrics (Prometheus text format).
// Updated from several threads: everything is atomic.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "runtime/server/write_health.h"
#include "runtime/store/records.h"

namespace voronka::server {

// A deployment through the API (live_deploy.h), as it goes.
struct DeploymentGauges {
  std::atomic<int64_t> id{0};  // the journal entry of the last one; 0: none since the server started
  std::atomic<int64_t> running{0};
  std::atomic<int64_t> dealsMoved{0}, dealsAtStart{0};
  std::atomic<uint64_t> longestWaitMicros{0};  // the longest an event waited while it ran
  void observeWait(double seconds) {
    auto micros = static_cast<uint64_t>(seconds * 1e6);
    uint64_t seen = longestWaitMicros.load();
    while (micros > seen && !longestWaitMicros.compare_exchange_weak(seen, micros)) {}
  }
};

class Metrics {
 public:
  // Seconds; the last bucket is +Inf.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  void countEvent(const char* status);
  void observeLatency(double seconds);
  void countBatch(size_t events);
  void countStoreFailure() { storeFailures_++; }
  void countHttp(int status);

  // The outbox relay (runtime/outbox) reports each effect whose delivery
  // attempt it has recorded, with the status it stored: "delivered", "dead",
  // or "pending" (to be retried).
  void countOutboxResult(const std::string& status);
  // Deliveries the relay has under way now (RelayOptions::onInFlight).
  std::atomic<uint64_t> outboxInFlight{0};

  // The writer's last commit: did the store take it (GET /readyz).
  WriteHealth writes;

  // Copied from the engine by the writer thread after it fires timers.
  std::atomic<uint64_t> timersFired{0}, timersLate{0};
  std::atomic<int64_t> maxLatenessSeconds{0};

  DeploymentGauges deployment;

  // The text of GET /metrics; `counts` are the store's sizes right now.
  std::string render(const store::StoreCounts& counts) const;

 private:
  std::atomic<uint64_t> applied_{0}, duplicate_{0}, rejected_{0}, failed_{0}, invalid_{0}, unknownDeal_{0};
  std::array<std::atomic<uint64_t>, kBuckets.size() + 1> latencyBuckets_{};
  std::atomic<uint64_t> latencyCount_{0};
  std::atomic<uint64_t> latencySumMicros_{0};
  std::atomic<uint64_t> batches_{0}, batchedEvents_{0}, storeFailures_{0};
  std::atomic<uint64_t> http2xx_{0}, http4xx_{0}, http5xx_{0};
  std::atomic<uint64_t> outboxDelivered_{0}, outboxRetried_{0}, outboxDead_{0};
};

}  // namespace voronka::server
