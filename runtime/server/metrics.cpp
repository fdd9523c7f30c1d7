#include "runtime/server/metrics.h"

#include <fmt/format.h>

#include <cstring>

namespace voronka::server {

void Metrics::countEvent(const char* status) {
  if (std::strcmp(status, "applied") == 0)
    applied_++;
  else if (std::strcmp(status, "duplicate") == 0)
    duplicate_++;
  else if (std::strcmp(status, "rejected") == 0)
    rejected_++;
  else if (std::strcmp(status, "failed") == 0)
    failed_++;
  else if (std::strcmp(status, "invalid") == 0)
    invalid_++;
  else
    unknownDeal_++;
}

void Metrics::observeLatency(double seconds) {
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  latencyBuckets_[i]++;
  latencyCount_++;
  latencySumMicros_ += static_cast<uint64_t>(seconds * 1e6);
}

void Metrics::countBatch(size_t events) {
  batches_++;
  batchedEvents_ += events;
}

void Metrics::countHttp(int status) {
  if (status >= 500)
    http5xx_++;
  else if (status >= 400)
    http4xx_++;
  else
    http2xx_++;
}

void Metrics::countOutboxResult(const std::string& status) {
  if (status == "delivered")
    outboxDelivered_++;
  else if (status == "dead")
    outboxDead_++;
  else
    outboxRetried_++;
}

std::string Metrics::render(const store::StoreCounts& counts) const {
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  metric("voronka_events_total", "counter", "Events received, by outcome.");
  const std::pair<const char*, const std::atomic<uint64_t>*> outcomes[] = {
      {"applied", &applied_}, {"duplicate", &duplicate_}, {"rejected", &rejected_},
      {"failed", &failed_},   {"invalid", &invalid_},     {"unknown_deal", &unknownDeal_}};
  for (auto [name, value] : outcomes)
    out += fmt::format("voronka_events_total{{outcome=\"{}\"}} {}\n", name, value->load());

  metric("voronka_event_latency_seconds", "histogram", "From receiving an event to its durable commit.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += latencyBuckets_[i].load();
    out += fmt::format("voronka_event_latency_seconds_bucket{{le=\"{}\"}} {}\n", kBuckets[i], cumulative);
  }
  cumulative += latencyBuckets_[kBuckets.size()].load();
  out += fmt::format("voronka_event_latency_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
  out += fmt::format("voronka_event_latency_seconds_sum {:.6f}\n", static_cast<double>(latencySumMicros_.load()) / 1e6);
  out += fmt::format("voronka_event_latency_seconds_count {}\n", latencyCount_.load());

  metric("voronka_commits_total", "counter", "Group commits (each makes a batch of events durable at once).");
  out += fmt::format("voronka_commits_total {}\n", batches_.load());
  metric("voronka_committed_events_total", "counter", "Events made durable by group commits.");
  out += fmt::format("voronka_committed_events_total {}\n", batchedEvents_.load());
  metric("voronka_store_failures_total", "counter",
         "Batches the store could not commit (their events were answered 503).");
  out += fmt::format("voronka_store_failures_total {}\n", storeFailures_.load());

  metric("voronka_deals", "gauge", "Deals in the store.");
  out += fmt::format("voronka_deals {}\n", counts.deals);
  metric("voronka_timers_pending", "gauge", "Delayed rules and deadlines waiting to fire.");
  out += fmt::format("voronka_timers_pending {}\n", counts.timersPending);
  metric("voronka_timers_fired_total", "counter", "Timers fired.");
  out += fmt::format("voronka_timers_fired_total {}\n", timersFired.load());
  metric("voronka_timers_late_total", "counter",
         "Timers that fired more than a second after they fell due (the server was down or busy).");
  out += fmt::format("voronka_timers_late_total {}\n", timersLate.load());
  metric("voronka_timer_max_lateness_seconds", "gauge", "The largest lateness of a fired timer since start.");
  out += fmt::format("voronka_timer_max_lateness_seconds {}\n", maxLatenessSeconds.load());

  metric("voronka_outbox_backlog", "gauge", "Effects waiting for delivery (letters, messages, webhooks...).");
  out += fmt::format("voronka_outbox_backlog {}\n", counts.effectsPending);
  metric("voronka_outbox_dead_letters", "gauge", "Effects given up after the last attempt.");
  out += fmt::format("voronka_outbox_dead_letters {}\n", counts.effectsDead);
  metric("voronka_outbox_delivered_total", "counter", "Effects delivered since start.");
  out += fmt::format("voronka_outbox_delivered_total {}\n", outboxDelivered_.load());
  metric("voronka_outbox_retries_total", "counter", "Delivery attempts that will be retried.");
  out += fmt::format("voronka_outbox_retries_total {}\n", outboxRetried_.load());
  metric("voronka_outbox_in_flight", "gauge", "Deliveries under way now (at most [outbox] concurrency).");
  out += fmt::format("voronka_outbox_in_flight {}\n", outboxInFlight.load());

  metric("voronka_deployment_running", "gauge",
         "1 while a deployment through POST /v1/modules moves deals (events go on meanwhile).");
  out += fmt::format("voronka_deployment_running {}\n", deployment.running.load());
  metric("voronka_deployment_id", "gauge", "The journal entry of the last deployment through the API (0: none).");
  out += fmt::format("voronka_deployment_id {}\n", deployment.id.load());
  metric("voronka_deployment_deals_moved", "gauge", "Deals the last deployment has moved onto the new version.");
  out += fmt::format("voronka_deployment_deals_moved {}\n", deployment.dealsMoved.load());
  metric("voronka_deployment_deals", "gauge", "Deals in the store when the last deployment started.");
  out += fmt::format("voronka_deployment_deals {}\n", deployment.dealsAtStart.load());
  metric("voronka_deployment_longest_event_wait_seconds", "gauge",
         "The longest an event waited, from receipt to durable commit, while a deployment ran.");
  out += fmt::format("voronka_deployment_longest_event_wait_seconds {:.6f}\n",
                     static_cast<double>(deployment.longestWaitMicros.load()) / 1e6);

  metric("voronka_http_responses_total", "counter", "HTTP responses by class.");
  out += fmt::format("voronka_http_responses_total{{class=\"2xx\"}} {}\n", http2xx_.load());
  out += fmt::format("voronka_http_responses_total{{class=\"4xx\"}} {}\n", http4xx_.load());
  out += fmt::format("voronka_http_responses_total{{class=\"5xx\"}} {}\n", http5xx_.load());
  return out;
}

}  // namespace voronka::server
