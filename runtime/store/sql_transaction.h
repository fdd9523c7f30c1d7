// What the two SQL stores (sqlite_store.cpp, pg_store.cpp) do alike: their
// statements have the same names and select the same columns in the same
// order (each store's TASK_COLUMNS, TIMER_COLUMNS, …), and their Query
// classes (sqlite::Query, pg::Query) bind and read values with the same
// calls. So reading a record, and every transaction method that is one
// statement bound and read the same way, is written once here; each store's
// transaction adds what differs (its writes, the PostgreSQL batch cache,
// the deal row, events and their fired rules).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "runtime/store/store.h"

namespace voronka::store::sql {

// Rows as each store's statements select them.

template <class Query>
TaskRecord readTask(const Query& q) {
  TaskRecord t;
  t.id = q.i64(0);
  t.deal = q.text(1);
  t.type = q.i32(2);
  t.text = q.text(3);
  t.due = q.i64(4);
  t.responsible = q.i32(5);
  t.done = q.i64(6) != 0;
  t.createdAt = q.i64(7);
  t.completedAt = q.i64(8);
  t.comment = q.text(9);
  t.epoch = q.u64(10);
  return t;
}

template <class Query>
TimerRecord readTimer(const Query& q) {
  TimerRecord t;
  t.id = q.i64(0);
  t.deal = q.text(1);
  t.due = q.i64(2);
  t.kind = static_cast<TimerKind>(q.i64(3));
  t.rule = q.i32(4);
  t.action = q.i32(5);
  t.epoch = q.u64(6);
  t.event = q.i32(7);
  t.payload = q.text(8);
  t.unlessEvent = q.i32(9);
  t.unlessArg = q.i32(10);
  t.task = q.i64(11);
  t.scheduledAt = q.i64(12);
  t.cause = q.text(13);
  return t;
}

template <class Query>
EventRecord readEvent(const Query& q) {
  EventRecord e{q.text(0), q.text(1), q.text(2), q.i64(3), q.text(4)};
  e.moduleVersion = q.text(5);
  e.body = q.text(6);
  e.seq = q.i64(7);
  return e;
}

template <class Query>
DeploymentRecord readDeployment(const Query& q) {
  DeploymentRecord d;
  d.id = q.i64(0);
  d.startedAt = q.i64(1);
  d.finishedAt = q.i64(2);
  d.by = q.text(3);
  d.fromVersion = q.text(4);
  d.toVersion = q.text(5);
  d.plan = q.text(6);
  d.status = q.text(7);
  d.result = q.text(8);
  return d;
}

template <class Query>
EffectRecord readEffect(const Query& q) {
  EffectRecord e;
  e.id = q.i64(0);
  e.deal = q.text(1);
  e.kind = q.text(2);
  e.key = q.text(3);
  e.payload = q.text(4);
  e.createdAt = q.i64(5);
  e.notBefore = q.i64(6);
  e.status = q.text(7);
  e.attempts = q.i32(8);
  e.nextAttemptAt = q.i64(9);
  e.deliveredAt = q.i64(10);
  e.lastError = q.text(11);
  return e;
}

// The transaction methods both stores run as one statement of the same name.
template <class Query, class Statements>
class SqlTransaction : public Transaction {
 public:
  std::vector<AttemptRecord> attemptsOf(const std::string& deal) override {
    std::vector<AttemptRecord> out;
    Query q(st_.attemptsOf);
    q.bind(deal);
    while (q.step()) out.push_back({q.i64(0), q.text(1), q.i32(2), q.i64(3), q.text(4), q.i32(5), q.text(6), q.i64(7)});
    return out;
  }
  StoreCounts counts() override {
    Query q(st_.counts);
    StoreCounts c;
    if (q.step()) c = {q.i64(0), q.i64(1), q.i64(2), q.i64(3), q.i64(4)};
    return c;
  }
  std::vector<std::string> dealIds() override {
    std::vector<std::string> out;
    Query q(st_.dealIds);
    while (q.step()) out.push_back(q.text(0));
    return out;
  }
  std::vector<DealPosition> dealsNotOn(const std::string& version, int64_t afterPosition, size_t limit) override {
    std::vector<DealPosition> out;
    Query q(st_.dealsNotOn);
    q.bind(afterPosition).bind(version).bindLimit(limit);
    while (q.step()) out.push_back({q.i64(0), q.text(1)});
    return out;
  }
  std::vector<StageCount> dealsPerStage() override {
    std::vector<StageCount> out;
    Query q(st_.dealsPerStage);
    while (q.step()) out.push_back({q.i32(0), q.i32(1), q.i64(2)});
    return out;
  }
  std::optional<DeploymentRecord> deployment(int64_t id) override {
    Query q(st_.deployment);
    q.bind(id);
    if (!q.step()) return std::nullopt;
    return readDeployment(q);
  }
  std::vector<DeploymentRecord> deployments(size_t limit) override {
    std::vector<DeploymentRecord> out;
    Query q(st_.deployments);
    q.bindLimit(limit);
    while (q.step()) out.push_back(readDeployment(q));
    return out;
  }
  std::vector<EffectRecord> effectsOf(const std::string& deal) override {
    std::vector<EffectRecord> out;
    Query q(st_.effectsOf);
    q.bind(deal);
    while (q.step()) out.push_back(readEffect(q));
    return out;
  }
  std::vector<EffectRecord> effectsWithStatus(const std::string& status, size_t limit) override {
    std::vector<EffectRecord> out;
    Query q(st_.effectsWithStatus);
    q.bind(status).bindLimit(limit);
    while (q.step()) out.push_back(readEffect(q));
    return out;
  }
  std::vector<EventRecord> eventLog(int64_t afterSeq, size_t limit) override {
    std::vector<EventRecord> out;
    Query q(st_.eventLog);
    q.bind(afterSeq).bindLimit(limit);
    while (q.step()) out.push_back(readEvent(q));
    return out;
  }
  void forEachHistory(const std::function<void(const HistoryRecord&)>& visit) override {
    Query q(st_.allHistory);
    while (q.step()) visit({q.text(0), q.i32(1), q.i32(2), q.i32(3), q.i32(4), q.i64(5), q.text(6), q.text(7)});
  }
  std::vector<HistoryRecord> historyOf(const std::string& deal) override {
    std::vector<HistoryRecord> out;
    Query q(st_.historyOf);
    q.bind(deal);
    while (q.step()) {
      out.push_back({q.text(0), q.i32(1), q.i32(2), q.i32(3), q.i32(4), q.i64(5), q.text(6), q.text(7)});
    }
    return out;
  }
  std::optional<std::string> meta(const std::string& key) override {
    Query q(st_.meta);
    q.bind(key);
    if (!q.step()) return std::nullopt;
    return q.text(0);
  }
  std::optional<ModuleRecord> module(const std::string& version) override {
    Query q(st_.module);
    q.bind(version);
    if (!q.step()) return std::nullopt;
    return ModuleRecord{q.text(0), std::string(q.blob(1)), q.text(2), q.i64(3)};
  }
  std::vector<ModuleRecord> moduleVersions() override {
    std::vector<ModuleRecord> out;
    Query q(st_.moduleVersions);
    while (q.step()) out.push_back({q.text(0), "", q.text(1), q.i64(2)});
    return out;
  }
  std::vector<NoteRecord> notesOf(const std::string& deal) override {
    std::vector<NoteRecord> out;
    Query q(st_.notesOf);
    q.bind(deal);
    while (q.step()) out.push_back({q.text(0), q.i64(1), q.text(2)});
    return out;
  }
  int64_t openDealsOf(int32_t user, const std::vector<std::pair<int32_t, int32_t>>& finalStages) override {
    int64_t count = 0;
    Query q(st_.dealsOfUser);
    q.bind(user);
    while (q.step()) {
      std::pair<int32_t, int32_t> at{q.i32(0), q.i32(1)};
      bool closed = false;
      for (const auto& f : finalStages) closed = closed || f == at;
      if (!closed) count += q.i64(2);
    }
    return count;
  }
  std::vector<TaskRecord> openTasksDueBefore(int64_t t) override {
    std::vector<TaskRecord> out;
    Query q(st_.openTasksDueBefore);
    q.bind(t);
    while (q.step()) out.push_back(readTask(q));
    return out;
  }
  void putDeployment(const DeploymentRecord& d) override {
    Query q(st_.putDeployment);
    q.bind(d.startedAt).bind(d.finishedAt).bind(d.by).bind(d.fromVersion).bind(d.toVersion).bind(d.plan);
    q.bind(d.status).bind(d.result).bind(d.id).run();
    if (q.changes() == 0) throw std::logic_error("putDeployment: no such deployment");
  }
  void putMeta(const std::string& key, const std::string& value) override {
    Query q(st_.putMeta);
    q.bind(key).bind(value).run();
  }
  void putModule(const ModuleRecord& m) override {
    Query q(st_.putModule);
    q.bind(m.version).bindBlob(m.bytes).bind(m.source).bind(m.addedAt).run();
  }
  // A task stays with the deal it was added to: its deal is not rewritten.
  void putTask(const TaskRecord& t) override {
    Query q(st_.putTask);
    q.bind(t.type).bind(t.text).bind(t.due).bind(t.responsible).bind(t.done).bind(t.createdAt).bind(t.completedAt);
    q.bind(t.comment).bind(t.epoch).bind(t.id).run();
    if (q.changes() == 0) throw std::logic_error("putTask: no such task");
  }
  void replaceHistory(const std::string& deal, const std::vector<HistoryRecord>& entries) override {
    Query remove(st_.removeHistory);
    remove.bind(deal).run();
    for (const auto& h : entries) addHistory(h);
  }
  std::vector<TaskRecord> tasksOf(const std::string& deal) override {
    std::vector<TaskRecord> out;
    Query q(st_.tasksOf);
    q.bind(deal);
    while (q.step()) out.push_back(readTask(q));
    return out;
  }
  std::vector<RuleTimerCount> timersPerRule() override {
    std::vector<RuleTimerCount> out;
    Query q(st_.timersPerRule);
    while (q.step()) out.push_back({static_cast<TimerKind>(q.i64(0)), q.i32(1), q.i64(2)});
    return out;
  }

 protected:
  explicit SqlTransaction(Statements& st) : st_(st) {}
  Statements& st_;
};

}  // namespace voronka::store::sql
