// The rule engine: deals, events, moves, timers and actions with the
// semantics of LANGUAGE.md §5, §6 and §8, over a Store and a Clock.
//
// Every call is one transaction: all of an event's changes (deal, tasks,
// timers, outbox entries, history) commit together or not at all.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/bytecode/limits.h"
#include "runtime/bytecode/module.h"
#include "runtime/calendar/calendar.h"
#include "runtime/engine/clock.h"
#include "runtime/engine/names.h"
#include "runtime/engine/stage_rules.h"
#include "runtime/engine/trace.h"
#include "runtime/store/store.h"
#include "runtime/vm/vm.h"

namespace voronka::engine {

struct TransactionState;  // processing.h
struct FiredSite;         // processing.h

struct EngineOptions {
  int maxCascade = limits::kMaxCascadeMoves;  // moves one event may cause, through `on enter` rules
  std::string formsBaseUrl = "https://forms.voronka.local";
  // The version (content hash) of the module this engine runs: saved on every
  // deal it writes and every event it applies. Empty: versions are not kept.
  std::string moduleVersion;
};

// What a deployment (runtime/deploy) asks of the new version's engine for a
// deal it has just translated onto that version.
struct Adoption {
  // A timer to set again as the new version times it, from its anchor (when
  // the old one was scheduled), with the payload it carried.
  struct Reschedule {
    store::TimerKind kind = store::TimerKind::Rule;
    int32_t rule = -1;
    int32_t action = -1;  // Then: the `then` descriptor
    int64_t anchor = 0;
    int32_t event = -1;
    std::string payload;
  };
  std::vector<Reschedule> reschedule;
  // Timed rules the new version adds to the deal's stage, to start from
  // `startAnchor` (when their `when` holds, as on entry).
  std::vector<int32_t> start;
  int64_t startAnchor = 0;
  bool runEnter = false;  // run the stage's `on enter` rules now (retroactive enrolment)
  std::string cause;      // the deployment, for idempotency keys of the effects rules make
  int64_t now = 0;
};

struct Outcome {
  enum class Status { Applied, Duplicate, Rejected, Failed, Invalid, UnknownDeal };
  Status status = Status::Applied;
  std::string message;
  bool ok() const { return status == Status::Applied || status == Status::Duplicate; }
};
const char* statusName(Outcome::Status s);

// A value for a field or one of the deal's own properties.
struct FieldAssignment {
  bc::SetTarget target = bc::SetTarget::Field;
  int32_t field = -1;
  store::FieldValue value;
};

struct NewDeal {
  std::string id;
  int32_t pipeline = -1;
  int32_t stage = -1;  // -1: the pipeline's initial stage
  std::vector<FieldAssignment> values;
  std::vector<std::string> tags;
  int32_t responsible = -1;
};

struct EventIn {
  int32_t event = -1;
  int32_t arg = -1;                           // as the module encodes it; tags use `tag`
  std::string tag;                            // tag_added / tag_removed
  std::vector<store::FieldValue> payload;     // by parameter index (none where absent)
  std::vector<store::FieldValue> formValues;  // form_submitted: values of the form's fields, by field index
  int32_t responsible = -1;                   // responsible_changed: the new responsible user (-1: as it is)
};

// Where a manual move goes, by name. The engine resolves it against the deal
// as it reads it inside the move's own transaction, so the target is never
// worked out from a deal that has changed in between.
struct MoveTarget {
  std::string pipeline;  // empty: the deal's own pipeline
  std::string stage;     // a stage of that pipeline (unless `next`)
  bool next = false;     // the stage after the deal's current one
  // "stage" or "pipeline.stage", as the wire format and the API write it.
  static MoveTarget parse(std::string_view path);
  // As written, for messages: "contract", "retail.contract" or "next".
  std::string text() const;
};

// A manual move's outcome, and the stage its target named (nullopt when the
// target was not resolved: the event was a duplicate, the deal unknown, or
// the target names no stage of the deal — then the outcome is Invalid).
struct MoveOutcome {
  Outcome outcome;
  std::optional<std::pair<int32_t, int32_t>> target;  // pipeline, stage
};

// A built-in value (deal.name, now, open_tasks…) of a deal at `now`.
bc::Value dealBuiltin(bc::BuiltinValue which, store::DealRecord& deal, store::Transaction& tx, int64_t now,
                      const Calendar& calendar);

// What the engine has done since it started (for /metrics).
struct EngineStats {
  uint64_t timersFired = 0;
  uint64_t timersLate = 0;  // fired more than kLateAfterSeconds after they fell due
  int64_t maxLatenessSeconds = 0;
};
inline constexpr int64_t kLateAfterSeconds = 1;

class Engine {
 public:
  // Throws std::runtime_error when a calendar's time zone is unknown.
  Engine(const bc::Module& module, store::Store& store, Clock& clock, EngineOptions options = {});
  ~Engine();

  void setTrace(Trace* trace) { trace_ = trace; }
  const bc::Module& module() const { return module_; }
  const std::string& moduleVersion() const { return options_.moduleVersion; }
  // The event being applied as it came in (wire JSON; applyWireEvent sets it
  // for the call): the store keeps it with the event, for replay.
  void setIncomingBody(std::string body) { incomingBody_ = std::move(body); }
  const std::string& incomingBody() const { return incomingBody_; }
  // The body, moved out: the event's record keeps it (once per call).
  std::string takeIncomingBody() { return std::move(incomingBody_); }
  // Keeps an event's record in `tx`, with the rule blocks `state` says fired.
  void keepEvent(store::Transaction& tx, store::EventRecord event, const TransactionState& state);
  // Room for a transaction's list of the rule blocks that fired, lent to
  // each transaction in turn (an allocation per event otherwise).
  std::vector<FiredSite>& firedRoom() { return firedRoom_; }
  // Whether the store keeps effects, processed events and history
  // (Store::keepsRecords): when not, the engine makes none of them.
  bool keepsRecords() const { return store_.keepsRecords(); }
  const Calendar& calendar(int32_t index) const { return calendars_[static_cast<size_t>(index)]; }

  // Each takes the id of the request for idempotency: a repeated id changes
  // nothing and reports Duplicate.
  Outcome createDeal(const std::string& eventId, const NewDeal& deal);
  Outcome handleEvent(const std::string& eventId, const std::string& deal, const EventIn& event);
  Outcome setFields(const std::string& eventId, const std::string& deal, const std::vector<FieldAssignment>& values);
  MoveOutcome manualMove(const std::string& eventId, const std::string& deal, const MoveTarget& target,
                         const std::string& lostReason);
  // Fires, in time order (oldest first), the timers due at or before
  // `until`, each in its own transaction and at its own due time; at most
  // `maxTimers` of them, so that a caller can commit and serve other work
  // between batches. Returns how many fired.
  size_t runDue(int64_t until, size_t maxTimers = limits::kMaxTimersPerRunDue);

  const EngineStats& stats() const { return stats_; }

  // Inside the caller's transaction (a deployment's, committed or rolled back
  // by it): sets the timers of `what.reschedule` and runs the `on enter` rules for
  // `deal`, already translated to this engine's module, then saves it.
  // Throws std::runtime_error when the enter rules cascade too deep. Returns
  // how many timers of `what.start` it set.
  int adopt(store::Transaction& tx, store::DealRecord deal, const Adoption& what);

  // For scenario tests (`deal … split first|else`): every `split` this deal
  // runs takes its first share (true) or its `else` share (false) instead of
  // the deal's hash bucket. Production never calls it.
  void forceSplits(const std::string& deal, bool first) { forcedSplits_[deal] = first; }

 private:
  friend class Processing;
  const bc::Module& module_;
  store::Store& store_;
  Clock& clock_;
  VirtualClock* virtualClock_;  // clock_ when it is virtual (runDue moves it to each timer), else null
  EngineOptions options_;
  std::vector<Calendar> calendars_;
  Names names_;
  // The first event of each kind (Processing::eventIndex), found once.
  std::array<int32_t, static_cast<size_t>(bc::EventKind::Custom) + 1> eventOfKind_{};
  std::unique_ptr<vm::Vm> vm_;
  Trace* trace_ = nullptr;
  EngineStats stats_;
  std::map<std::string, bool> forcedSplits_;  // deal id → first share?
  std::string incomingBody_;
  // Fired rule blocks' names by function index, made once; room for the
  // views keepEvent() hands the store, reused from event to event.
  static std::vector<std::string> blockNames(const bc::Module& m);
  std::vector<std::string> blockNames_ = blockNames(module_);
  std::vector<store::FiredRuleRef> firedScratch_;
  std::vector<FiredSite> firedRoom_;
  // By event index: whether some rule of the module is cancelled by the
  // event (`unless EVENT`). Only such rules' timers carry an unless event (a
  // deployment sets it anew from the new version's rule), so another event
  // has no timer to cancel and its look through the deal's timers is skipped.
  static std::vector<bool> unlessEvents(const bc::Module& m);
  std::vector<bool> unlessEvents_ = unlessEvents(module_);
  // Whether some rule runs on `task_overdue` or is cancelled by it. When
  // none is, and nothing else would see one fire (records, a trace), a
  // task's overdue timer is not set (Processing::wantsOverdueTimer).
  bool rulesHearOverdue_ = false;
  StageRules stageRules_{module_};  // each stage's rules by what runs them
};

}  // namespace voronka::engine
