#include "runtime/outbox/relay.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>

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
  options.concurrency = static_cast<size_t>(o.concurrency);
  options.perTarget = static_cast<size_t>(o.perTarget);
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
      random_(std::random_device{}()),
      scheduler_(SchedulerLimits{
          .concurrency = options_.concurrency, .perTarget = options_.perTarget, .maxBatch = options_.batch}) {
  options_.batch = std::max<size_t>(options_.batch, 1);
  options_.maxAttempts = std::max(options_.maxAttempts, 1);
}

OutboxRelay::~OutboxRelay() {
  {
    std::lock_guard<std::mutex> lock(poolMutex_);
    stopPool_ = true;
  }
  jobReady_.notify_all();
  for (std::thread& t : threads_) t.join();
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

size_t OutboxRelay::dispatch(size_t budget, bool& more) {
  std::vector<DeliveryJob> jobs;
  size_t claimed = 0;
  {
    auto lock = lockStore();
    int64_t now = clock_.now();
    std::unique_ptr<store::Transaction> tx = store_.begin();
    // The oldest due effects first; only when none of them can start (their
    // receivers or deals are busy: a hanging receiver's backlog) does the
    // claim look further, up to `lookahead`, for effects to other receivers.
    size_t window = std::min(std::max(options_.batch, 4 * scheduler_.limits().concurrency), options_.lookahead);
    // The store claims only the deals whose effects would start: a trial
    // pick, undone at once (shared workers lock no deal they cannot start).
    size_t seen = 0;
    auto choose = [this, budget, &seen](const std::vector<store::EffectRecord>& due) {
      seen = std::max(seen, due.size());  // the store may ask again, without deals another claim holds
      std::vector<std::string> deals;
      for (const DeliveryJob& job : scheduler_.pick(due, budget)) {
        for (const store::EffectRecord& e : job.effects) deals.push_back(e.deal);
        scheduler_.finished(job);
      }
      return deals;
    };
    for (;;) {
      seen = 0;
      std::vector<store::EffectRecord> due = tx->dueEffectsOfChosen(now, window, choose);
      more = seen >= window;
      jobs = scheduler_.pick(due, budget);
      if (!jobs.empty() || !more || window >= options_.lookahead) break;
      window = std::min(window * 8, options_.lookahead);
    }
    try {
      for (DeliveryJob& job : jobs) {
        for (store::EffectRecord& effect : job.effects) {
          ++effect.attempts;
          effect.nextAttemptAt = now + options_.lease;  // not handed out again while we deliver it
          tx->putEffect(effect);
          ++claimed;
        }
      }
      tx->commit();
    } catch (...) {
      for (const DeliveryJob& job : jobs) scheduler_.finished(job);  // nothing was claimed
      throw;
    }
  }
  {
    std::lock_guard<std::mutex> lock(countersMutex_);
    ++counters_.rounds;
    counters_.inFlight += claimed;
  }
  if (claimed > 0 && options_.onInFlight) options_.onInFlight(counters().inFlight);
  if (jobs.empty()) return 0;
  std::lock_guard<std::mutex> lock(poolMutex_);
  for (DeliveryJob& job : jobs) jobs_.push_back(std::move(job));
  // Threads are started as they are needed, up to `concurrency`: a relay
  // that never has two deliveries at once keeps one.
  for (size_t free = idleThreads_; free < jobs_.size() && threads_.size() < scheduler_.limits().concurrency; ++free)
    threads_.emplace_back([this] { deliveryThread(); });
  jobReady_.notify_all();
  return claimed;
}

void OutboxRelay::deliveryThread() {
  std::unique_lock<std::mutex> lock(poolMutex_);
  for (;;) {
    ++idleThreads_;
    jobReady_.wait(lock, [this] { return stopPool_ || !jobs_.empty(); });
    --idleThreads_;
    if (jobs_.empty()) return;  // stopping, and nothing left to deliver
    DeliveryJob job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    std::vector<DeliveryResult> results = deliver(job);
    {
      std::lock_guard<std::mutex> wakeLock(wakeMutex_);
      finished_.push_back(Finished{std::move(job), std::move(results)});
    }
    wakeCondition_.notify_all();
    lock.lock();
  }
}

std::vector<DeliveryResult> OutboxRelay::deliver(const DeliveryJob& job) {
  // Consecutive effects of one kind go to their connector together (a CRM
  // updates up to 50 deals in one call); the order of the job is kept.
  std::vector<DeliveryResult> results;
  const std::vector<store::EffectRecord>& effects = job.effects;
  for (size_t start = 0; start < effects.size();) {
    size_t end = start + 1;
    while (end < effects.size() && effects[end].kind == effects[start].kind) ++end;
    std::vector<store::EffectRecord> run(effects.begin() + static_cast<std::ptrdiff_t>(start),
                                         effects.begin() + static_cast<std::ptrdiff_t>(end));
    std::vector<DeliveryResult> ran;
    auto started = std::chrono::steady_clock::now();
    try {
      ran = connectors_.deliverMany(run);
    } catch (const std::exception& e) {
      ran.assign(run.size(), DeliveryResult::retry(fmt::format("the connector failed: {}", e.what())));
    }
    ran.resize(run.size(), DeliveryResult::retry("the connector gave no result"));
    // The connector's call: for a run delivered together, the whole call.
    int64_t ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    for (DeliveryResult& r : ran) r.durationMs = ms;
    results.insert(results.end(), ran.begin(), ran.end());
    start = end;
  }
  return results;
}

size_t OutboxRelay::recordFinished() {
  std::deque<Finished> done;
  {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    done.swap(finished_);
  }
  // Free the slots first: a result the store cannot take is delivered
  // again once its claim runs out (at least once), and no slot is lost.
  for (const Finished& f : done) {
    scheduler_.finished(f.job);
    std::lock_guard<std::mutex> lock(countersMutex_);
    counters_.inFlight -= std::min<uint64_t>(counters_.inFlight, f.job.effects.size());
  }
  if (!done.empty() && options_.onInFlight) options_.onInFlight(counters().inFlight);
  if (done.empty()) return 0;
  // The results that came back together are recorded in one transaction
  // (one commit for many deliveries). A store that fails here loses them
  // all; each is delivered again once its claim runs out.
  int64_t now = clock_.now();
  std::vector<store::EffectRecord> recorded;
  for (const Finished& f : done) {
    for (size_t i = 0; i < f.job.effects.size(); ++i) recorded.push_back(settled(f.job.effects[i], f.results[i], now));
  }
  {
    auto lock = lockStore();
    std::unique_ptr<store::Transaction> tx = store_.begin();
    for (const store::EffectRecord& effect : recorded) tx->putEffect(effect);
    tx->commit();
  }
  for (const store::EffectRecord& effect : recorded) noteRecorded(effect, now);
  return done.size();
}

void OutboxRelay::waitForNews(const std::atomic<bool>* stop, std::chrono::milliseconds timeout) {
  // Waits in short slices so that `stop` is seen even without wake().
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> lock(wakeMutex_);
  while (!woken_ && finished_.empty() && !(stop && *stop)) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    wakeCondition_.wait_for(
        lock, std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(100)));
  }
  woken_ = false;
}

size_t OutboxRelay::runOnce() {
  size_t claimed = 0;
  std::exception_ptr failed;
  for (;;) {
    try {
      recordFinished();
      if (!failed && claimed < options_.batch && !scheduler_.full()) {
        bool more = false;
        claimed += dispatch(options_.batch - claimed, more);
      }
    } catch (...) {
      if (!failed) failed = std::current_exception();
    }
    if (scheduler_.jobsInFlight() == 0) break;
    waitForNews(nullptr, std::chrono::hours(1));
  }
  if (failed) std::rethrow_exception(failed);
  return claimed;
}

store::EffectRecord OutboxRelay::settled(store::EffectRecord effect, const DeliveryResult& result, int64_t now) {
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
                                        result.durationMs};
  return effect;
}

void OutboxRelay::noteRecorded(const store::EffectRecord& effect, int64_t now) {
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
    try {
      recordFinished();
      bool more = false;
      if (!scheduler_.full()) dispatch(SIZE_MAX, more);
    } catch (const std::exception& e) {
      noteError(fmt::format("the outbox relay could not use the store: {}", e.what()));
    }
    // Then a result (a free slot), new effects (wake) or the poll.
    waitForNews(&stop, options_.pollInterval);
  }
  // Stopping: the deliveries in flight end within their timeouts; their
  // results are kept, so they are not sent again at the next start.
  while (scheduler_.jobsInFlight() > 0) {
    waitForNews(nullptr, std::chrono::milliseconds(100));
    try {
      recordFinished();
    } catch (const std::exception& e) {
      noteError(fmt::format("the outbox relay could not use the store: {}", e.what()));
    }
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
