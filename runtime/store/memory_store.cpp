#include "runtime/store/memory_store.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <utility>

#include "common/same_text.h"
#include "runtime/store/deal_blob.h"

namespace voronka::store {

// A member added to DealRecord must be added to its blob:: codec too, and
// one added to TaskRecord to StoredTask (storedTask() and loadTask()).
static_assert(sizeof(DealRecord) == 424, "DealRecord changed: keep blob::encodeDeal/decodeDeal in step with it");
static_assert(sizeof(TaskRecord) == 152,
              "TaskRecord changed: keep StoredTask, storedTask and loadTask in step with it");

class MemoryTransaction final : public Transaction {
 public:
  // Built in the store's room (one transaction is open at a time, and the
  // engine opens one per event): no heap block per transaction. The room is
  // the store's, so deleting one frees nothing.
  static void* operator new(size_t size, MemoryStore& s) {
    static_assert(sizeof(MemoryTransaction) <= sizeof(MemoryStore::TransactionRoom));
    static_assert(alignof(MemoryTransaction) <= alignof(MemoryStore::TransactionRoom));
    (void)size;
    return &s.transactionRoom_;
  }
  static void operator delete(void*, MemoryStore&) {}  // the constructor threw
  static void operator delete(void*) {}

  explicit MemoryTransaction(MemoryStore& s) : s_(s) {
    if (s_.open_) throw std::logic_error("the memory store runs one transaction at a time");
    s_.open_ = true;
    undo_.clear();
    s_.undoClosures_.clear();
  }
  ~MemoryTransaction() override {
    if (!committed_) {
      undo_.forEachNewestFirst([this](const Undo& step) { undo(step); });
    }
    // Rolled back, newDealTasks_ is empty again; committed, it went to a row
    // or was kept by commit().
    forgetUndo();
    s_.open_ = false;
  }

  std::optional<DealRecord> deal(const std::string& id) override {
    MemoryStore::StoredDeal* row = rowOf(id);
    if (!row) return std::nullopt;
    MemoryStore::DealPtr d = take(id, *row);
    return std::move(*d);  // d's room goes with it
  }

  DealPtr dealToChange(const std::string& id) override {
    MemoryStore::StoredDeal* row = rowOf(id);
    return row ? take(id, *row) : nullptr;
  }

  // The deal's row, or null. The last row found is kept for the rest of the
  // transaction (rows never move; only an undo, at the transaction's end,
  // takes one out): the engine asks for one deal, its tasks and its save,
  // many times an event.
  MemoryStore::StoredDeal* rowOf(std::string_view id) {
    if (row_ && sameText(row_->id, id)) return row_;
    std::optional<uint32_t> at =
        s_.dealIndex_.find(id, [this](uint32_t row) -> const std::string& { return s_.dealRows_[row].id; });
    if (!at) return nullptr;
    row_ = &s_.dealRows_[*at];
    return row_;
  }

  // The deal's list of task ids, or null when it has none.
  std::vector<int64_t>* tasksOfDeal(std::string_view deal) {
    if (MemoryStore::StoredDeal* row = rowOf(deal)) return row->tasks;
    if (!newDeal_.empty() && newDeal_ == deal) return &newDealTasks_;
    if (s_.tasksByDeal_.empty()) return nullptr;
    auto it = s_.tasksByDeal_.find(std::string(deal));  // tasks of a deal not stored (yet): rare
    return it == s_.tasksByDeal_.end() ? nullptr : &it->second;
  }

  // The deal's record from its slot when it is cached: a clean one taken
  // (what the caller does to it is not the stored deal; the blob is), a
  // dirty one copied (the slot's record stays the deal until it is saved).
  // Else decoded into a spare record: its strings and lists are reused, not
  // freed and allocated again per event.
  MemoryStore::DealPtr take(const std::string& id, MemoryStore::StoredDeal& stored) {
    if (stored.cached >= 0) {
      MemoryStore::DecodedDeal& slot = s_.decoded_[static_cast<size_t>(stored.cached)];
      if (slot.full && !slot.dirty) {
        slot.full = false;
        return std::move(slot.record);
      }
      if (slot.full) {
        MemoryStore::DealPtr copy = s_.spareRecord();
        copyDealInto(*copy, *slot.record);
        return copy;
      }
    }
    MemoryStore::DealPtr d = s_.roomForDecode();
    blob::decodeDealInto(*d, id, stored.blob);
    return d;
  }

  void putDeal(const DealRecord& deal) override {
    MemoryStore::DealPtr copy = s_.spareRecord();
    copyDealInto(*copy, deal);
    store(std::move(copy));
  }

  void saveDeal(DealRecord&& deal) override {
    MemoryStore::DealPtr kept = s_.spareRecord();
    *kept = std::move(deal);
    store(std::move(kept));
  }

  void saveChangedDeal(DealPtr deal) override { store(std::move(deal)); }

  // Makes the record the deal: kept in a dirty slot, not encoded (that
  // waits for the slot to be given to another deal). What the deal was
  // is moved aside for the undo: its blob, or its dirty slot's record.
  void store(MemoryStore::DealPtr record) {
    const DealRecord& deal = *record;
    MemoryStore::StoredDeal* found = rowOf(deal.id);
    if (!found) {
      MemoryStore::StoredDeal stored{deal.pipeline, deal.stage, deal.responsible, -1, std::string()};
      stored.id = deal.id;
      bool adopts = !newDeal_.empty() && newDeal_ == deal.id;
      if (adopts) {
        s_.taskLists_.push_back(std::move(newDealTasks_));
        newDealTasks_.clear();  // moved from: empty, said so for the next new deal
        stored.tasks = &s_.taskLists_.back();
      } else if (auto tasks = s_.tasksByDeal_.find(deal.id); tasks != s_.tasksByDeal_.end()) {
        stored.tasks = &tasks->second;
      }
      auto row = static_cast<uint32_t>(s_.dealRows_.size());
      s_.dealIndex_.add(deal.id, row);
      s_.dealRows_.push_back(std::move(stored));
      // Undone in reverse order: the deal added is the last row then.
      willUndo(Undo::Kind::DealAdded, row);
      row_ = &s_.dealRows_[row];
      if (adopts) {
        newDeal_.clear();
        willUndo(Undo::Kind::TaskListAdopted, 0, row_);
      }
      s_.keepDirty(*row_, std::move(record));
      return;
    }
    MemoryStore::StoredDeal& row = *found;
    int32_t pipeline = deal.pipeline, stage = deal.stage, responsible = deal.responsible;
    if (row.cached >= 0) {
      MemoryStore::DecodedDeal& slot = s_.decoded_[static_cast<size_t>(row.cached)];
      if (slot.full && slot.dirty) {
        // The deal as it was is the slot's record: it waits for an undo.
        s_.replacedRecords_.push_back(std::move(slot.record));
        slot.record = std::move(record);
        setScanned(row, pipeline, stage, responsible);
        willUndo(Undo::Kind::DealRecordReplaced, 0, &row);
        return;
      }
    }
    // The deal as it was is its blob: it waits for an undo in room kept by
    // the store, and the row takes that room's string, emptied, for when
    // its record is written back.
    if (s_.replacedUsed_ == s_.replaced_.size()) s_.replaced_.emplace_back();
    MemoryStore::StoredDeal& old = s_.replaced_[s_.replacedUsed_++];
    swapRow(row, old);
    row.blob.clear();
    setScanned(row, pipeline, stage, responsible);
    willUndo(Undo::Kind::DealReplaced, 0, &row);
    s_.keepDirty(row, std::move(record));
  }

  static void setScanned(MemoryStore::StoredDeal& row, int32_t pipeline, int32_t stage, int32_t responsible) {
    row.pipeline = pipeline;
    row.stage = stage;
    row.responsible = responsible;
  }

  static void swapRow(MemoryStore::StoredDeal& row, MemoryStore::StoredDeal& other) {
    std::swap(row.blob, other.blob);
    std::swap(row.pipeline, other.pipeline);
    std::swap(row.stage, other.stage);
    std::swap(row.responsible, other.responsible);
  }

  std::vector<std::string> dealIds() override {
    std::vector<std::string> ids;
    ids.reserve(s_.dealRows_.size());
    for (size_t i = 0; i < s_.dealRows_.size(); ++i) ids.push_back(s_.dealRows_[i].id);
    return ids;
  }

  int64_t openDealsOf(int32_t user, const std::vector<std::pair<int32_t, int32_t>>& finalStages) override {
    int64_t count = 0;
    for (size_t i = 0; i < s_.dealRows_.size(); ++i) {
      const MemoryStore::StoredDeal& d = s_.dealRows_[i];
      if (d.responsible != user) continue;
      bool closed = false;
      for (auto [p, st] : finalStages) closed = closed || (d.pipeline == p && d.stage == st);
      count += closed ? 0 : 1;
    }
    return count;
  }

  // `was` is the task as stored before, whose texts are kept without a lookup when they did not change.
  // (`done` is not in a view: the caller sets it.)
  MemoryStore::StoredTask storedTask(const TaskView& task, const MemoryStore::StoredTask* was) {
    MemoryStore::StoredTask t;
    t.due = task.due;
    t.createdAt = task.createdAt;
    t.completedAt = task.completedAt;
    t.epoch = task.epoch;
    t.type = task.type;
    t.responsible = task.responsible;
    t.text = was && s_.taskTexts_[was->text] == task.text ? was->text : s_.taskTexts_.intern(task.text);
    t.comment = was && s_.taskTexts_[was->comment] == task.comment ? was->comment : s_.taskTexts_.intern(task.comment);
    return t;
  }

  TaskRecord loadTask(int64_t id, const std::string& deal) const {
    const MemoryStore::StoredTask& t = s_.tasks_[static_cast<size_t>(id - 1)];
    TaskRecord out;
    out.id = id;
    out.deal = deal;
    out.type = t.type;
    out.text = s_.taskTexts_[t.text];
    out.due = t.due;
    out.responsible = t.responsible;
    out.done = t.done;
    out.createdAt = t.createdAt;
    out.completedAt = t.completedAt;
    out.comment = s_.taskTexts_[t.comment];
    out.epoch = t.epoch;
    return out;
  }

  int64_t addTask(TaskRecord task) override { return addTaskOf(task.deal, TaskView::of(task), task.done); }

  int64_t addTaskView(std::string_view deal, const TaskView& task) override { return addTaskOf(deal, task, false); }

  int64_t addTaskOf(std::string_view deal, const TaskView& task, bool done) {
    int64_t id = s_.nextTaskId_++;
    // The undo steps point to the deal's list: lists never move (they are in
    // chunks or map nodes).
    std::vector<int64_t>* list = tasksOfDeal(deal);
    if (!list) {
      if (MemoryStore::StoredDeal* row = rowOf(deal)) {
        s_.taskLists_.push_back({});
        list = row->tasks = &s_.taskLists_.back();
        willUndo(Undo::Kind::TaskListAdded, 0, row);
      } else if (newDeal_.empty() && !deal.empty()) {
        // A deal being created: its entry rules add tasks before it is
        // stored. The list waits here, and its row takes it.
        newDeal_ = deal;
        list = &newDealTasks_;
      } else {
        list = &s_.tasksByDeal_[std::string(deal)];
      }
    }
    std::vector<int64_t>& ofDeal = *list;
    ofDeal.push_back(id);
    MemoryStore::StoredTask stored = storedTask(task, nullptr);
    stored.done = done;
    s_.tasks_.push_back(stored);
    s_.taskDone_.push_back(done);
    willUndo(Undo::Kind::TaskAdded, 0, &ofDeal);
    return id;
  }

  // A task keeps its deal: `task.deal` is not read.
  void putTask(const TaskRecord& task) override {
    if (task.id < 1 || static_cast<size_t>(task.id) > s_.tasks_.size()) throw std::logic_error("putTask: no such task");
    // As a deal's row: the task as it was waits for an undo in the store's
    // room, so the undo entry does not allocate.
    if (s_.replacedTasksUsed_ == s_.replacedTasks_.size()) s_.replacedTasks_.emplace_back();
    auto at = static_cast<size_t>(task.id - 1);  // an index: tasks_ may grow before an undo
    MemoryStore::StoredTask& stored = s_.tasks_[at];
    s_.replacedTasks_[s_.replacedTasksUsed_++] = stored;
    stored = storedTask(TaskView::of(task), &stored);
    stored.done = task.done;
    s_.taskDone_[at] = stored.done;
    willUndo(Undo::Kind::TaskChanged, static_cast<int64_t>(at));
  }

  void completeTask(const std::string& deal, int64_t id, int64_t at, std::optional<std::string_view> comment) override {
    (void)deal;  // a task keeps its deal
    if (id < 1 || static_cast<size_t>(id) > s_.tasks_.size() || s_.taskDone_[static_cast<size_t>(id - 1)]) return;
    if (s_.replacedTasksUsed_ == s_.replacedTasks_.size()) s_.replacedTasks_.emplace_back();
    auto index = static_cast<size_t>(id - 1);
    MemoryStore::StoredTask& stored = s_.tasks_[index];
    s_.replacedTasks_[s_.replacedTasksUsed_++] = stored;
    stored.done = true;
    s_.taskDone_[index] = true;
    stored.completedAt = at;
    if (comment) stored.comment = s_.taskTexts_.intern(*comment);
    willUndo(Undo::Kind::TaskChanged, static_cast<int64_t>(index));
  }

  // Undoes the last putTask() or completeTask(): the task as it was.
  void restoreTask(size_t index) {
    s_.tasks_[index] = s_.replacedTasks_[--s_.replacedTasksUsed_];
    s_.taskDone_[index] = s_.tasks_[index].done;
  }

  std::vector<TaskRecord> tasksOf(const std::string& deal) override {
    std::vector<TaskRecord> out;
    std::vector<int64_t>* ids = tasksOfDeal(deal);
    if (!ids) return out;
    out.reserve(ids->size());
    for (int64_t id : *ids) out.push_back(loadTask(id, deal));
    return out;
  }

  std::vector<TaskRecord> openTasksOf(const std::string& deal) override {
    std::vector<TaskRecord> out;
    std::vector<int64_t>* ids = tasksOfDeal(deal);
    if (!ids) return out;
    for (int64_t id : *ids) {
      if (!s_.taskDone_[static_cast<size_t>(id - 1)]) out.push_back(loadTask(id, deal));
    }
    return out;
  }

  void forEachOpenTask(const std::string& deal, FunctionRef<bool(const TaskView&)> visit) override {
    std::vector<int64_t>* ids = tasksOfDeal(deal);
    if (!ids) return;
    for (int64_t id : *ids) {
      if (s_.taskDone_[static_cast<size_t>(id - 1)]) continue;  // without reading the task
      const MemoryStore::StoredTask& t = s_.tasks_[static_cast<size_t>(id - 1)];
      if (!visit({id, t.type, s_.taskTexts_[t.text], t.due, t.responsible, t.createdAt, t.completedAt,
                  s_.taskTexts_[t.comment], t.epoch}))
        return;
    }
  }

  int64_t addTimer(TimerRecord timer) override { return addTimerView(TimerView::of(timer)); }

  int64_t addTimerView(const TimerView& timer) override {
    int64_t id = s_.nextTimerId_++;
    s_.timers_.add(id, timer);
    willUndo(Undo::Kind::TimerAdded, id);
    return id;
  }

  void putTimer(const TimerRecord& timer) override {
    TimerRecord old;
    if (!s_.timers_.replace(timer, &old)) throw std::logic_error("putTimer: no such timer");
    willUndo([this, old = std::move(old)] { s_.timers_.replace(old, nullptr); });
  }

  void removeTimer(int64_t id) override {
    if (!s_.timers_.remove(id, nullptr)) return;
    willUndo(Undo::Kind::TimerRemoved, id);
  }

  std::vector<TimerRecord> timersOf(const std::string& deal) override { return s_.timers_.ofDeal(deal); }

  std::vector<TimerHead> timerHeadsOf(const std::string& deal) override { return s_.timers_.headsOfDeal(deal); }

  void removeTimersOf(const std::string& deal, FunctionRef<bool(const TimerHead&)> pick) override {
    s_.timers_.removeOfDeal(deal, pick, [this](int64_t id) { willUndo(Undo::Kind::TimerRemoved, id); });
  }

  std::vector<TimerRecord> dueTimers(int64_t until, size_t limit) override { return s_.timers_.due(until, limit); }

  void addEffect(EffectRecord effect) override {
    if (!s_.options_.keepRecords) return;
    effect.id = s_.nextEffectId_++;
    effect.attempt.reset();
    std::vector<size_t>& ofDeal = s_.effectsByDeal_[effect.deal];
    ofDeal.push_back(s_.effects_.size());
    s_.effects_.push_back(std::move(effect));
    willUndo(Undo::Kind::EffectAdded, 0, &ofDeal);
  }

  std::vector<EffectRecord> effectsOf(const std::string& deal) override {
    std::vector<EffectRecord> out;
    auto it = s_.effectsByDeal_.find(deal);
    if (it == s_.effectsByDeal_.end()) return out;
    for (size_t i : it->second) out.push_back(s_.effects_[i]);
    return out;
  }

  std::vector<EffectRecord> dueEffects(int64_t now, size_t limit) override {
    std::vector<EffectRecord> out;
    std::set<std::string, std::less<>> held;  // deals with an earlier effect tried and not due again
    for (size_t i = 0; i < s_.effects_.size(); ++i) {
      const EffectRecord& e = s_.effects_[i];
      if (out.size() >= limit) break;
      if (e.status != "pending" || held.count(e.deal)) continue;
      if (e.attempts > 0 && e.nextAttemptAt > now) {
        held.insert(e.deal);
      } else if (e.notBefore <= now && e.nextAttemptAt <= now) {
        out.push_back(e);
      }
    }
    return out;
  }

  void putEffect(const EffectRecord& effect) override {
    if (effect.id < 1 || static_cast<size_t>(effect.id) > s_.effects_.size())
      throw std::logic_error("putEffect: no such effect");
    EffectRecord& e = s_.effects_[static_cast<size_t>(effect.id - 1)];
    EffectRecord old = e;
    e.status = effect.status;
    e.attempts = effect.attempts;
    e.nextAttemptAt = effect.nextAttemptAt;
    e.deliveredAt = effect.deliveredAt;
    e.lastError = effect.lastError;
    willUndo([this, old = std::move(old)] { s_.effects_[static_cast<size_t>(old.id - 1)] = old; });
    if (effect.attempt) {
      AttemptRecord a = *effect.attempt;
      a.effect = effect.id;
      a.deal = e.deal;
      std::vector<AttemptRecord>& of = s_.attempts_[e.deal];
      of.push_back(std::move(a));
      willUndo([&of] { of.pop_back(); });
    }
  }

  std::vector<AttemptRecord> attemptsOf(const std::string& deal) override {
    auto it = s_.attempts_.find(deal);
    if (it == s_.attempts_.end()) return {};
    std::vector<AttemptRecord> out = it->second;
    std::stable_sort(out.begin(), out.end(),
                     [](const AttemptRecord& a, const AttemptRecord& b) { return a.effect < b.effect; });
    return out;
  }

  std::vector<EffectRecord> effectsWithStatus(const std::string& status, size_t limit) override {
    std::vector<EffectRecord> out;
    for (size_t i = 0; i < s_.effects_.size(); ++i) {
      const EffectRecord& e = s_.effects_[i];
      if (out.size() >= limit) break;
      if (e.status == status) out.push_back(e);
    }
    return out;
  }

  bool eventSeen(const std::string& id) override { return eventRow(id).has_value(); }

  std::optional<EventRecord> event(const std::string& id) override {
    std::optional<uint32_t> row = eventRow(id);
    if (!row) return std::nullopt;
    return withFired(s_.events_[*row]);
  }

  std::optional<uint32_t> eventRow(std::string_view id) const {
    return s_.eventIndex_.find(id, [this](uint32_t row) -> const std::string& { return s_.events_[row].record.id; });
  }

  EventRecord withFired(const MemoryStore::KeptEvent& kept) const {
    EventRecord e = kept.record;
    e.fired.reserve(kept.firedCount);
    for (size_t i = kept.firstFired; i < kept.firstFired + kept.firedCount; ++i) {
      const MemoryStore::FiredEntry& f = s_.firedRules_[i];
      e.fired.push_back({f.rule, s_.firedNames_[f.name], s_.firedNames_[f.file], f.line});
    }
    return e;
  }

  void recordEvent(const EventRecord& event) override {
    std::vector<FiredRuleRef> fired;
    for (const FiredRule& f : event.fired) fired.push_back({f.rule, f.name, f.file, f.line});
    EventRecord copy = event;
    copy.fired.clear();
    keepEvent(std::move(copy), fired);
  }

  void keepEvent(EventRecord&& event, std::span<const FiredRuleRef> fired) override {
    if (!s_.options_.keepRecords) return;
    if (eventRow(event.id)) return;
    auto row = static_cast<uint32_t>(s_.events_.size());
    s_.eventIndex_.add(event.id, row);
    MemoryStore::KeptEvent& kept = s_.events_.emplace_back();
    kept.record = std::move(event);
    kept.record.fired.clear();
    kept.firstFired = s_.firedRules_.size();
    kept.firedCount = static_cast<uint32_t>(fired.size());
    for (const FiredRuleRef& f : fired)
      s_.firedRules_.push_back({f.rule, f.line, s_.firedNames_.intern(f.name), s_.firedNames_.intern(f.file)});
    kept.record.seq = static_cast<int64_t>(row) + 1;
    willUndo(Undo::Kind::EventKept, row);
  }

  void addHistory(const HistoryRecord& entry) override {
    if (!s_.options_.keepRecords) return;
    std::vector<HistoryRecord>& ofDeal = s_.history_[entry.deal];
    ofDeal.push_back(entry);
    willUndo(Undo::Kind::HistoryAdded, 0, &ofDeal);
  }

  std::vector<HistoryRecord> historyOf(const std::string& deal) override {
    auto it = s_.history_.find(deal);
    return it == s_.history_.end() ? std::vector<HistoryRecord>{} : it->second;
  }

  void replaceHistory(const std::string& deal, const std::vector<HistoryRecord>& entries) override {
    std::vector<HistoryRecord> old = historyOf(deal);
    s_.history_[deal] = entries;
    willUndo([this, deal, old = std::move(old)] { s_.history_[deal] = old; });
  }

  void addNote(const NoteRecord& note) override {
    if (!s_.options_.keepRecords) return;
    std::vector<NoteRecord>& ofDeal = s_.notes_[note.deal];
    ofDeal.push_back(note);
    willUndo(Undo::Kind::NoteAdded, 0, &ofDeal);
  }

  std::vector<NoteRecord> notesOf(const std::string& deal) override {
    auto it = s_.notes_.find(deal);
    return it == s_.notes_.end() ? std::vector<NoteRecord>{} : it->second;
  }

  int64_t takeCounter(const std::string& name) override {
    int64_t& c = s_.counters_[name];
    int64_t value = c++;
    willUndo(Undo::Kind::CounterTaken, 0, &c);  // a map node: it stays put
    return value;
  }

  StoreCounts counts() override {
    StoreCounts c;
    c.deals = static_cast<int64_t>(s_.dealRows_.size());
    c.timersPending = static_cast<int64_t>(s_.timers_.size());
    for (size_t i = 0; i < s_.effects_.size(); ++i) {
      const EffectRecord& e = s_.effects_[i];
      c.effectsPending += e.status == "pending";
      c.effectsDead += e.status == "dead";
    }
    c.events = static_cast<int64_t>(s_.events_.size());
    return c;
  }

  std::vector<StageCount> dealsPerStage() override {
    std::map<std::pair<int32_t, int32_t>, int64_t> counts;
    for (size_t i = 0; i < s_.dealRows_.size(); ++i) ++counts[{s_.dealRows_[i].pipeline, s_.dealRows_[i].stage}];
    std::vector<StageCount> out;
    for (const auto& [at, n] : counts) out.push_back({at.first, at.second, n});
    return out;
  }

  std::optional<std::string> meta(const std::string& key) override {
    auto it = s_.meta_.find(key);
    if (it == s_.meta_.end()) return std::nullopt;
    return it->second;
  }

  void putMeta(const std::string& key, const std::string& value) override {
    auto it = s_.meta_.find(key);
    std::optional<std::string> old = it == s_.meta_.end() ? std::nullopt : std::optional<std::string>(it->second);
    s_.meta_[key] = value;
    willUndo([this, key, old] {
      if (old)
        s_.meta_[key] = *old;
      else
        s_.meta_.erase(key);
    });
  }

  void putModule(const ModuleRecord& module) override {
    if (this->module(module.version)) return;
    s_.modules_.push_back(module);
    willUndo([this] { s_.modules_.pop_back(); });
  }

  std::optional<ModuleRecord> module(const std::string& version) override {
    for (const auto& m : s_.modules_) {
      if (m.version == version) return m;
    }
    return std::nullopt;
  }

  std::vector<ModuleRecord> moduleVersions() override {
    std::vector<ModuleRecord> out = s_.modules_;
    for (auto& m : out) m.bytes.clear();
    return out;
  }

  int64_t addDeployment(DeploymentRecord deployment) override {
    deployment.id = static_cast<int64_t>(s_.deployments_.size()) + 1;
    s_.deployments_.push_back(deployment);
    willUndo([this] { s_.deployments_.pop_back(); });
    return deployment.id;
  }

  void putDeployment(const DeploymentRecord& deployment) override {
    if (deployment.id < 1 || static_cast<size_t>(deployment.id) > s_.deployments_.size())
      throw std::logic_error("putDeployment: no such deployment");
    DeploymentRecord& d = s_.deployments_[static_cast<size_t>(deployment.id - 1)];
    DeploymentRecord old = d;
    d = deployment;
    willUndo([this, old = std::move(old)] { s_.deployments_[static_cast<size_t>(old.id - 1)] = old; });
  }

  std::optional<DeploymentRecord> deployment(int64_t id) override {
    if (id < 1 || static_cast<size_t>(id) > s_.deployments_.size()) return std::nullopt;
    return s_.deployments_[static_cast<size_t>(id - 1)];
  }

  std::vector<DeploymentRecord> deployments(size_t limit) override {
    std::vector<DeploymentRecord> out;
    for (auto it = s_.deployments_.rbegin(); it != s_.deployments_.rend() && out.size() < limit; ++it)
      out.push_back(*it);
    return out;
  }

  std::vector<DealPosition> dealsNotOn(const std::string& version, int64_t afterPosition, size_t limit) override {
    std::vector<DealPosition> out;
    for (size_t i = static_cast<size_t>(std::max<int64_t>(afterPosition, 0));
         i < s_.dealRows_.size() && out.size() < limit; ++i) {
      const std::string& id = s_.dealRows_[i].id;
      const DealRecord* decoded = s_.decodedOf(s_.dealRows_[i]);
      if ((decoded ? decoded->moduleVersion : blob::decodeDeal(id, s_.dealRows_[i].blob).moduleVersion) != version)
        out.push_back({static_cast<int64_t>(i) + 1, id});
    }
    return out;
  }

  std::vector<RuleTimerCount> timersPerRule() override {
    std::map<std::pair<TimerKind, int32_t>, int64_t> counts;
    s_.timers_.forEachRule([&](TimerKind kind, int32_t rule) {
      if (kind != TimerKind::TaskOverdue) ++counts[{kind, rule}];
    });
    std::vector<RuleTimerCount> out;
    for (const auto& [key, n] : counts) out.push_back({key.first, key.second, n});
    return out;
  }

  std::vector<EventRecord> eventLog(int64_t afterSeq, size_t limit) override {
    std::vector<EventRecord> out;
    for (size_t i = static_cast<size_t>(std::max<int64_t>(afterSeq, 0)); i < s_.events_.size() && out.size() < limit;
         ++i) {
      const EventRecord& e = s_.events_[i].record;
      if (!e.body.empty()) out.push_back(e);  // without its fired rules
    }
    return out;
  }

  // A scan: only the console reads it, and the memory store is for tests and `voronka run`.
  std::vector<EventRecord> eventsOf(const std::string& deal) override {
    std::vector<EventRecord> out;
    for (size_t i = 0; i < s_.events_.size(); ++i) {
      const MemoryStore::KeptEvent& e = s_.events_[i];
      if (e.record.deal == deal) out.push_back(withFired(e));
    }
    return out;
  }

  void commit() override {
    committed_ = true;
    // Tasks of a deal not stored in the end: kept as those of any deal that
    // comes later.
    if (!newDeal_.empty()) s_.tasksByDeal_[newDeal_] = std::move(newDealTasks_);
    forgetUndo();
    s_.timers_.compact();
  }

 private:
  MemoryStore& s_;
  using Undo = MemoryStore::UndoStep;
  MemoryStore::UndoLog& undo_ = s_.undo_;
  bool committed_ = false;
  MemoryStore::StoredDeal* row_ = nullptr;  // rowOf()'s last row
  // The first deal this transaction gave a task before storing it (a deal
  // being created), and its task ids until its row takes them: no entry in
  // tasksByDeal_ (a hash, a node and a copy of the id) for each new deal.
  std::string newDeal_;
  std::vector<int64_t> newDealTasks_;

  // The undo log and what it kept aside, let go of once the transaction is
  // committed or rolled back (their room is kept for the next one).
  void forgetUndo() {
    undo_.clear();
    s_.undoClosures_.clear();
    s_.replacedUsed_ = 0;
    // Committed, the records replaced are spares now (rolled back, there are none left).
    for (MemoryStore::DealPtr& was : s_.replacedRecords_) s_.spareRecords_.push_back(std::move(was));
    s_.replacedRecords_.clear();
    s_.replacedTasksUsed_ = 0;
  }

  void willUndo(Undo::Kind kind, int64_t number, void* place = nullptr) { undo_.add({kind, number, place}); }
  void willUndo(std::function<void()> closure) {
    undo_.add({Undo::Kind::Closure, static_cast<int64_t>(s_.undoClosures_.size()), nullptr});
    s_.undoClosures_.push_back(std::move(closure));
  }

  // Takes back one change of this transaction; they are undone newest first.
  void undo(const Undo& step) {
    switch (step.kind) {
      case Undo::Kind::Closure: s_.undoClosures_[static_cast<size_t>(step.number)](); break;
      case Undo::Kind::DealAdded: {
        auto row = static_cast<uint32_t>(step.number);
        MemoryStore::StoredDeal& added = s_.dealRows_[row];
        s_.forgetDecoded(added);
        s_.dealIndex_.remove(added.id, row);
        s_.dealRows_.pop_back();
        break;
      }
      case Undo::Kind::DealReplaced: {
        auto& row = *static_cast<MemoryStore::StoredDeal*>(step.place);
        s_.emptyDecoded(row);
        swapRow(row, s_.replaced_[--s_.replacedUsed_]);
        break;
      }
      case Undo::Kind::DealRecordReplaced: {
        auto& row = *static_cast<MemoryStore::StoredDeal*>(step.place);
        MemoryStore::DealPtr was = std::move(s_.replacedRecords_.back());
        s_.replacedRecords_.pop_back();
        setScanned(row, was->pipeline, was->stage, was->responsible);
        s_.keepDirty(row, std::move(was));
        break;
      }
      case Undo::Kind::TaskAdded:
        static_cast<std::vector<int64_t>*>(step.place)->pop_back();
        s_.tasks_.pop_back();
        s_.taskDone_.pop_back();
        --s_.nextTaskId_;
        break;
      case Undo::Kind::TaskListAdded:
        static_cast<MemoryStore::StoredDeal*>(step.place)->tasks = nullptr;
        s_.taskLists_.pop_back();
        break;
      case Undo::Kind::TaskListAdopted:
        newDeal_ = static_cast<MemoryStore::StoredDeal*>(step.place)->id;
        newDealTasks_ = std::move(s_.taskLists_.back());
        s_.taskLists_.pop_back();
        break;
      case Undo::Kind::TaskChanged: restoreTask(static_cast<size_t>(step.number)); break;
      case Undo::Kind::TimerAdded:
        s_.timers_.dropLast(step.number);
        --s_.nextTimerId_;
        break;
      case Undo::Kind::TimerRemoved: s_.timers_.restore(step.number); break;
      case Undo::Kind::EventKept: {
        auto row = static_cast<uint32_t>(step.number);
        const MemoryStore::KeptEvent& kept = s_.events_[row];
        for (uint32_t i = 0; i < kept.firedCount; ++i) s_.firedRules_.pop_back();
        s_.eventIndex_.remove(kept.record.id, row);
        s_.events_.pop_back();
        break;
      }
      case Undo::Kind::EffectAdded:
        static_cast<std::vector<size_t>*>(step.place)->pop_back();
        s_.effects_.pop_back();
        --s_.nextEffectId_;
        break;
      case Undo::Kind::HistoryAdded: static_cast<std::vector<HistoryRecord>*>(step.place)->pop_back(); break;
      case Undo::Kind::NoteAdded: static_cast<std::vector<NoteRecord>*>(step.place)->pop_back(); break;
      case Undo::Kind::CounterTaken: --*static_cast<int64_t*>(step.place); break;
    }
  }
};

// A slot that is not full keeps its record's room (strings, lists) for the
// next decode or save; what the record says is never read again.
void MemoryStore::forgetDecoded(StoredDeal& deal) {
  if (deal.cached < 0) return;
  DecodedDeal& slot = decoded_[static_cast<size_t>(deal.cached)];
  slot.owner = nullptr;
  slot.full = false;
  slot.dirty = false;
  deal.cached = -1;
}

void MemoryStore::emptyDecoded(StoredDeal& deal) {
  if (deal.cached < 0) return;
  DecodedDeal& slot = decoded_[static_cast<size_t>(deal.cached)];
  slot.full = false;
  slot.dirty = false;
}

void MemoryStore::letGo(DecodedDeal& slot) {
  if (!slot.owner) return;
  if (slot.full && slot.dirty) writeBack(slot);
  forgetDecoded(*slot.owner);
}

void MemoryStore::writeBack(DecodedDeal& slot) {
  std::string_view bytes = blob::encodeDealIn(encodeScratch_, *slot.record);
  std::string& blob = slot.owner->blob;
  // The row's string is often room left by another deal's blob: reused when
  // it fits closely, else the blob is made at its size (a million of them
  // are what `voronka sim` holds).
  if (blob.capacity() >= bytes.size() && blob.capacity() <= bytes.size() + 64) {
    blob.assign(bytes);
  } else {
    blob = std::string(bytes);
  }
  slot.dirty = false;
}

void MemoryStore::keepDirty(StoredDeal& deal, DealPtr record) {
  if (decoded_.empty()) decoded_.resize(kDecodedDeals);
  if (deal.cached < 0) {
    size_t at = nextDecoded_;
    nextDecoded_ = (nextDecoded_ + 1) % decoded_.size();
    letGo(decoded_[at]);
    decoded_[at].owner = &deal;
    deal.cached = static_cast<int32_t>(at);
  }
  DecodedDeal& slot = decoded_[static_cast<size_t>(deal.cached)];
  if (slot.record) spareRecords_.push_back(std::move(slot.record));
  slot.record = std::move(record);
  slot.full = true;
  slot.dirty = true;
}

const DealRecord* MemoryStore::decodedOf(const StoredDeal& deal) const {
  if (deal.cached < 0) return nullptr;
  const DecodedDeal& slot = decoded_[static_cast<size_t>(deal.cached)];
  return slot.full ? slot.record.get() : nullptr;
}

MemoryStore::DealPtr MemoryStore::spareRecord() {
  if (spareRecords_.empty()) return std::make_unique<DealRecord>();
  DealPtr record = std::move(spareRecords_.back());
  spareRecords_.pop_back();
  return record;
}

MemoryStore::DealPtr MemoryStore::roomForDecode() {
  if (!spareRecords_.empty()) return spareRecord();
  if (decoded_.empty()) decoded_.resize(kDecodedDeals);
  // The slot keepDirty() gives away next: its deal is let go of now rather
  // than at the next save, and its record is the room.
  DecodedDeal& slot = decoded_[nextDecoded_];
  letGo(slot);
  return slot.record ? std::move(slot.record) : std::make_unique<DealRecord>();
}

std::unique_ptr<Transaction> MemoryStore::begin() {
  // Refused before it is built in the room: the open one lives there.
  if (open_) throw std::logic_error("the memory store runs one transaction at a time");
  return std::unique_ptr<Transaction>(new (*this) MemoryTransaction(*this));
}

std::optional<int64_t> MemoryStore::nextDue() { return timers_.nextDue(); }

std::optional<TimerRecord> MemoryStore::firstDueTimer(int64_t until) {
  if (open_) throw std::logic_error("the memory store runs one transaction at a time");
  std::vector<TimerRecord> due = timers_.due(until, 1);
  if (due.empty()) return std::nullopt;
  return std::move(due.front());
}

}  // namespace voronka::store
