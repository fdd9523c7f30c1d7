#include "runtime/server/worker_loop.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <map>

#include "runtime/engine/engine.h"
#include "runtime/engine/names.h"
#include "runtime/engine/wire.h"
#include "runtime/store/pg_db.h"
#include "runtime/store/pg_store.h"
#include "runtime/store/pg_wake_channel.h"
#include "runtime/store/pg_work_queue.h"

namespace voronka::server {

namespace {

// Applied events' outcomes are kept this long for callers that wait for them.
constexpr int64_t kKeepOutcomesSeconds = 3600;
constexpr size_t kForgetPerRound = 5000;

// An event the intake waits for, to answer with its outcome (WorkerIntake::apply).
bool isAwaited(const nlohmann::json& event) {
  if (!event.is_object()) return false;
  auto type = event.find("type");
  return type != event.end() && type->is_string() && (*type == "deal_created" || *type == "manual_move");
}

WorkerDeployOptions withEngineStore(WorkerDeployOptions options, store::Store* engineStore) {
  options.engineStore = engineStore;
  return options;
}

}  // namespace

struct SharedWorker::Parts {
  Parts(const bc::Module& module, engine::Clock& clock, const WorkerOptions& o)
      : store(o.conninfo, store::PostgresOptions{.sharedWorkers = true}),
        wrapped(o.engineStore ? o.engineStore(store) : nullptr),
        // The caller owns the module it starts with.
        deploy(store, clock, std::shared_ptr<const bc::Module>(&module, [](const bc::Module*) {}), o.moduleVersion,
               withEngineStore(o.deploy, wrapped.get())),
        queue(store.connection()),
        listener(o.conninfo),
        appliedNotify(store::pg::notifySql(store::pg::storeSchema(store.connection()), store::pg::Channel::Applied)) {}

  store::PostgresStore store;
  std::unique_ptr<store::Store> wrapped;  // the engines' view of `store` (--crm: the CRM mirror)
  WorkerDeploy deploy;
  store::pg::WorkQueue queue;
  store::pg::WakeListener listener;
  std::string appliedNotify;  // tells the intakes that events a caller waits for were applied
};

SharedWorker::SharedWorker(const bc::Module& module, engine::Clock& clock, WorkerOptions options)
    : options_(std::move(options)), clock_(clock), parts_(std::make_unique<Parts>(module, clock, options_)) {
  thread_ = std::thread([this] { run(); });
}

SharedWorker::~SharedWorker() { stop(); }

void SharedWorker::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void SharedWorker::run() {
  auto lastForget = std::chrono::steady_clock::time_point{};
  while (!stopping_) {
    size_t claimed = 0;
    try {
      claimed = runBatch();
    } catch (const std::exception& e) {
      // Nothing of the batch was kept (a lost connection, a deadlock another
      // transaction won): its deals are claimed again, by this worker or another.
      counters_.failedBatches++;
      std::cerr << "voronka serve: worker: " << e.what() << "\n";
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    if (std::chrono::steady_clock::now() - lastForget > std::chrono::minutes(1)) {
      lastForget = std::chrono::steady_clock::now();
      try {
        parts_->store.beginBatch();
        try {
          parts_->queue.forgetApplied(clock_.now() - kKeepOutcomesSeconds, kForgetPerRound);
        } catch (...) {
          parts_->store.connection().discardPending();
          PQclear(PQexec(parts_->store.connection().handle(), "ROLLBACK"));
          try {
            parts_->store.endBatch();
          } catch (...) {}
          throw;
        }
        parts_->store.endBatch();
      } catch (const std::exception&) {}  // tried again in a minute
    }
    if (claimed >= options_.batch) continue;  // more is waiting: claim again at once
    // A deployment runs: move deals between batches of events.
    if (parts_->deploy.deploying() && moveDeals()) continue;
    // Nothing more due now: wait for a NOTIFY (a hint) or the poll.
    if (options_.pollOnly) {
      std::this_thread::sleep_for(options_.pollInterval);
    } else if (parts_->listener.wait(static_cast<int>(options_.pollInterval.count()))) {
      counters_.wakeups++;
    }
  }
}

size_t SharedWorker::runBatch() {
  Parts& p = *parts_;
  p.store.beginBatchWithFirstRead();  // BEGIN goes with follow()'s read: no round trip of its own
  std::vector<std::string> deals;
  size_t events = 0, timers = 0, worked = 0;
  int64_t moved = 0;     // deals a deployment moved in this batch
  bool awaited = false;  // applied an event whose caller waits for its outcome (worker_intake.h)
  uint64_t effectsBefore = p.store.effectsAdded();
  try {
    p.deploy.follow();  // the version this batch applies everything with
    int64_t now = clock_.now();
    deals = p.queue.claim(now, options_.batch);
    if (deals.empty()) {
      p.store.endBatch();
      return 0;
    }
    // One read each for the deals' inbox rows, rows, timers and seen events;
    // the batch's writes are sent together (PostgresStore::cacheBatch). The
    // inbox is read by a statement of its own, after the claim: its snapshot
    // sees the events of an intake that committed while the claim waited for
    // (or raced) its lock on the deal, which the claim's own snapshot may not.
    std::map<std::string, std::vector<store::pg::WorkQueue::Waiting>> inbox =
        p.queue.waitingOf(deals, options_.eventsPerDeal);
    std::vector<std::string> eventIds;
    std::vector<bool> recorded;
    for (const auto& [deal, waiting] : inbox) {
      for (const auto& w : waiting) {
        eventIds.push_back(w.eventId);
        recorded.push_back(w.recorded);
      }
    }
    p.store.cacheBatch(deals, eventIds, &recorded);
    auto started = std::chrono::steady_clock::now();
    for (const std::string& deal : deals) {
      if (std::chrono::steady_clock::now() - started > options_.batchBudget) break;  // the rest stay due
      ++worked;
      // A deployment has not moved it yet: it moves first, as on one server.
      if (std::optional<std::string> stuck = p.deploy.moveIfBehind(deal)) {
        for (const store::pg::WorkQueue::Waiting& w : inbox[deal]) {
          p.queue.markApplied(w.seq, now, engine::statusName(engine::Outcome::Status::Failed),
                              "internal error: " + *stuck);
          ++events;
        }
        awaited = awaited || !inbox[deal].empty();  // their callers have their answer (failed) too
        p.queue.rescheduleAt(deal, now + 60);       // its timers wait; looked at again in a minute
        continue;
      }
      p.store.scopeTimersToDeal(deal);
      // Only when one of its timers is due (the engine's look costs a transaction).
      auto fireDue = [&](int64_t until) {
        std::optional<int64_t> earliest = p.store.earliestTimerOf(deal);
        if (earliest && *earliest <= until) timers += p.deploy.engine().runDue(until);
      };
      for (const store::pg::WorkQueue::Waiting& w : inbox[deal]) {
        fireDue(w.receivedAt);  // the deal's timers that fell due before this event arrived fire first
        engine::Outcome o;
        try {
          nlohmann::json event = nlohmann::json::parse(w.body);
          std::optional<engine::Outcome> other;
          if (options_.applyOther) {
            other = options_.applyOther(event, p.wrapped ? *p.wrapped : p.store, [&](const nlohmann::json& e) {
              return engine::applyWireEvent(p.deploy.engine(), p.deploy.names(), e);
            });
          }
          o = other ? std::move(*other) : engine::applyWireEvent(p.deploy.engine(), p.deploy.names(), event);
          awaited = awaited || isAwaited(event);
        } catch (const nlohmann::json::exception& e) {
          o = {engine::Outcome::Status::Invalid, std::string("the event is not JSON: ") + e.what()};
        }
        p.queue.markApplied(w.seq, now, engine::statusName(o.status), o.message);
        ++events;
      }
      fireDue(clock_.now());
      p.store.scopeTimersToDeal(std::nullopt);
      // Events beyond the ones taken may wait: due again at once; else at its
      // earliest timer (no event can have come: the intake waits for this batch).
      if (inbox[deal].size() >= options_.eventsPerDeal) {
        p.queue.rescheduleAt(deal, now);
      } else {
        p.queue.rescheduleAt(deal, p.store.earliestTimerOf(deal));
      }
    }
    // With the COMMIT: the intakes waiting for these outcomes read them at once, not at their next look.
    if (awaited && !options_.pollOnly) p.store.connection().defer(p.appliedNotify.c_str(), "telling the intakes");
    moved = p.deploy.recordProgress();
  } catch (...) {
    p.deploy.batchFailed();
    p.store.scopeTimersToDeal(std::nullopt);
    // Nothing of the batch may be kept: roll it back, then close the batch
    // (which, finding no transaction, keeps nothing and says so).
    p.store.connection().discardPending();
    PQclear(PQexec(p.store.connection().handle(), "ROLLBACK"));
    try {
      p.store.endBatch();
    } catch (...) {}
    throw;
  }
  try {
    p.store.endBatch();
  } catch (...) {
    p.deploy.batchFailed();
    throw;
  }
  p.deploy.batchCommitted();
  counters_.dealsMoved += moved;
  size_t claimed = deals.size();  // a full claim, or one cut short by the budget: more is due
  if (worked < claimed) {
    deals.resize(worked);
    claimed = options_.batch;
  }
  if (!deals.empty()) {
    counters_.claims += deals.size();
    counters_.batches++;
    counters_.events += events;
    counters_.timers += timers;
    if (options_.onCommit && p.store.effectsAdded() != effectsBefore) options_.onCommit();
  }
  return claimed;
}

}  // namespace voronka::server

namespace voronka::server {

bool SharedWorker::moveDeals() {
  Parts& p = *parts_;
  uint64_t effectsBefore = p.store.effectsAdded();
  WorkerDeploy::Moved moved;
  try {
    moved = p.deploy.moveSome(p.queue);
  } catch (const std::exception& e) {
    counters_.failedBatches++;  // rolled back: its deals move later, by this worker or another
    std::cerr << "voronka serve: worker: moving deals: " << e.what() << "\n";
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return false;
  }
  counters_.dealsMoved += static_cast<uint64_t>(moved.moved);
  if (options_.onCommit && p.store.effectsAdded() != effectsBefore) options_.onCommit();
  return moved.claimed > 0;
}

}  // namespace voronka::server
