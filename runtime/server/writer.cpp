#include "runtime/server/writer.h"

#include "runtime/engine/wire.h"

namespace voronka::server {

EventWriter::EventWriter(engine::Engine& engine, LiveVersions& versions, store::Store& store, engine::Clock& clock,
                         Metrics& metrics, WriterOptions options)
    : engine_(&engine),
      names_(versions.current().names.get()),
      versions_(versions),
      store_(store),
      clock_(clock),
      metrics_(metrics),
      options_(options) {
  if (!options_.intake) thread_ = std::thread([this] { run(); });
}

EventWriter::~EventWriter() { stop(); }

void EventWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventWriter::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

void EventWriter::migrate(std::function<std::unique_ptr<LiveMigration>()> start) {
  // Shared workers have no writer thread: a deployment goes through the
  // store and every worker follows it (worker_deploy.h).
  if (options_.intake) throw std::runtime_error("shared workers deploy through the store, not a writer thread");
  std::packaged_task<void()> task([this, start = std::move(start)] {
    std::unique_ptr<LiveMigration> next = start();
    if (!next) return;
    // /metrics counts timers across versions.
    const engine::EngineStats& before = engine_->stats();
    timersFiredBefore_ += before.timersFired;
    timersLateBefore_ += before.timersLate;
    engine_ = &next->engine();
    versions_.add(next->version());
    names_ = versions_.current().names.get();
    if (migration_) superseded_.push_back(std::move(migration_));
    migration_ = std::move(next);
    migrating_ = true;
  });
  std::future<void> started = task.get_future();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw std::runtime_error("the server is shutting down");
    starts_.push_back(std::move(task));
  }
  wake_.notify_all();
  started.get();
}

void EventWriter::startMigrations() {
  std::deque<std::packaged_task<void()>> starts;
  {
    std::lock_guard lock(mutex_);
    starts.swap(starts_);
  }
  for (auto& start : starts) start();
}

void EventWriter::stepMigration() {
  if (!migration_) return;
  bool more = true;
  try {
    more = migration_->step();
  } catch (const std::exception& e) {
    // Nothing of the chunk was kept; its deals move on a later round. Do
    // not spin on a store that keeps failing.
    metrics_.countStoreFailure();
    metrics_.writes.failed(e.what());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return;
  }
  if (more) return;
  superseded_.push_back(std::move(migration_));
  migrating_ = false;
}

std::vector<WriteResult> EventWriter::apply(std::vector<nlohmann::json> events, std::optional<IdempotencyClaim> claim) {
  if (options_.intake) return options_.intake(std::move(events), std::move(claim));
  std::vector<std::future<WriteResult>> futures;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      std::vector<WriteResult> refused(events.size());
      for (auto& r : refused) {
        r.stored = false;
        r.outcome = {engine::Outcome::Status::Failed, "the server is shutting down; send the event again"};
      }
      return refused;
    }
    auto now = std::chrono::steady_clock::now();
    for (auto& e : events) {
      queue_.push_back(Job{std::move(e), events.size() == 1 ? claim : std::nullopt, {}, now});
      futures.push_back(queue_.back().done.get_future());
    }
  }
  wake_.notify_all();
  std::vector<WriteResult> results;
  for (auto& f : futures) results.push_back(f.get());
  return results;
}

void EventWriter::run() {
  for (;;) {
    // Sleep until work arrives or the next timer falls due (at most a
    // second: the clock may jump, and timers may be added by other means).
    std::optional<int64_t> due = nextDue();
    int64_t now = clock_.now();
    std::vector<Job> batch;
    {
      std::unique_lock lock(mutex_);
      if (queue_.empty() && starts_.empty() && !migration_ && !stopping_ && !poked_ && !(due && *due <= now)) {
        auto wait = std::chrono::seconds(1);
        if (due && *due - now < 1) wait = std::chrono::seconds(std::max<int64_t>(0, *due - now));
        wake_.wait_for(lock, wait, [&] { return !queue_.empty() || !starts_.empty() || stopping_ || poked_; });
      }
      poked_ = false;
      while (!queue_.empty() && batch.size() < options_.maxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (batch.empty() && stopping_) break;
    }
    if (!batch.empty()) writeBatch(batch);
    fireDueTimers();
    startMigrations();
    stepMigration();
  }
  // Stopped: a deployment asked for now does not start (its caller hears so).
  std::lock_guard lock(mutex_);
  starts_.clear();
}

void EventWriter::writeBatch(std::vector<Job>& batch) {
  std::vector<WriteResult> results(batch.size());
  bool stored = true;
  try {
    if (migration_) migration_->batchStarting();
    store_.beginBatch();
    for (size_t i = 0; i < batch.size(); ++i) {
      try {
        if (migration_) {
          auto deal = batch[i].event.find("deal");
          if (batch[i].event.is_object() && deal != batch[i].event.end() && deal->is_string())
            migration_->beforeDeal(deal->get<std::string>());
        }
        results[i] = applyOne(batch[i]);
      } catch (const std::exception& e) {
        // Nothing of this event was kept (its transaction was undone).
        results[i].outcome = {engine::Outcome::Status::Failed, std::string("internal error: ") + e.what()};
      }
    }
    store_.endBatch();
  } catch (const std::exception& e) {
    stored = false;
    if (migration_) migration_->batchFailed();
    metrics_.countStoreFailure();
    metrics_.writes.failed(e.what());
    for (auto& r : results) {
      r.stored = false;
      r.outcome = {engine::Outcome::Status::Failed, std::string("the store could not save the event (") + e.what() +
                                                        "); nothing was applied, send it again"};
    }
  }
  if (stored) {
    metrics_.writes.succeeded();
    metrics_.countBatch(batch.size());
    if (options_.onCommit) options_.onCommit();
  }
  auto now = std::chrono::steady_clock::now();
  for (size_t i = 0; i < batch.size(); ++i) {
    if (results[i].stored) metrics_.countEvent(engine::statusName(results[i].outcome.status));
    double waited = std::chrono::duration<double>(now - batch[i].queued).count();
    metrics_.observeLatency(waited);
    if (migrating_) metrics_.deployment.observeWait(waited);
    batch[i].done.set_value(std::move(results[i]));
  }
}

std::optional<int64_t> EventWriter::nextDue() {
  try {
    return store_.nextDue();
  } catch (const std::exception&) {
    // The store cannot be read now (a PostgreSQL server restarting): look
    // again on the next round, at most a second later; events meanwhile are
    // answered that the store could not save them.
    metrics_.countStoreFailure();
    return std::nullopt;
  }
}

WriteResult EventWriter::applyOne(Job& job) {
  WriteResult result;
  if (!job.claim) {
    result.outcome = engine::applyWireEvent(*engine_, *names_, job.event);
    return result;
  }
  // The key's first body, remembered in the same batch as the event itself:
  // both are durable together or not at all.
  std::optional<std::string> firstBody = store_.begin()->meta(job.claim->metaKey);
  if (firstBody && *firstBody != job.claim->bodyHash) {
    result.keyConflict = true;
    result.outcome = {engine::Outcome::Status::Invalid,
                      "this Idempotency-Key came before with another body; use a new key for a new request"};
    return result;
  }
  result.outcome = engine::applyWireEvent(*engine_, *names_, job.event);
  if (!firstBody) {
    auto tx = store_.begin();
    if (tx->eventSeen(job.claim->eventId)) {  // a refused request (400) remembers nothing
      tx->putMeta(job.claim->metaKey, job.claim->bodyHash);
      tx->commit();
    }
  }
  return result;
}

void EventWriter::fireDueTimers() {
  std::optional<int64_t> due = nextDue();
  int64_t now = clock_.now();
  if (!due || *due > now) return;
  try {
    if (migration_) migration_->batchStarting();
    store_.beginBatch();
    // At most maxTimersPerBatch, and no longer than the time budget: the
    // events queued meanwhile wait for this batch, and no more than that.
    constexpr size_t kChunk = 32;
    auto started = std::chrono::steady_clock::now();
    size_t fired = 0;
    while (fired < options_.maxTimersPerBatch) {
      size_t count = std::min(kChunk, options_.maxTimersPerBatch - fired);
      if (migration_) migration_->beforeTimers(now, count);
      size_t n = engine_->runDue(now, count);
      fired += n;
      if (n < kChunk || std::chrono::steady_clock::now() - started >= options_.timerBatchBudget) break;
    }
    store_.endBatch();
    metrics_.writes.succeeded();
    if (fired > 0 && options_.onCommit) options_.onCommit();
  } catch (const std::exception& e) {
    // Nothing of the batch was kept: the timers are still pending and fire
    // on a later round; do not spin on a store that keeps failing.
    if (migration_) migration_->batchFailed();
    metrics_.countStoreFailure();
    metrics_.writes.failed(e.what());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const engine::EngineStats& s = engine_->stats();
  metrics_.timersFired = timersFiredBefore_ + s.timersFired;
  metrics_.timersLate = timersLateBefore_ + s.timersLate;
  metrics_.maxLatenessSeconds = std::max(metrics_.maxLatenessSeconds.load(), s.maxLatenessSeconds);
}

}  // namespace voronka::server
