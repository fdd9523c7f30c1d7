// The runtime's storage, as an interface: one event is processed in one
// transaction, which commits every change (deal, tasks, timers, outbox,
// history) together or none of them.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/function_ref.h"
#include "runtime/store/records.h"

namespace voronka::store {

class Transaction {
 public:
  virtual ~Transaction() = default;  // without commit(): everything is undone

  virtual std::optional<DealRecord> deal(const std::string& id) = 0;
  virtual void putDeal(const DealRecord& deal) = 0;
  // putDeal for a caller that is done with the record: a store may take it
  // without copying (the memory store does).
  virtual void saveDeal(DealRecord&& deal) { putDeal(deal); }
  // A deal to change and give back with saveChangedDeal() (or drop, when the
  // change is abandoned): the memory store lends the record it keeps decoded,
  // so nothing is moved or copied per event; other stores read it as deal().
  using DealPtr = std::unique_ptr<DealRecord>;
  virtual DealPtr dealToChange(const std::string& id) {
    std::optional<DealRecord> d = deal(id);
    return d ? std::make_unique<DealRecord>(std::move(*d)) : nullptr;
  }
  virtual void saveChangedDeal(DealPtr deal) { saveDeal(std::move(*deal)); }
  virtual std::vector<std::string> dealIds() = 0;
  // Open deals (not won or lost) whose responsible is `user`.
  virtual int64_t openDealsOf(int32_t user, const std::vector<std::pair<int32_t, int32_t>>& finalStages) = 0;

  virtual int64_t addTask(TaskRecord task) = 0;  // returns its id
  // addTask() of a new, open task of `deal`, given as views: the engine's
  // call, so that a store that keeps texts its own way (the memory store
  // interns them) copies nothing first. `task.id` is not read.
  virtual int64_t addTaskView(std::string_view deal, const TaskView& task) { return addTask(task.record(deal)); }
  virtual void putTask(const TaskRecord& task) = 0;
  virtual std::vector<TaskRecord> tasksOf(const std::string& deal) = 0;
  // The deal's tasks not done yet, in id order: what the engine works on.
  virtual std::vector<TaskRecord> openTasksOf(const std::string& deal) {
    std::vector<TaskRecord> open = tasksOf(deal);
    std::erase_if(open, [](const TaskRecord& t) { return t.done; });
    return open;
  }

  // Shows the deal's open tasks to `visit`, in id order, until it returns
  // false: what the engine reads of tasks, several times an event. A store
  // may show its own texts without copying them (the memory store does);
  // `visit` must not use the transaction.
  virtual void forEachOpenTask(const std::string& deal, FunctionRef<bool(const TaskView&)> visit) {
    for (const TaskRecord& t : openTasksOf(deal)) {
      if (!visit(TaskView::of(t))) return;
    }
  }

  // Marks the deal's open task `id` done at `at`, its comment set when one is
  // given: how the engine completes tasks (a store may do it in place,
  // without reading the task whole); nothing when there is no such open task.
  virtual void completeTask(const std::string& deal, int64_t id, int64_t at, std::optional<std::string_view> comment) {
    for (TaskRecord& t : openTasksOf(deal)) {
      if (t.id != id) continue;
      t.done = true;
      t.completedAt = at;
      if (comment) t.comment = *comment;
      putTask(t);
      return;
    }
  }

  virtual int64_t addTimer(TimerRecord timer) = 0;  // returns its id
  // addTimer() given as views: the engine's call (see addTaskView()).
  virtual int64_t addTimerView(const TimerView& timer) { return addTimer(timer.record()); }
  // Rewrites a pending timer by id (a deployment moves it to a new version):
  // everything but its id and deal.
  virtual void putTimer(const TimerRecord& timer) = 0;
  virtual void removeTimer(int64_t id) = 0;
  virtual std::vector<TimerRecord> timersOf(const std::string& deal) = 0;
  // timersOf, only what the engine checks before cancelling one: a store
  // may read them without their texts.
  virtual std::vector<TimerHead> timerHeadsOf(const std::string& deal) {
    std::vector<TimerHead> out;
    for (const TimerRecord& t : timersOf(deal))
      out.push_back({t.id, t.kind, t.rule, t.epoch, t.unlessEvent, t.unlessArg, t.task});
    return out;
  }
  // Removes the deal's pending timers that `pick` picks; it is asked of each
  // (by its head, oldest first) and must not use the transaction. How the
  // engine cancels timers, several times an event: a store may do it without
  // listing them first.
  virtual void removeTimersOf(const std::string& deal, FunctionRef<bool(const TimerHead&)> pick) {
    for (const TimerHead& t : timerHeadsOf(deal)) {
      if (pick(t)) removeTimer(t.id);
    }
  }
  // Timers due at or before `until`, earliest first (ties by id).
  virtual std::vector<TimerRecord> dueTimers(int64_t until, size_t limit) = 0;

  virtual void addEffect(EffectRecord effect) = 0;
  virtual std::vector<EffectRecord> effectsOf(const std::string& deal) = 0;
  // The outbox relay: pending effects with notBefore and nextAttemptAt at or
  // before `now`, oldest first (by id) — except those of a deal whose earlier
  // effect was tried and is not due again yet (being delivered, or waiting
  // to retry): a deal's effects go out in outbox order. Delivered and dead
  // effects hold nothing back, nor does an untried one whose notBefore is
  // still ahead (it takes its place when it is due). A PostgreSQL store of
  // shared workers hands out only each deal's first such effect, under a
  // lock on the deal (pg_store.h).
  virtual std::vector<EffectRecord> dueEffects(int64_t now, size_t limit) = 0;
  // The relay's claim, locking only what it can start: the due effects as
  // dueEffects(now, limit) finds them, first read without locks and handed
  // to `choose`, which names the deals the relay would start now; then the
  // due effects of those deals only. A PostgreSQL store of shared workers
  // locks only the chosen deals (each deal's head, read again under the
  // lock: it may have changed since), and asks `choose` again without the
  // chosen deals another worker's claim holds. Others just filter dueEffects.
  using DealChoice = std::function<std::vector<std::string>(const std::vector<EffectRecord>& due)>;
  virtual std::vector<EffectRecord> dueEffectsOfChosen(int64_t now, size_t limit, const DealChoice& choose) {
    std::vector<EffectRecord> due = dueEffects(now, limit);
    std::vector<std::string> deals = choose(due);
    std::erase_if(due, [&deals](const EffectRecord& e) {
      for (const std::string& d : deals) {
        if (d == e.deal) return false;
      }
      return true;
    });
    return due;
  }
  // Updates an effect's delivery state (status, attempts, nextAttemptAt,
  // deliveredAt, lastError) by id; the rest stays as it was added. With
  // `effect.attempt` set, that attempt is added to the effect's attempts.
  virtual void putEffect(const EffectRecord& effect) = 0;
  // The delivery attempts of a deal's effects: by effect id, each effect's
  // in the order recorded.
  virtual std::vector<AttemptRecord> attemptsOf(const std::string& deal) = 0;
  // Effects with this status, oldest first (dead letters for the API).
  virtual std::vector<EffectRecord> effectsWithStatus(const std::string& status, size_t limit) = 0;

  virtual bool eventSeen(const std::string& id) = 0;
  // Keeps the event and the rules that fired for it (event.fired); an id
  // recorded already changes nothing.
  virtual void recordEvent(const EventRecord& event) = 0;
  // recordEvent for the engine, which is done with the record and names the
  // rules that fired by views (event.fired is empty): a store may take the
  // record without copying and keep the names without making strings of
  // them per event (the memory store interns them).
  virtual void keepEvent(EventRecord&& event, std::span<const FiredRuleRef> fired) {
    event.fired.reserve(fired.size());
    for (const FiredRuleRef& f : fired)
      event.fired.push_back({f.rule, std::string(f.name), std::string(f.file), f.line});
    recordEvent(event);
  }
  virtual std::optional<EventRecord> event(const std::string& id) = 0;

  virtual void addHistory(const HistoryRecord& entry) = 0;
  virtual std::vector<HistoryRecord> historyOf(const std::string& deal) = 0;
  // A deployment translates a deal's history to the new version's stages.
  virtual void replaceHistory(const std::string& deal, const std::vector<HistoryRecord>& entries) = 0;

  virtual void addNote(const NoteRecord& note) = 0;
  virtual std::vector<NoteRecord> notesOf(const std::string& deal) = 0;

  // A named counter (round robin turns): returns its value, then adds one.
  virtual int64_t takeCounter(const std::string& name) = 0;

  // Sizes, and deals per stage (only stages that have deals).
  virtual StoreCounts counts() = 0;
  virtual std::vector<StageCount> dealsPerStage() = 0;

  // Small named values of the store itself (the module it runs, its format).
  virtual std::optional<std::string> meta(const std::string& key) = 0;
  virtual void putMeta(const std::string& key, const std::string& value) = 0;

  // ── Versions (runtime/versions) ──
  // Every deployed module by its content hash; putting a version that is
  // kept already changes nothing (versions are immutable).
  virtual void putModule(const ModuleRecord& module) = 0;
  virtual std::optional<ModuleRecord> module(const std::string& version) = 0;
  // Every version kept, oldest first, without their bytes.
  virtual std::vector<ModuleRecord> moduleVersions() = 0;
  // The deployment journal: returns the new entry's id.
  virtual int64_t addDeployment(DeploymentRecord deployment) = 0;
  virtual void putDeployment(const DeploymentRecord& deployment) = 0;
  virtual std::optional<DeploymentRecord> deployment(int64_t id) = 0;
  // Newest first.
  virtual std::vector<DeploymentRecord> deployments(size_t limit) = 0;
  // Deals whose moduleVersion is not `version`, after `afterPosition` in
  // creation order (0: from the first), at most `limit`.
  virtual std::vector<DealPosition> dealsNotOn(const std::string& version, int64_t afterPosition, size_t limit) = 0;
  // Pending Rule and Then timers per rule.
  virtual std::vector<RuleTimerCount> timersPerRule() = 0;
  // Recorded events that carry a body, in the order they were recorded, after `afterSeq`.
  virtual std::vector<EventRecord> eventLog(int64_t afterSeq, size_t limit) = 0;

  // ── Whole-store reads (the web console, `voronka stats`) ──
  // Every deal, in creation order. Stores override it with one query; the
  // default reads deal by deal.
  virtual void forEachDeal(const std::function<void(const DealRecord&)>& visit) {
    for (const std::string& id : dealIds()) {
      if (std::optional<DealRecord> d = deal(id)) visit(*d);
    }
  }
  // Every history record, grouped by deal, each deal's in the order recorded.
  virtual void forEachHistory(const std::function<void(const HistoryRecord&)>& visit) {
    for (const std::string& id : dealIds()) {
      for (const HistoryRecord& h : historyOf(id)) visit(h);
    }
  }
  // Open tasks due before `t` (due set), of every deal.
  virtual std::vector<TaskRecord> openTasksDueBefore(int64_t t) {
    std::vector<TaskRecord> out;
    for (const std::string& id : dealIds()) {
      for (const TaskRecord& task : tasksOf(id)) {
        if (!task.done && task.due != 0 && task.due < t) out.push_back(task);
      }
    }
    return out;
  }
  // The events recorded for one deal (client events and fired timers), in
  // the order they were recorded; a store that cannot find them by deal
  // returns none.
  virtual std::vector<EventRecord> eventsOf(const std::string& deal) {
    (void)deal;
    return {};
  }

  virtual void commit() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual std::unique_ptr<Transaction> begin() = 0;
  // The earliest pending timer, to know how far to sleep.
  virtual std::optional<int64_t> nextDue() = 0;
  // The earliest timer due at or before `until`, read on its own (the
  // engine then fires it in a transaction of its own). The memory store
  // reads it without opening a transaction.
  virtual std::optional<TimerRecord> firstDueTimer(int64_t until) {
    std::vector<TimerRecord> due = begin()->dueTimers(until, 1);
    if (due.empty()) return std::nullopt;
    return std::move(due.front());
  }

  // Group commit. Between beginBatch() and endBatch() each transaction's
  // commit() is provisional (a savepoint of one store transaction); endBatch()
  // makes the whole batch durable at once — one fsync for many events — and
  // throws std::runtime_error if it could not, in which case nothing of the
  // batch is kept. A store without durability does nothing here.
  virtual void beginBatch() {}
  virtual void endBatch() {}

  // Whether what the engine writes only to be read back — effects (the
  // outbox), processed events, stage history, notes — is kept. A store that
  // drops them (the memory store of `voronka sim`) lets the engine skip
  // making them.
  virtual bool keepsRecords() const { return true; }
};

}  // namespace voronka::store
