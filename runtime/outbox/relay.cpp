#include "runtime/outbox/relay.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace voronka::outbox {

RelayOptions relayOptionsOf(const ServeConfig& config) {
  const OutboxSettings& o = config.outbox;
  RelayOptions options;
  options.maxAttempts = o.maxAttempts;
  options.backoffInitial = o.backoffInitial;
  options.backoffMax = o.backoffMax;
  options.jitter = o.jitter;
  options.batch = static_cast<size_t>(o.batch);
  options.pollInterval = std::chrono::milliseconds(o.pollIntervalMs);
  double longest = o.timeout;
  for (const auto& t : {config.webhook.timeout, config.smtp.timeout, config.gateway.timeout})
    longest = std::max(longest, t.value_or(0));
  for (const auto& [name, integration] : config.integrations)
    longest = std::max(longest, integration.timeout.value_or(0));
  options.lease = static_cast<int64_t>(std::ceil(longest * static_cast<double>(options.batch))) + 60;
  return options;
}

OutboxRelay::OutboxRelay(store::Store& store, Connectors& connectors, RelayOptions options, engine::Clock& clock)
    : store_(store),
      connectors_(connectors),
      options_(std::move(options)),
      clock_(clock),
      random_(std::random_device{}()) {
  options_.batch = std::max<size_t>(options_.batch, 1);
  options_.maxAttempts = std::max(options_.maxAttempts, 1);
}

std::unique_lock<std::mutex> OutboxRelay::lockStore() {
  return options_.storeMutex ? std::unique_lock<std::mutex>(*options_.storeMutex) : std::unique_lock<std::mutex>();
}

int64_t OutboxRelay::backoff(int32_t attempts) const {
  int64_t delay = options_.backoffInitial;
  for (int32_t i = 1; i < attempts && delay < options_.backoffMax; ++i) delay *= 2;
  return std::min(delay, options_.backoffMax);
}

int64_t OutboxRelay::jittered(int64_t delay) {
  auto spread = static_cast<int64_t>(static_cast<double>(delay) * options_.jitter);
  if (spread <= 0) return delay;
  return delay - std::uniform_int_distribution<int64_t>(0, spread)(random_);
}

size_t OutboxRelay::runOnce() {
  std::vector<store::EffectRecord> claimed;
  {
    auto lock = lockStore();
    int64_t now = clock_.now();
    std::unique_ptr<store::Transaction> tx = store_.begin();
    claimed = tx->dueEffects(now, options_.batch);
    for (store::EffectRecord& effect : claimed) {
      ++effect.attempts;
      effect.nextAttemptAt = now + options_.lease;  // not handed out again while we deliver it
      tx->putEffect(effect);
    }
    tx->commit();
  }
  // Consecutive effects of one kind go to their connector together (a CRM
  // updates up to 50 deals in one call); the order of the outbox is kept.
  for (size_t start = 0; start < claimed.size();) {
    size_t end = start + 1;
    while (end < claimed.size() && claimed[end].kind == claimed[start].kind) ++end;
    std::vector<store::EffectRecord> run(claimed.begin() + static_cast<std::ptrdiff_t>(start),
                                         claimed.begin() + static_cast<std::ptrdiff_t>(end));
    std::vector<DeliveryResult> results;
    auto started = std::chrono::steady_clock::now();
    try {
      results = connectors_.deliverMany(run);
    } catch (const std::exception& e) {
      results.assign(run.size(), DeliveryResult::retry(fmt::format("the connector failed: {}", e.what())));
    }
    // The connector's call: for a run delivered together, the whole call.
    int64_t durationMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    results.resize(run.size(), DeliveryResult::retry("the connector gave no result"));
    for (size_t i = 0; i < run.size(); ++i) record(run[i], results[i], durationMs);
    start = end;
  }
  std::lock_guard<std::mutex> lock(countersMutex_);
  ++counters_.rounds;
  return claimed.size();
}

void OutboxRelay::record(store::EffectRecord effect, const DeliveryResult& result, int64_t durationMs) {
  int64_t now = clock_.now();
  std::string error;
  switch (result.status) {
    case DeliveryResult::Status::Delivered:
      effect.status = "delivered";
      effect.deliveredAt = now;
      effect.nextAttemptAt = 0;
      effect.lastError.clear();
      break;
    case DeliveryResult::Status::Retry:
      if (effect.attempts >= options_.maxAttempts) {
        effect.status = "dead";
        effect.nextAttemptAt = 0;
        effect.lastError = fmt::format("gave up after {} attempts; the last: {}", effect.attempts, result.error);
      } else {
        int64_t delay = jittered(backoff(effect.attempts));
        if (result.retryAfter) delay = std::max(delay, std::min(*result.retryAfter, options_.backoffMax));
        effect.nextAttemptAt = now + delay;
        effect.lastError = result.error;
      }
      break;
    case DeliveryResult::Status::Permanent:
      effect.status = "dead";
      effect.nextAttemptAt = 0;
      effect.lastError = result.error;
      break;
  }
  // The store keeps the attempt as a row of its own, with the effect's new state.
  effect.attempt = store::AttemptRecord{effect.id,
                                        effect.deal,
                                        effect.attempts,
                                        now,
                                        effect.status == "delivered" ? "delivered"
                                        : effect.status == "dead"    ? "dead"
                                                                     : "failed",
                                        result.httpStatus,
                                        result.status == DeliveryResult::Status::Delivered ? "" : result.error,
                                        durationMs};
  {
    auto lock = lockStore();
    std::unique_ptr<store::Transaction> tx = store_.begin();
    tx->putEffect(effect);
    tx->commit();
  }
  effect.attempt.reset();
  if (options_.onRecorded) options_.onRecorded(effect);
  std::lock_guard<std::mutex> lock(countersMutex_);
  if (effect.status == "delivered") {
    ++counters_.delivered;
    return;
  }
  if (effect.status == "dead") {
    ++counters_.dead;
  } else {
    ++counters_.retried;
  }
  counters_.lastError =
      fmt::format("effect {} ({}, deal {}): {}", effect.id, effect.kind, effect.deal, effect.lastError);
  counters_.lastErrorAt = now;
}

void OutboxRelay::noteError(const std::string& error) {
  std::lock_guard<std::mutex> lock(countersMutex_);
  counters_.lastError = error;
  counters_.lastErrorAt = clock_.now();
}

void OutboxRelay::runUntilStopped(const std::atomic<bool>& stop) {
  while (!stop) {
    size_t tried = 0;
    try {
      tried = runOnce();
    } catch (const std::exception& e) {
      noteError(fmt::format("the outbox relay could not use the store: {}", e.what()));
    }
    if (tried >= options_.batch) continue;  // a full round: more may be due
    // Waits in short slices so that `stop` is seen even without wake().
    auto deadline = std::chrono::steady_clock::now() + options_.pollInterval;
    std::unique_lock<std::mutex> lock(wakeMutex_);
    while (!woken_ && !stop) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) break;
      wakeCondition_.wait_for(
          lock, std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(100)));
    }
    woken_ = false;
  }
}

void OutboxRelay::wake() {
  {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    woken_ = true;
  }
  wakeCondition_.notify_all();
}

RelayCounters OutboxRelay::counters() const {
  std::lock_guard<std::mutex> lock(countersMutex_);
  return counters_;
}

}  // namespace voronka::outbox
