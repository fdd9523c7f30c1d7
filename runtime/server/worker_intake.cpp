#include "runtime/server/worker_intake.h"

#include "runtime/store/pg_work_queue.h"

namespace voronka::server {

namespace {

engine::Outcome::Status statusOfName(const std::string& name) {
  using S = engine::Outcome::Status;
  for (S s : {S::Applied, S::Duplicate, S::Rejected, S::Failed, S::Invalid, S::UnknownDeal}) {
    if (name == engine::statusName(s)) return s;
  }
  return S::Applied;
}

std::string textOf(const nlohmann::json& event, const char* key) {
  auto it = event.find(key);
  return it != event.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

WorkerIntake::WorkerIntake(engine::Clock& clock, IntakeOptions options)
    : clock_(clock), options_(std::move(options)), inbox_(std::make_unique<store::pg::Inbox>(options_.conninfo)) {
  thread_ = std::thread([this] { run(); });
}

WorkerIntake::~WorkerIntake() { stop(); }

void WorkerIntake::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(appliedMutex_);  // a waiter starting the listener has done so
  }
  if (appliedThread_.joinable()) appliedThread_.join();
}

void WorkerIntake::listenForApplied() {
  std::lock_guard lock(appliedMutex_);
  if (appliedListener_ || !options_.notify) return;  // poll-only (PgBouncer): no LISTEN
  {
    std::lock_guard stopLock(mutex_);
    if (stopping_) return;
  }
  appliedListener_ = std::make_unique<store::pg::WakeListener>(options_.conninfo, store::pg::Channel::Applied);
  appliedThread_ = std::thread([this] { runAppliedListener(); });
}

void WorkerIntake::runAppliedListener() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    if (!appliedListener_->wait(200)) continue;
    {
      std::lock_guard lock(appliedMutex_);
      ++appliedCount_;
    }
    appliedChanged_.notify_all();
  }
}

std::vector<WriteResult> WorkerIntake::apply(std::vector<nlohmann::json> events,
                                             std::optional<IdempotencyClaim> claim) {
  std::vector<std::future<WriteResult>> futures;
  bool single = events.size() == 1;
  std::string waitFor;
  if (single) {
    std::string type = textOf(events[0], "type");
    if (type == "deal_created" || type == "manual_move") waitFor = textOf(events[0], "id");
  }
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
    for (auto& e : events) {
      queue_.push_back(Job{std::move(e), single ? claim : std::nullopt, {}});
      futures.push_back(queue_.back().done.get_future());
    }
  }
  wake_.notify_all();
  std::vector<WriteResult> results;
  for (auto& f : futures) results.push_back(f.get());
  if (!waitFor.empty() && results[0].stored && !results[0].keyConflict) {
    bool duplicate = results[0].outcome.status == engine::Outcome::Status::Duplicate;
    results[0] = waitForOutcome(waitFor, results[0]);
    // A resend waits for the first one to be applied, and is answered as a resend.
    if (duplicate) results[0].outcome = {engine::Outcome::Status::Duplicate, "the event was received before"};
  }
  return results;
}

void WorkerIntake::run() {
  for (;;) {
    std::vector<Job> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      while (!queue_.empty() && batch.size() < options_.maxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (batch.empty() && stopping_) return;
    }
    write(batch);
  }
}

void WorkerIntake::write(std::vector<Job>& batch) {
  std::vector<store::pg::Inbox::Item> items;
  for (const Job& job : batch) {
    // `replace`: dumping never throws on this thread (a parsed body is valid UTF-8 anyway).
    store::pg::Inbox::Item item{textOf(job.event, "id"), textOf(job.event, "deal"),
                                job.event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "", ""};
    if (job.claim) {
      item.keyName = job.claim->metaKey;
      item.keyHash = job.claim->bodyHash;
    }
    items.push_back(std::move(item));
  }
  std::vector<WriteResult> results(batch.size());
  try {
    std::vector<store::pg::Inbox::Added> added = inbox_->add(items, clock_.now(), options_.notify);
    for (size_t i = 0; i < batch.size(); ++i) {
      switch (added[i]) {
        case store::pg::Inbox::Added::Queued:
          results[i].outcome = {engine::Outcome::Status::Applied, "a worker applies it"};
          results[i].queued = true;
          break;
        case store::pg::Inbox::Added::Duplicate:
          results[i].outcome = {engine::Outcome::Status::Duplicate, "the event was received before"};
          break;
        case store::pg::Inbox::Added::KeyConflict:
          results[i].keyConflict = true;
          results[i].outcome = {engine::Outcome::Status::Invalid,
                                "this Idempotency-Key came before with another body; use a new key for a new request"};
          break;
      }
    }
  } catch (const std::exception& e) {
    for (auto& r : results) {
      r.stored = false;
      r.outcome = {engine::Outcome::Status::Failed, std::string("the store could not save the event (") + e.what() +
                                                        "); nothing was applied, send it again"};
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done.set_value(std::move(results[i]));
}

WriteResult WorkerIntake::waitForOutcome(const std::string& eventId, WriteResult queued) {
  listenForApplied();
  auto deadline = std::chrono::steady_clock::now() + options_.waitForOutcome;
  auto pause = std::chrono::milliseconds(2);
  uint64_t seen = 0;
  {
    std::lock_guard lock(appliedMutex_);
    seen = appliedCount_;  // taken before the look: a notification after it is not missed
  }
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (std::optional<store::pg::Inbox::Outcome> o = inbox_->outcome(eventId)) {
        WriteResult r;
        r.outcome = {statusOfName(o->status), o->message};
        return r;
      }
    } catch (const std::exception&) {
      // The event is stored; only its outcome cannot be read now.
      return queued;
    }
    // Until a worker says it applied events, or the next look (the backstop:
    // poll-only workers, a listener not listening yet, a lost connection).
    std::unique_lock lock(appliedMutex_);
    appliedChanged_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + pause),
                               [&] { return appliedCount_ != seen; });
    seen = appliedCount_;
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  queued.outcome.message = "no worker applied it yet";
  return queued;
}

}  // namespace voronka::server
