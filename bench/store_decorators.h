// Stores wrapped around a store, for the store benchmark:
//   - BatchingStore groups every `perCommit` committed transactions into one
//     batch of the store underneath (group commit as the server's writer does);
//   - RecordingStore keeps the writes of every committed transaction, so the
//     same rows can be written again with plain SQLite (raw_sqlite_writer.h).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "runtime/store/deal_blob.h"
#include "runtime/store/store.h"

namespace voronka::bench {

// Passes every call to the transaction underneath.
class ForwardingTransaction : public store::Transaction {
 public:
  explicit ForwardingTransaction(std::unique_ptr<store::Transaction> inner) : in_(std::move(inner)) {}

  std::optional<store::DealRecord> deal(const std::string& id) override { return in_->deal(id); }
  void putDeal(const store::DealRecord& d) override { in_->putDeal(d); }
  std::vector<std::string> dealIds() override { return in_->dealIds(); }
  int64_t openDealsOf(int32_t user, const std::vector<std::pair<int32_t, int32_t>>& finals) override {
    return in_->openDealsOf(user, finals);
  }
  int64_t addTask(store::TaskRecord t) override { return in_->addTask(std::move(t)); }
  void putTask(const store::TaskRecord& t) override { in_->putTask(t); }
  std::vector<store::TaskRecord> tasksOf(const std::string& deal) override { return in_->tasksOf(deal); }
  int64_t addTimer(store::TimerRecord t) override { return in_->addTimer(std::move(t)); }
  void removeTimer(int64_t id) override { in_->removeTimer(id); }
  std::vector<store::TimerRecord> timersOf(const std::string& deal) override { return in_->timersOf(deal); }
  std::vector<store::TimerRecord> dueTimers(int64_t until, size_t limit) override {
    return in_->dueTimers(until, limit);
  }
  void addEffect(store::EffectRecord e) override { in_->addEffect(std::move(e)); }
  std::vector<store::EffectRecord> effectsOf(const std::string& deal) override { return in_->effectsOf(deal); }
  std::vector<store::EffectRecord> dueEffects(int64_t now, size_t limit) override {
    return in_->dueEffects(now, limit);
  }
  std::vector<store::EffectRecord> dueEffectsOfChosen(int64_t now, size_t limit, const DealChoice& choose) override {
    return in_->dueEffectsOfChosen(now, limit, choose);
  }
  void putEffect(const store::EffectRecord& e) override { in_->putEffect(e); }
  std::vector<store::AttemptRecord> attemptsOf(const std::string& deal) override { return in_->attemptsOf(deal); }
  std::vector<store::EffectRecord> effectsWithStatus(const std::string& status, size_t limit) override {
    return in_->effectsWithStatus(status, limit);
  }
  bool eventSeen(const std::string& id) override { return in_->eventSeen(id); }
  void recordEvent(const store::EventRecord& e) override { in_->recordEvent(e); }
  std::optional<store::EventRecord> event(const std::string& id) override { return in_->event(id); }
  std::vector<store::EventRecord> eventsOf(const std::string& deal) override { return in_->eventsOf(deal); }
  void addHistory(const store::HistoryRecord& h) override { in_->addHistory(h); }
  std::vector<store::HistoryRecord> historyOf(const std::string& deal) override { return in_->historyOf(deal); }
  void addNote(const store::NoteRecord& n) override { in_->addNote(n); }
  std::vector<store::NoteRecord> notesOf(const std::string& deal) override { return in_->notesOf(deal); }
  int64_t takeCounter(const std::string& name) override { return in_->takeCounter(name); }
  store::StoreCounts counts() override { return in_->counts(); }
  std::vector<store::StageCount> dealsPerStage() override { return in_->dealsPerStage(); }
  std::optional<std::string> meta(const std::string& key) override { return in_->meta(key); }
  void putMeta(const std::string& key, const std::string& value) override { in_->putMeta(key, value); }
  void putTimer(const store::TimerRecord& t) override { in_->putTimer(t); }
  void replaceHistory(const std::string& deal, const std::vector<store::HistoryRecord>& h) override {
    in_->replaceHistory(deal, h);
  }
  void putModule(const store::ModuleRecord& m) override { in_->putModule(m); }
  std::optional<store::ModuleRecord> module(const std::string& v) override { return in_->module(v); }
  std::vector<store::ModuleRecord> moduleVersions() override { return in_->moduleVersions(); }
  int64_t addDeployment(store::DeploymentRecord d) override { return in_->addDeployment(std::move(d)); }
  void putDeployment(const store::DeploymentRecord& d) override { in_->putDeployment(d); }
  std::optional<store::DeploymentRecord> deployment(int64_t id) override { return in_->deployment(id); }
  std::vector<store::DeploymentRecord> deployments(size_t limit) override { return in_->deployments(limit); }
  std::vector<store::DealPosition> dealsNotOn(const std::string& v, int64_t after, size_t limit) override {
    return in_->dealsNotOn(v, after, limit);
  }
  std::vector<store::RuleTimerCount> timersPerRule() override { return in_->timersPerRule(); }
  std::vector<store::EventRecord> eventLog(int64_t after, size_t limit) override { return in_->eventLog(after, limit); }
  void commit() override { in_->commit(); }

 protected:
  std::unique_ptr<store::Transaction> in_;
};

// ───────────────────────────── group commit ───────────────────────────────

class BatchingStore : public store::Store {
 public:
  // perCommit 1: no batches, every transaction commits on its own.
  BatchingStore(store::Store& inner, size_t perCommit) : inner_(inner), perCommit_(perCommit) {}

  std::unique_ptr<store::Transaction> begin() override {
    if (perCommit_ > 1) {
      if (open_ && committed_ >= perCommit_) finish();
      if (!open_) {
        inner_.beginBatch();
        open_ = true;
        committed_ = 0;
      }
    }
    return std::make_unique<Counting>(inner_.begin(), committed_);
  }
  std::optional<int64_t> nextDue() override { return inner_.nextDue(); }

  // Ends the open batch, if any (call before reading the results).
  void finish() {
    if (open_) inner_.endBatch();
    open_ = false;
  }

 private:
  class Counting : public ForwardingTransaction {
   public:
    Counting(std::unique_ptr<store::Transaction> inner, size_t& committed)
        : ForwardingTransaction(std::move(inner)), committed_(committed) {}
    void commit() override {
      in_->commit();
      ++committed_;
    }

   private:
    size_t& committed_;
  };

  store::Store& inner_;
  size_t perCommit_;
  size_t committed_ = 0;
  bool open_ = false;
};

// ───────────────────────────── recording ──────────────────────────────────

namespace write {
// With its lists already encoded as the SQLite store encodes them, so that the
// raw writer spends its time on SQLite only.
struct PutDeal {
  store::DealRecord deal;
  std::string fields, tags, visits;
};
struct AddTask {
  store::TaskRecord task;
};
struct PutTask {
  store::TaskRecord task;
};
struct AddTimer {
  store::TimerRecord timer;
};
struct RemoveTimer {
  int64_t id;
};
struct AddEffect {
  store::EffectRecord effect;
};
struct PutEffect {
  store::EffectRecord effect;
};
struct RecordEvent {
  store::EventRecord event;
};
struct AddHistory {
  store::HistoryRecord entry;
};
struct AddNote {
  store::NoteRecord note;
};
struct TakeCounter {
  std::string name;
};
struct PutMeta {
  std::string key, value;
};
}  // namespace write

using Write = std::variant<write::PutDeal, write::AddTask, write::PutTask, write::AddTimer, write::RemoveTimer,
                           write::AddEffect, write::PutEffect, write::RecordEvent, write::AddHistory, write::AddNote,
                           write::TakeCounter, write::PutMeta>;
using RecordedTransaction = std::vector<Write>;

class RecordingStore : public store::Store {
 public:
  explicit RecordingStore(store::Store& inner) : inner_(inner) {}

  std::unique_ptr<store::Transaction> begin() override { return std::make_unique<Recording>(inner_.begin(), log_); }
  std::optional<int64_t> nextDue() override { return inner_.nextDue(); }

  // The writes of every committed transaction, in commit order.
  const std::vector<RecordedTransaction>& log() const { return log_; }

 private:
  class Recording : public ForwardingTransaction {
   public:
    Recording(std::unique_ptr<store::Transaction> inner, std::vector<RecordedTransaction>& log)
        : ForwardingTransaction(std::move(inner)), log_(log) {}

    void putDeal(const store::DealRecord& d) override {
      in_->putDeal(d);
      writes_.push_back(write::PutDeal{d, store::blob::encodeFields(d.fields), store::blob::encodeTags(d.tags),
                                       store::blob::encodeVisits(d.visits)});
    }
    int64_t addTask(store::TaskRecord t) override {
      t.id = in_->addTask(t);
      writes_.push_back(write::AddTask{t});
      return t.id;
    }
    void putTask(const store::TaskRecord& t) override {
      in_->putTask(t);
      writes_.push_back(write::PutTask{t});
    }
    int64_t addTimer(store::TimerRecord t) override {
      t.id = in_->addTimer(t);
      writes_.push_back(write::AddTimer{t});
      return t.id;
    }
    void removeTimer(int64_t id) override {
      in_->removeTimer(id);
      writes_.push_back(write::RemoveTimer{id});
    }
    void addEffect(store::EffectRecord e) override {
      in_->addEffect(e);
      writes_.push_back(write::AddEffect{e});
    }
    void putEffect(const store::EffectRecord& e) override {
      in_->putEffect(e);
      writes_.push_back(write::PutEffect{e});
    }
    void recordEvent(const store::EventRecord& e) override {
      in_->recordEvent(e);
      writes_.push_back(write::RecordEvent{e});
    }
    void addHistory(const store::HistoryRecord& h) override {
      in_->addHistory(h);
      writes_.push_back(write::AddHistory{h});
    }
    void addNote(const store::NoteRecord& n) override {
      in_->addNote(n);
      writes_.push_back(write::AddNote{n});
    }
    int64_t takeCounter(const std::string& name) override {
      writes_.push_back(write::TakeCounter{name});
      return in_->takeCounter(name);
    }
    void putMeta(const std::string& key, const std::string& value) override {
      in_->putMeta(key, value);
      writes_.push_back(write::PutMeta{key, value});
    }
    void commit() override {
      in_->commit();
      log_.push_back(std::move(writes_));
    }

   private:
    std::vector<RecordedTransaction>& log_;
    RecordedTransaction writes_;
  };

  store::Store& inner_;
  std::vector<RecordedTransaction> log_;
};

}  // namespace voronka::bench
