// What the runtime keeps: deals, tasks, timers, effects (the outbox),
// processed events, stage history and notes. Plain data, so every Store
// (memory, SQLite; PostgreSQL next) can keep it the same way.
// Instants are UTC seconds since 1970.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/bytecode/value.h"

namespace voronka::store {

// A deal's field value as stored (it owns its text).
struct FieldValue {
  bc::Tag tag = bc::Tag::None;
  uint16_t aux = 0;
  double num = 0;
  int64_t i = 0;
  std::string text;

  bc::Value view() const;
  static FieldValue of(const bc::Value& v);
  bool operator==(const FieldValue& o) const;
};

// How many times a deal entered each stage, by (pipeline << 32 | stage). A
// deal has a few entries: one vector, in key order (a std::map would take a
// heap node per entry, made and freed with every copy of a deal).
class VisitCounts {
 public:
  using Entry = std::pair<int64_t, int32_t>;
  using const_iterator = std::vector<Entry>::const_iterator;

  VisitCounts() = default;
  VisitCounts(std::initializer_list<Entry> entries) {
    for (const auto& [key, count] : entries) (*this)[key] = count;
  }
  // The count of `key`, added as 0 when there is none.
  int32_t& operator[](int64_t key) {
    auto it =
        std::lower_bound(entries_.begin(), entries_.end(), key, [](const Entry& e, int64_t k) { return e.first < k; });
    if (it == entries_.end() || it->first != key) it = entries_.insert(it, {key, 0});
    return it->second;
  }
  const_iterator find(int64_t key) const {
    auto it =
        std::lower_bound(entries_.begin(), entries_.end(), key, [](const Entry& e, int64_t k) { return e.first < k; });
    return it != entries_.end() && it->first == key ? it : entries_.end();
  }
  size_t count(int64_t key) const { return find(key) != end() ? 1 : 0; }
  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void clear() { entries_.clear(); }
  bool operator==(const VisitCounts&) const = default;

 private:
  std::vector<Entry> entries_;  // by key, each key once
};

struct DealRecord {
  std::string id;
  int32_t pipeline = -1;
  int32_t stage = -1;
  // The stage the deal was in before its current one (`deal.previous_stage`);
  // -1 for a deal that has not moved since it was created.
  int32_t previousPipeline = -1;
  int32_t previousStage = -1;
  uint64_t epoch = 0;     // the stage visit: timers of older visits never fire
  int64_t enteredAt = 0;  // when the current stage was entered
  int64_t createdAt = 0;
  std::string name;
  std::vector<FieldValue> fields;  // by field index of the module
  std::vector<std::string> tags;
  int32_t responsible = -1;  // user index
  std::string contactName, contactEmail, contactPhone, companyName;
  VisitCounts visits;
  std::string lostReason;  // while the deal is in a lost stage
  std::string error;       // the last event that failed on this deal, and why
  int32_t childDeals = 0;  // deals created from this one (for their ids)
  uint64_t version = 0;    // bumped by every change that is saved
  // The module version the deal runs on (ModuleRecord::version); its stages,
  // fields, users and rules are positions in that module. Empty in stores
  // that keep no versions (tests, `voronka run`).
  std::string moduleVersion;
};

// Copies `from` into `to`, reusing `to`'s strings and lists: equal to
// `to = from`, with no call made for the texts both leave empty (most of a
// deal's fields are numbers). The memory store copies a deal per event so.
void copyDealInto(DealRecord& to, const DealRecord& from);

struct TaskRecord {
  int64_t id = 0;
  std::string deal;
  int32_t type = -1;  // task type index, -1 for none
  std::string text;
  int64_t due = 0;  // 0: no due time
  int32_t responsible = -1;
  bool done = false;
  int64_t createdAt = 0;
  int64_t completedAt = 0;
  std::string comment;
  uint64_t epoch = 0;  // the stage visit that created it
};

// An open task as the engine reads it (Transaction::forEachOpenTask): the
// texts are views, valid while the visit lasts.
struct TaskView {
  int64_t id = 0;
  int32_t type = -1;
  std::string_view text{};
  int64_t due = 0;
  int32_t responsible = -1;
  int64_t createdAt = 0;
  int64_t completedAt = 0;
  std::string_view comment{};
  uint64_t epoch = 0;

  static TaskView of(const TaskRecord& t) {
    return {t.id, t.type, t.text, t.due, t.responsible, t.createdAt, t.completedAt, t.comment, t.epoch};
  }
  // A new, open task of `deal` (no id): what addTaskView() is given.
  TaskRecord record(std::string_view deal) const {
    return {.deal = std::string(deal),
            .type = type,
            .text = std::string(text),
            .due = due,
            .responsible = responsible,
            .createdAt = createdAt,
            .completedAt = completedAt,
            .comment = std::string(comment),
            .epoch = epoch};
  }
};

enum class TimerKind : uint8_t { Rule, Then, TaskOverdue };

struct TimerRecord {
  int64_t id = 0;
  std::string deal;
  int64_t due = 0;
  TimerKind kind = TimerKind::Rule;
  int32_t rule = -1;    // Rule: the rule; Then: the rule whose block scheduled it
  int32_t action = -1;  // Then: the `then` descriptor
  uint64_t epoch = 0;   // the stage visit it belongs to
  int32_t event = -1;   // the event the rule ran on (its payload is in `payload`)
  std::string payload;  // JSON object of payload values, by parameter name
  int32_t unlessEvent = -1;
  int32_t unlessArg = -1;
  int64_t task = 0;  // TaskOverdue: the task
  int64_t scheduledAt = 0;
  std::string cause;  // the event or timer that scheduled it
};

// A timer as the engine schedules it: a TimerRecord's members but its id,
// with its texts as views, so a store that encodes them (the memory store)
// copies nothing first.
struct TimerView {
  std::string_view deal{};
  int64_t due = 0;
  TimerKind kind = TimerKind::Rule;
  int32_t rule = -1;
  int32_t action = -1;
  uint64_t epoch = 0;
  int32_t event = -1;
  std::string_view payload{};
  int32_t unlessEvent = -1;
  int32_t unlessArg = -1;
  int64_t task = 0;
  int64_t scheduledAt = 0;
  std::string_view cause{};

  static TimerView of(const TimerRecord& t) {
    return {t.deal,    t.due,         t.kind,      t.rule, t.action,      t.epoch, t.event,
            t.payload, t.unlessEvent, t.unlessArg, t.task, t.scheduledAt, t.cause};
  }
  TimerRecord record() const {  // with no id
    return {.deal = std::string(deal),
            .due = due,
            .kind = kind,
            .rule = rule,
            .action = action,
            .epoch = epoch,
            .event = event,
            .payload = std::string(payload),
            .unlessEvent = unlessEvent,
            .unlessArg = unlessArg,
            .task = task,
            .scheduledAt = scheduledAt,
            .cause = std::string(cause)};
  }
};

// One delivery attempt of an effect, as the relay recorded its outcome.
struct AttemptRecord {
  int64_t effect = 0;
  std::string deal{};       // the effect's deal (the store takes it from the effect)
  int32_t attempt = 0;      // the effect's attempt number: 1, 2, …; from 1 again after a dead letter is retried
  int64_t at = 0;           // when the outcome was recorded
  std::string outcome{};    // delivered; failed (to be tried again); dead (given up)
  int32_t httpStatus = 0;   // the receiver's HTTP status; 0: none or unknown
  std::string error{};      // why it failed; empty when delivered
  int64_t durationMs = -1;  // how long the delivery took; -1: unknown
};

// What the engine checks of a pending timer before it cancels one: no texts.
struct TimerHead {
  int64_t id = 0;
  TimerKind kind = TimerKind::Rule;
  int32_t rule = -1;
  uint64_t epoch = 0;
  int32_t unlessEvent = -1;
  int32_t unlessArg = -1;
  int64_t task = 0;  // TaskOverdue: the task
};

struct EffectRecord {
  int64_t id = 0;
  std::string deal;
  std::string kind;     // email, message, sms, webhook, request, analytics, notify
  std::string key;      // stable idempotency key
  std::string payload;  // JSON object
  int64_t createdAt = 0;
  int64_t notBefore = 0;           // not to be sent before (working hours)
  std::string status = "pending";  // pending, delivered, dead (dead letter: gave up after the last attempt)
  int32_t attempts = 0;
  int64_t nextAttemptAt = 0;  // pending: not to be tried again before (backoff)
  int64_t deliveredAt = 0;
  std::string lastError;  // why the last attempt failed
  // Set only on the putEffect() that records an attempt's outcome (the
  // relay's): the store adds it to the effect's attempts (attemptsOf) in the
  // same transaction. Never read back on the effect.
  std::optional<AttemptRecord> attempt{};
};

// Sizes for /metrics and the API.
struct StoreCounts {
  int64_t deals = 0;
  int64_t timersPending = 0;
  int64_t effectsPending = 0;
  int64_t effectsDead = 0;
  int64_t events = 0;
};

struct StageCount {
  int32_t pipeline = -1;
  int32_t stage = -1;
  int64_t deals = 0;
};

// A rule whose block ran for an event or timer, named as the module that
// applied it had it (EventRecord::moduleVersion): readable whatever runs later.
struct FiredRule {
  int32_t rule = -1;   // its index in that module
  std::string name{};  // its block's name ("retail.new on enter body", "… then 1")
  std::string file{};  // the source file
  int32_t line = 0;    // where the block starts (the rule, or its `then`)
};

// A FiredRule as the engine hands it to keepEvent(): its texts are views
// into the module that ran it, valid for that call only; a store copies (or
// interns) what it keeps.
struct FiredRuleRef {
  int32_t rule = -1;
  std::string_view name{};
  std::string_view file{};
  int32_t line = 0;
};

struct EventRecord {
  std::string id;
  std::string deal;
  std::string type;
  int64_t at = 0;
  std::string outcome;          // applied, rejected: …, failed: …
  std::string moduleVersion{};  // the version that applied it
  std::string body{};           // the event as it came in (wire JSON), for replay; empty for timers
  int64_t seq = 0;              // the order events were recorded in (set by the store)
  // The rules that fired, in the order they ran: recordEvent() keeps them
  // (unless the event was recorded already), event() and eventsOf() read
  // them back; eventLog() leaves them out. Events recorded before stores kept
  // them have none.
  std::vector<FiredRule> fired{};
};

// A deployed module, kept whole: deals on it can be read and migrated, and a
// rollback is a deploy of it again. Versions are immutable.
struct ModuleRecord {
  std::string version;  // content hash of the bytes (runtime/versions/version_id.h)
  std::string bytes;    // the .funnelc file; empty in listings
  std::string source;   // where it came from, for people (a path)
  int64_t addedAt = 0;
};

// One entry of the deployment journal.
struct DeploymentRecord {
  int64_t id = 0;
  int64_t startedAt = 0;
  int64_t finishedAt = 0;   // 0 while it runs
  std::string by;           // who asked: "cli", "serve", "token:1a2b3c4d" (a fingerprint, never the token)
  std::string fromVersion;  // empty for a store's first version
  std::string toVersion;
  std::string plan;    // JSON: the migration plan as validated
  std::string status;  // running, done
  std::string result;  // JSON: what it did (deals, timers, rules run, failures)
};

// Pending timers of one rule (Rule and Then timers), for `voronka diff --live`.
struct RuleTimerCount {
  TimerKind kind = TimerKind::Rule;
  int32_t rule = -1;
  int64_t timers = 0;
};

// A deal's place in creation order, to walk deals in chunks.
struct DealPosition {
  int64_t position = 0;
  std::string id;
};

struct HistoryRecord {
  std::string deal;
  int32_t fromPipeline = -1, fromStage = -1;
  int32_t toPipeline = -1, toStage = -1;
  int64_t at = 0;
  std::string cause;  // the event, timer or manual move
  std::string how;    // created, trigger, automatic, manual
};

struct NoteRecord {
  std::string deal;
  int64_t at = 0;
  std::string text;
};

}  // namespace voronka::store
