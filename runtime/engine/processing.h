// Internal to the engine: one deal's processing inside one transaction. It is
// the VM's host (fields, built-ins, payload, actions) and carries out moves,
// timers and actions. engine.cpp drives it; moves.cpp, actions.cpp and
// timers.cpp hold its parts.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/engine/engine.h"
#include "runtime/engine/json_text.h"
#include "runtime/engine/trace.h"

namespace voronka::engine {

// The event's cascade of immediate moves ran too deep (§8): the whole event
// is undone and the deal marked.
class CascadeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a trace or an error should point at: the rule or action in the source.
struct Site {
  int32_t rule = -1;
  int32_t line = 0;
};

enum class MoveKind { Trigger, Automatic, Manual };

// A rule block that ran (its `when` held): kept with the event it ran for.
struct FiredSite {
  int32_t rule;
  int32_t function;  // the block: the rule's body, or one of its `then` blocks
  int32_t line;      // where that block starts
};

// Shared by every Processing of one transaction (a created deal gets its own).
struct TransactionState {
  store::Transaction& tx;
  std::string cause;                  // the event id or "timer:<id>": idempotency keys derive from it
  int effects = 0;                    // effects made so far: the key's counter
  int depth = 0;                      // moves in the current cascade
  bool inMoveRejected = false;        // running `on move_rejected`: a refusal there raises no second one
  bool keepRejected = false;          // a refused manual move ran `move_rejected` rules: commit them
  std::vector<nlohmann::json> trace;  // delivered after commit
  std::vector<FiredSite> fired;       // the rule blocks that ran, in order: recorded with the event
  std::vector<TraceFact> facts;       // delivered after commit, to a trace that wants them
};

class Processing : public vm::Host {
 public:
  // Works on `deal` in place (the caller's record, not a copy of it): it must
  // outlive the processing, and save() hands it to the store.
  Processing(Engine& engine, TransactionState& state, store::DealRecord& deal, int64_t now);
  // Works on a record the store lent (Transaction::dealToChange) and gives
  // it back with save(); dropped unsaved, the store does without it.
  Processing(Engine& engine, TransactionState& state, store::Transaction::DealPtr deal, int64_t now);

  store::DealRecord& deal() { return deal_; }
  // Saves the deal; the processing is over (the record is moved into the store).
  void save();

  // ── vm::Host ──
  bc::Value field(int32_t index) override;
  bc::Value builtin(bc::BuiltinValue which) override;
  bc::Value payload(int32_t index) override;
  const Calendar& calendar() override;
  void act(const bc::ActionDesc& action, const bc::Value* operands) override;
  bool splitFirst(const bc::ActionDesc& split) override;

  // ── engine.cpp ──
  // A new deal: defaults, given values, tags, responsible; then its first stage.
  void initialize(const std::vector<FieldAssignment>& values, const std::vector<std::string>& tags,
                  int32_t responsible);
  void start(int32_t fromPipeline, int32_t fromStage);
  // An event from outside: its own effects (form values, tags, a task done), then the rules.
  void receive(const EventIn& in);
  std::string tooManyTags();
  int32_t eventIndex(bc::EventKind kind) const { return engine_.eventOfKind_[static_cast<size_t>(kind)]; }
  void setPayload(int32_t event, std::vector<store::FieldValue> values);
  void clearPayload();  // no event's payload: what setPayload(kNo, {}) would do
  bool ruleApplies(const bc::RuleDef& rule, int32_t arg, std::string_view tag);
  // Runs the rules of the current stage for an event; stops when the deal leaves.
  void runEvent(int32_t event, int32_t arg, std::string_view tag);
  bool condition(int32_t function);
  void runBody(const bc::RuleDef& rule, int32_t function, bool trigger);
  // A rule's block is about to run: the event's record will name it.
  void noteFired(int32_t rule, int32_t function, int32_t line) {
    if (state_.fired.empty()) state_.fired.reserve(4);  // one allocation for the usual few
    state_.fired.push_back({rule, function, line});
  }
  // A trace entry "what" made by make() (a JSON object), and only when a
  // trace is attached that wants it: nothing is formatted for nobody.
  template <typename Make>
  void trace(std::string_view what, Make make) {
    if (tracing(what)) traceEntry(what, make());
  }
  // Inline: asked several times an event, and nearly always false.
  bool tracing(std::string_view what) const { return engine_.trace_ != nullptr && engine_.trace_->wants(what); }
  bool tracingFacts() const { return engine_.trace_ != nullptr && engine_.trace_->wantsFacts(); }
  // Whether a task with a due time gets its `task_overdue` timer.
  bool wantsOverdueTimer() const;
  void traceEntry(std::string_view what, nlohmann::json entry);

  // ── moves.cpp ──
  // Returns the reason when the move is refused (policies, guards), else nullopt.
  std::optional<std::string> move(int32_t pipeline, int32_t stage, MoveKind kind, const std::string& lostReason,
                                  const std::string& how);
  std::optional<std::string> guardsRefuse(int32_t pipeline, int32_t stage);
  void enterStage(int32_t fromPipeline, int32_t fromStage, bool created);
  // The stage's immediate rules on `event` (enter, create), for a deal that came from `from…`.
  void runEntryRules(int32_t event, int32_t fromPipeline, int32_t fromStage);
  void leaveStage();
  void applyPendingMove(bool trigger);
  // A guard or policy refused a move: the deal gets `move_rejected` (with the
  // refused stage and the reason) in the same transaction.
  void moveRejected(int32_t pipeline, int32_t stage, const std::string& reason);

  // ── timers.cpp ──
  void scheduleOnEnter(int32_t fromPipeline, int32_t fromStage);
  void scheduleRule(int32_t rule, int64_t anchor);
  void rescheduleAt(const std::vector<int32_t>& changedFields);
  void cancelUnless(int32_t event, int32_t arg, std::string_view tag);
  void cancelVisitTimers();
  // Marks the deal's open task done and cancels its overdue timer: a done
  // task never becomes overdue, so the timer would only load the deal for
  // nothing (with deals in the millions, a cache miss and a save each).
  void completeTask(int64_t task, std::optional<std::string_view> comment);
  // `complete tasks`: marks each open task done, then cancels their overdue
  // timers in one pass over the deal's timers (not one pass per task). With
  // "timer cancelled" traced, each task goes through completeTask() instead,
  // so the trace keeps its order: each task's timer, then the task.
  void completeTasks(std::span<const int64_t> first, std::span<const int64_t> rest,
                     std::optional<std::string_view> comment, const std::vector<std::string>& tracedTexts);
  void fire(const store::TimerRecord& timer);
  void scheduleThen(int32_t rule, int32_t action);
  // `within workhours`: into working time, later or earlier; None leaves t.
  int64_t shiftIntoWork(int64_t t, bc::WorkhoursShift shift);
  int64_t addDuration(int64_t t, int64_t seconds, int32_t workdays);
  std::string payloadJson() const;
  void loadPayload(int32_t event, const std::string& json);

  // ── actions.cpp ──
  void setValue(bc::SetTarget target, int32_t field, const store::FieldValue& value, std::vector<int32_t>* changed);
  void assign(bc::AssignMode mode, int32_t user, int32_t team, store::DealRecord& target);
  // An outbox row of the effect kind of `action` (actions.def, column Effect).
  void addEffect(bc::ActionKind action, json_text::Object payload, int64_t notBefore);
  // A template's text. A view into the VM's scratch, valid while the running
  // rule block lasts (act() is only called from inside one).
  std::string_view render(int32_t function);
  // The value as JSON text, as valueToJson() would write it (tags: an array).
  std::string toJson(const bc::Value& v);

  Engine& engine_;
  const bc::Module& m_;
  TransactionState& state_;
  store::Transaction::DealPtr lent_;  // the record deal_ is, when the store lent it
  store::DealRecord& deal_;
  int64_t now_;
  int32_t event_ = -1;  // the event whose payload the running code reads
  std::vector<store::FieldValue> payload_;
  // A move requested by the running block; it happens when the block ends.
  struct PendingMove {
    int32_t pipeline, stage;
    std::string reason;
  };
  std::optional<PendingMove> pending_;
  Site site_;
};

}  // namespace voronka::engine
