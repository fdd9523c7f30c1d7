// The engine's entry points, each one transaction, and the parts of
// Processing that run rules for an event.
#include "runtime/engine/engine.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include <fmt/format.h>

#include "common/hash.h"
#include "runtime/engine/processing.h"
#include "runtime/engine/values.h"

namespace voronka::engine {

using bc::kNo;

const char* statusName(Outcome::Status s) {
  switch (s) {
    case Outcome::Status::Applied: return "applied";
    case Outcome::Status::Duplicate: return "duplicate";
    case Outcome::Status::Rejected: return "rejected";
    case Outcome::Status::Failed: return "failed";
    case Outcome::Status::Invalid: return "invalid";
    case Outcome::Status::UnknownDeal: return "unknown deal";
  }
  return "?";
}

Engine::Engine(const bc::Module& module, store::Store& store, Clock& clock, EngineOptions options)
    : module_(module),
      store_(store),
      clock_(clock),
      virtualClock_(dynamic_cast<VirtualClock*>(&clock)),  // once, not per timer
      options_(std::move(options)),
      names_(module) {
  for (const bc::CalendarDef& c : module.calendars) {
    try {
      calendars_.emplace_back(module.str(c.timezone), c.windows, c.holidays);
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("cannot use time zone \"{}\": {}", module.str(c.timezone), e.what()));
    }
  }
  vm_ = std::make_unique<vm::Vm>(module);
  eventOfKind_.fill(kNo);
  for (size_t i = module.events.size(); i-- > 0;)
    eventOfKind_[static_cast<size_t>(module.events[i].kind)] = static_cast<int32_t>(i);
  int32_t overdue = eventOfKind_[static_cast<size_t>(bc::EventKind::TaskOverdue)];
  rulesHearOverdue_ = overdue != kNo &&
                      std::any_of(module.rules.begin(), module.rules.end(),
                                  [&](const bc::RuleDef& r) { return r.event == overdue || r.unlessEvent == overdue; });
}

Engine::~Engine() = default;

std::vector<bool> Engine::unlessEvents(const bc::Module& m) {
  std::vector<bool> out(m.events.size(), false);
  for (const bc::RuleDef& r : m.rules) {
    if (r.unlessEvent >= 0 && static_cast<size_t>(r.unlessEvent) < out.size())
      out[static_cast<size_t>(r.unlessEvent)] = true;
  }
  return out;
}

// The name of each function as a fired rule block is named: "shop.new#1" for
// a rule's body, "shop.new#1 then 1" for a `then` block.
std::vector<std::string> Engine::blockNames(const bc::Module& m) {
  std::vector<std::string> names;
  names.reserve(m.functions.size());
  for (const bc::Function& f : m.functions) {
    std::string name = m.str(f.name);
    if (name.ends_with(" body")) name.resize(name.size() - 5);
    names.push_back(std::move(name));
  }
  return names;
}

// Keeps the event's record with the rule blocks that ran for it, named as
// this module has them: by views, so that no string is made per rule.
void Engine::keepEvent(store::Transaction& tx, store::EventRecord event, const TransactionState& state) {
  firedScratch_.clear();
  for (const FiredSite& f : state.fired) {
    const bc::RuleDef& rule = module_.rules[static_cast<size_t>(f.rule)];
    store::FiredRuleRef r;
    r.rule = f.rule;
    if (f.function >= 0 && static_cast<size_t>(f.function) < blockNames_.size())
      r.name = blockNames_[static_cast<size_t>(f.function)];
    if (rule.file != kNo) r.file = module_.str(rule.file);
    r.line = f.line;
    firedScratch_.push_back(r);
  }
  tx.keepEvent(std::move(event), firedScratch_);
}

namespace {

// The engine's room for the list of fired rule blocks, lent to one
// transaction's state while it runs, and given back empty.
class FiredRoomLent {
 public:
  FiredRoomLent(std::vector<FiredSite>& room, std::vector<FiredSite>& fired) : room_(room), fired_(fired) {
    fired_.swap(room_);
  }
  ~FiredRoomLent() {
    fired_.clear();
    fired_.swap(room_);
  }
  FiredRoomLent(const FiredRoomLent&) = delete;
  FiredRoomLent& operator=(const FiredRoomLent&) = delete;

 private:
  std::vector<FiredSite>& room_;
  std::vector<FiredSite>& fired_;
};

// Runs `work` for one deal in one transaction. A cascade that runs too deep
// undoes everything and marks the deal in a transaction of its own.
template <typename Work>
Outcome transact(Engine& engine, store::Store& store, Trace* trace, const std::string& eventId,
                 const std::string& dealId, const std::string& type, int64_t now, Work work) {
  std::string failure;
  {
    auto tx = store.begin();
    if (!eventId.empty() && tx->eventSeen(eventId)) return {Outcome::Status::Duplicate, "already processed"};
    TransactionState state{*tx, eventId, 0, 0, false, false, {}, {}, {}};
    FiredRoomLent room(engine.firedRoom(), state.fired);
    Outcome outcome;
    try {
      outcome = work(*tx, state);
    } catch (const CascadeError& e) {
      failure = e.what();
    }
    if (failure.empty()) {
      bool applied = outcome.status == Outcome::Status::Applied;
      // Nothing is kept, except what `move_rejected` rules did for a refused move.
      if (!applied && !(outcome.status == Outcome::Status::Rejected && state.keepRejected)) return outcome;
      if (!eventId.empty() && engine.keepsRecords()) {
        engine.keepEvent(*tx,
                         {eventId, dealId, type, now, applied ? "applied" : "rejected: " + outcome.message,
                          engine.moduleVersion(), engine.takeIncomingBody()},
                         state);
      }
      tx->commit();
      if (trace) {
        for (const auto& entry : state.trace) trace->record(entry);
        for (const TraceFact& fact : state.facts) trace->fact(fact);
      }
      return outcome;
    }
  }
  // The failed event's changes are gone; remember the failure on the deal.
  auto tx = store.begin();
  if (auto deal = tx->deal(dealId)) {
    deal->error = fmt::format("{}: {}", eventId, failure);
    tx->putDeal(*deal);
  }
  if (!eventId.empty())
    tx->keepEvent({eventId, dealId, type, now, "failed: " + failure, engine.moduleVersion(), engine.takeIncomingBody()},
                  {});
  tx->commit();
  if (trace) trace->record({{"what", "failed"}, {"deal", dealId}, {"event", eventId}, {"error", failure}});
  return {Outcome::Status::Failed, failure};
}

}  // namespace

Outcome Engine::createDeal(const std::string& eventId, const NewDeal& spec) {
  int64_t now = clock_.now();
  return transact(*this, store_, trace_, eventId, spec.id, "deal_created", now,
                  [&](store::Transaction& tx, TransactionState& state) -> Outcome {
                    if (spec.id.empty()) return {Outcome::Status::Invalid, "a deal needs an id"};
                    if (tx.deal(spec.id))
                      return {Outcome::Status::Rejected, fmt::format("a deal with id \"{}\" exists already", spec.id)};
                    if (spec.pipeline < 0 || static_cast<size_t>(spec.pipeline) >= module_.pipelines.size()) {
                      return {Outcome::Status::Invalid, "unknown pipeline"};
                    }
                    const bc::PipelineDef& p = module_.pipelines[spec.pipeline];
                    int32_t stage = spec.stage < 0 ? p.initial : spec.stage;
                    if (p.stages[stage].kind != bc::StageKind::Working) {
                      return {Outcome::Status::Invalid, "a deal cannot start in a final stage"};
                    }
                    store::DealRecord d;
                    d.id = spec.id;
                    d.pipeline = spec.pipeline;
                    d.stage = stage;
                    Processing proc(*this, state, d, now);
                    proc.initialize(spec.values, spec.tags, spec.responsible);
                    proc.start(-1, -1);
                    proc.save();
                    return {};
                  });
}

Outcome Engine::handleEvent(const std::string& eventId, const std::string& dealId, const EventIn& in) {
  int64_t now = clock_.now();
  static const std::string kUnknownType = "?";
  const std::string& type = in.event >= 0 ? module_.str(module_.events[in.event].name) : kUnknownType;
  return transact(*this, store_, trace_, eventId, dealId, type, now,
                  [&](store::Transaction& tx, TransactionState& state) -> Outcome {
                    store::Transaction::DealPtr d = tx.dealToChange(dealId);
                    if (!d) return {Outcome::Status::UnknownDeal, fmt::format("there is no deal \"{}\"", dealId)};
                    if (in.event < 0 || static_cast<size_t>(in.event) >= module_.events.size())
                      return {Outcome::Status::Invalid, "unknown event"};
                    Processing proc(*this, state, std::move(d), now);
                    proc.trace("event", [&] { return nlohmann::json{{"event", eventId}, {"type", type}}; });
                    proc.receive(in);
                    proc.save();
                    return {};
                  });
}

Outcome Engine::setFields(const std::string& eventId, const std::string& dealId,
                          const std::vector<FieldAssignment>& values) {
  int64_t now = clock_.now();
  return transact(*this, store_, trace_, eventId, dealId, "field_set", now,
                  [&](store::Transaction& tx, TransactionState& state) -> Outcome {
                    store::Transaction::DealPtr d = tx.dealToChange(dealId);
                    if (!d) return {Outcome::Status::UnknownDeal, fmt::format("there is no deal \"{}\"", dealId)};
                    Processing proc(*this, state, std::move(d), now);
                    std::vector<int32_t> changed;
                    for (const auto& v : values) proc.setValue(v.target, v.field, v.value, &changed);
                    proc.rescheduleAt(changed);
                    // A change by hand raises field_changed(FIELD) for every field that changed.
                    int32_t fieldChanged = proc.eventIndex(bc::EventKind::FieldChanged);
                    for (int32_t f : changed) {
                      proc.cancelUnless(fieldChanged, f, "");
                      proc.runEvent(fieldChanged, f, "");
                    }
                    proc.save();
                    return {};
                  });
}

MoveTarget MoveTarget::parse(std::string_view path) {
  MoveTarget t;
  size_t dot = path.find('.');
  if (dot != std::string_view::npos) {
    t.pipeline = std::string(path.substr(0, dot));
    path = path.substr(dot + 1);
  }
  t.stage = std::string(path);
  return t;
}

std::string MoveTarget::text() const {
  if (next) return "next";
  return pipeline.empty() ? stage : pipeline + "." + stage;
}

namespace {

// The pipeline and stage `target` names for `deal`, or nullopt.
std::optional<std::pair<int32_t, int32_t>> resolve(const bc::Module& m, const Names& names,
                                                   const store::DealRecord& deal, const MoveTarget& target) {
  int32_t pipeline = target.pipeline.empty() ? deal.pipeline : names.pipeline(target.pipeline);
  if (pipeline < 0) return std::nullopt;
  int32_t stage = target.next ? deal.stage + 1 : names.stage(pipeline, target.stage);
  if (stage < 0 || static_cast<size_t>(stage) >= m.pipelines[pipeline].stages.size()) return std::nullopt;
  return std::make_pair(pipeline, stage);
}

}  // namespace

MoveOutcome Engine::manualMove(const std::string& eventId, const std::string& dealId, const MoveTarget& target,
                               const std::string& lostReason) {
  int64_t now = clock_.now();
  MoveOutcome result;
  result.outcome = transact(
      *this, store_, trace_, eventId, dealId, "manual_move", now,
      [&](store::Transaction& tx, TransactionState& state) -> Outcome {
        store::Transaction::DealPtr d = tx.dealToChange(dealId);
        if (!d) return {Outcome::Status::UnknownDeal, fmt::format("there is no deal \"{}\"", dealId)};
        result.target = resolve(module_, names_, *d, target);
        if (!result.target) {
          return {Outcome::Status::Invalid, target.next ? std::string("the deal has no next stage")
                                                        : fmt::format("there is no stage \"{}\"", target.text())};
        }
        auto [pipeline, stage] = *result.target;
        const bc::PipelineDef& p = module_.pipelines[pipeline];
        std::string reason = lostReason;
        if (stage == p.lost) {
          if (reason.empty() && p.otherReason != kNo) reason = module_.str(p.reasons[p.otherReason]);
          bool known = p.reasons.empty();
          for (int32_t r : p.reasons) known = known || module_.str(r) == reason;
          if (!known)
            return {Outcome::Status::Invalid,
                    fmt::format("\"{}\" is not a loss reason of pipeline {}", reason, module_.str(p.name))};
        }
        Processing proc(*this, state, std::move(d), now);
        int32_t manualEvent = proc.eventIndex(bc::EventKind::ManualMove);
        std::optional<std::string> refused = proc.move(pipeline, stage, MoveKind::Manual, reason, "manual");
        if (refused) {
          // The deal stays where it is; its `move_rejected` rules run and are kept.
          proc.moveRejected(pipeline, stage, *refused);
          proc.save();
          state.keepRejected = true;
          return {Outcome::Status::Rejected, *refused};
        }
        // Rules on `manual_move` of the stage the deal landed in.
        proc.runEvent(manualEvent, kNo, "");
        proc.save();
        return {};
      });
  return result;
}

size_t Engine::runDue(int64_t until, size_t maxTimers) {
  size_t fired = 0;
  // Timers fire one per transaction, earliest first; firing may schedule
  // new ones that are due already, so look again each time.
  maxTimers = std::min(maxTimers, limits::kMaxTimersPerRunDue);
  for (size_t guard = 0; guard < maxTimers; ++guard) {
    std::optional<store::TimerRecord> next = store_.firstDueTimer(until);
    if (!next) break;
    const store::TimerRecord& timer = *next;
    std::string cause = "timer:" + std::to_string(timer.id);  // not fmt::format: this runs for every timer
    if (virtualClock_ && clock_.now() < timer.due) virtualClock_->set(timer.due);
    int64_t now = std::max(timer.due, clock_.now());
    // A timer that fires late (the runtime was down when it fell due) runs
    // now, once; the event log keeps how late it was.
    int64_t lateness = now - timer.due;
    Outcome o = transact(
        *this, store_, trace_, "", timer.deal, "timer", now,
        [&](store::Transaction& tx, TransactionState& state) -> Outcome {
          state.cause = cause;
          tx.removeTimer(timer.id);
          store::Transaction::DealPtr d = tx.dealToChange(timer.deal);
          if (!d) return {};
          Processing proc(*this, state, std::move(d), now);
          if (lateness > kLateAfterSeconds)
            proc.trace("late", [&] { return nlohmann::json{{"timer", timer.id}, {"seconds", lateness}}; });
          proc.fire(timer);
          proc.save();
          std::string outcome = lateness > kLateAfterSeconds ? fmt::format("fired {}s late", lateness) : "fired";
          if (keepsRecords())
            keepEvent(tx, {cause, timer.deal, "timer", now, std::move(outcome), options_.moduleVersion}, state);
          return {};
        });
    ++stats_.timersFired;
    if (lateness > kLateAfterSeconds) {
      ++stats_.timersLate;
      stats_.maxLatenessSeconds = std::max(stats_.maxLatenessSeconds, lateness);
    }
    if (o.status == Outcome::Status::Failed) {
      // The failed timer's removal was undone with the rest: drop it now.
      auto tx = store_.begin();
      tx->removeTimer(timer.id);
      tx->commit();
    }
    ++fired;
  }
  return fired;
}

// ───────────────────────────── Processing: core ───────────────────────────

Processing::Processing(Engine& engine, TransactionState& state, store::DealRecord& deal, int64_t now)
    : engine_(engine), m_(engine.module_), state_(state), deal_(deal), now_(now) {
  deal_.fields.resize(m_.fields.size());
}

Processing::Processing(Engine& engine, TransactionState& state, store::Transaction::DealPtr deal, int64_t now)
    : engine_(engine), m_(engine.module_), state_(state), lent_(std::move(deal)), deal_(*lent_), now_(now) {
  deal_.fields.resize(m_.fields.size());
}

void Processing::save() {
  ++deal_.version;
  if (!engine_.options_.moduleVersion.empty()) deal_.moduleVersion = engine_.options_.moduleVersion;
  // The last use of deal_: the record goes to the store.
  if (lent_)
    state_.tx.saveChangedDeal(std::move(lent_));
  else
    state_.tx.saveDeal(std::move(deal_));
}

bool Processing::wantsOverdueTimer() const {
  // Fired with no rule to hear it, an overdue timer only shows: in the
  // deal's timers (records: the API, the console, a deployment that may
  // bring such rules) and in a trace's "task overdue". `voronka sim` keeps
  // neither, and a million deals' tasks then cost no timers.
  return engine_.rulesHearOverdue_ || engine_.keepsRecords() || tracing("task overdue");
}

void Processing::traceEntry(std::string_view what, nlohmann::json entry) {
  entry["what"] = what;
  entry["deal"] = deal_.id;
  entry["at"] = isoUtc(now_);
  state_.trace.push_back(std::move(entry));
}

std::string Processing::tooManyTags() {
  return fmt::format("deal {} would have more than {} tags, the most a deal can have; remove some first", deal_.id,
                     limits::kMaxTagsPerDeal);
}

void Processing::initialize(const std::vector<FieldAssignment>& values, const std::vector<std::string>& tags,
                            int32_t responsible) {
  deal_.createdAt = now_;
  deal_.enteredAt = now_;
  deal_.epoch = 1;
  for (size_t f = 0; f < m_.fields.size(); ++f) {
    int32_t k = m_.fields[f].defaultValue;
    if (k == kNo) continue;
    const bc::Constant& c = m_.constants[k];
    store::FieldValue v;
    v.tag = c.tag;
    v.aux = c.aux;
    v.i = c.i;
    v.num = c.num;
    if (c.tag == bc::Tag::Text) v.text = m_.str(c.str);
    deal_.fields[f] = v;
  }
  for (const auto& v : values) setValue(v.target, v.field, v.value, nullptr);
  // First occurrence wins, in order; a set keeps this linear in the tags.
  std::unordered_set<std::string_view> seen(deal_.tags.begin(), deal_.tags.end());
  for (const auto& t : tags) {
    if (seen.insert(t).second) deal_.tags.push_back(t);
  }
  if (deal_.tags.size() > limits::kMaxTagsPerDeal) throw CascadeError(tooManyTags());
  deal_.responsible = responsible;
}

void Processing::start(int32_t fromPipeline, int32_t fromStage) {
  deal_.visits[(static_cast<int64_t>(deal_.pipeline) << 32) | static_cast<uint32_t>(deal_.stage)] += 1;
  if (engine_.keepsRecords())  // else the store drops it (moves.cpp)
    state_.tx.addHistory(
        {deal_.id, fromPipeline, fromStage, deal_.pipeline, deal_.stage, now_, state_.cause, "created"});
  if (tracingFacts()) {
    TraceFact fact;
    fact.kind = TraceFact::Kind::Entered;
    fact.deal = deal_.id;
    fact.pipeline = deal_.pipeline;
    fact.stage = deal_.stage;
    fact.created = true;
    state_.facts.push_back(std::move(fact));
  }
  trace("deal", [&] {
    return nlohmann::json{{"pipeline", m_.str(m_.pipelines[deal_.pipeline].name)},
                          {"stage", m_.str(m_.pipelines[deal_.pipeline].stages[deal_.stage].name)}};
  });
  enterStage(fromPipeline, fromStage, true);
}

void Processing::receive(const EventIn& in) {
  setPayload(in.event, in.payload);
  const bc::EventDef& e = m_.events[in.event];
  // What the event itself changes, before the rules look.
  switch (e.kind) {
    case bc::EventKind::FormSubmitted: {
      std::vector<int32_t> changed;
      for (size_t f = 0; f < in.formValues.size() && f < m_.fields.size(); ++f) {
        if (in.formValues[f].tag != bc::Tag::None)
          setValue(bc::SetTarget::Field, static_cast<int32_t>(f), in.formValues[f], &changed);
      }
      rescheduleAt(changed);
      break;
    }
    case bc::EventKind::TaskCompleted: {
      // The oldest open task of the type (any type without a filter) is done.
      int64_t done = 0;
      std::string text;  // for the trace only
      bool traced = tracing("task done");
      state_.tx.forEachOpenTask(deal_.id, [&](const store::TaskView& t) {
        if (in.arg != kNo && t.type != in.arg) return true;
        done = t.id;
        if (traced) text = t.text;
        return false;
      });
      if (done) {
        completeTask(done, std::nullopt);
        trace("task done", [&] { return nlohmann::json{{"task", done}, {"text", text}}; });
      }
      break;
    }
    case bc::EventKind::TagAdded:
      if (!in.tag.empty() && std::find(deal_.tags.begin(), deal_.tags.end(), in.tag) == deal_.tags.end()) {
        if (deal_.tags.size() >= limits::kMaxTagsPerDeal) throw CascadeError(tooManyTags());
        deal_.tags.push_back(in.tag);
      }
      break;
    case bc::EventKind::TagRemoved:
      deal_.tags.erase(std::remove(deal_.tags.begin(), deal_.tags.end(), in.tag), deal_.tags.end());
      break;
    case bc::EventKind::ResponsibleChanged:
      if (in.responsible >= 0) deal_.responsible = in.responsible;  // a manager reassigned it in the CRM
      break;
    default: break;
  }
  cancelUnless(in.event, in.arg, in.tag);
  runEvent(in.event, in.arg, in.tag);
}

void Processing::setPayload(int32_t event, std::vector<store::FieldValue> values) {
  event_ = event;
  payload_ = std::move(values);
  if (event >= 0) payload_.resize(m_.events[event].params.size());
}

void Processing::clearPayload() {
  event_ = kNo;
  payload_.clear();  // keeps its memory for the next event's values
}

bool Processing::ruleApplies(const bc::RuleDef& rule, int32_t arg, std::string_view tag) {
  if (rule.arg != kNo) {
    if (rule.event != kNo && m_.events[rule.event].arg == bc::ArgKind::Tag) {
      if (m_.str(rule.arg) != tag) return false;
    } else if (rule.arg != arg) {
      return false;
    }
  }
  if (rule.once) {
    auto it = deal_.visits.find((static_cast<int64_t>(deal_.pipeline) << 32) | static_cast<uint32_t>(deal_.stage));
    if (it != deal_.visits.end() && it->second > 1) return false;
  }
  return true;
}

void Processing::runEvent(int32_t event, int32_t arg, std::string_view tag) {
  if (event == kNo) return;
  uint64_t epoch = deal_.epoch;
  std::span<const int32_t> rules = engine_.stageRules_.answering(deal_.pipeline, deal_.stage, event);
  if (rules.empty()) return;
  // Each rule that takes the event sees its values as they came, though an
  // earlier rule's body may have set others: they are kept aside when more
  // than one rule could take it. The usual single rule copies nothing.
  std::vector<store::FieldValue> asCame;
  if (rules.size() > 1) asCame = payload_;
  bool first = true;
  for (int32_t r : rules) {
    if (deal_.epoch != epoch) break;  // an earlier rule moved the deal: the rest belong to the stage it left
    const bc::RuleDef& rule = m_.rules[r];
    if (!ruleApplies(rule, arg, tag)) continue;
    if (first) {
      // Nothing has run yet, so payload_ is as it came: this is setPayload(event, a copy of it).
      event_ = event;
      payload_.resize(m_.events[event].params.size());
      first = false;
    } else {
      setPayload(event, asCame);
    }
    if (rule.timing != bc::TimingKind::None) {
      scheduleRule(r, now_);
      continue;
    }
    site_ = {r, rule.line};
    if (rule.when != kNo && !condition(rule.when)) continue;
    runBody(rule, rule.body, rule.trigger);
  }
}

bool Processing::condition(int32_t function) { return engine_.vm_->evaluate(function, *this).isTrue(); }

void Processing::runBody(const bc::RuleDef& rule, int32_t function, bool trigger) {
  site_ = {static_cast<int32_t>(&rule - m_.rules.data()), rule.line};
  noteFired(site_.rule, function, rule.line);
  pending_.reset();
  engine_.vm_->run(function, *this);
  applyPendingMove(trigger);
}

// ───────────────────────────── Processing: the VM's host ──────────────────

bc::Value Processing::field(int32_t index) {
  if (index < 0 || static_cast<size_t>(index) >= deal_.fields.size()) return {};
  return deal_.fields[static_cast<size_t>(index)].view();
}

bc::Value Processing::payload(int32_t index) {
  if (index < 0 || static_cast<size_t>(index) >= payload_.size()) return {};
  return payload_[static_cast<size_t>(index)].view();
}

const Calendar& Processing::calendar() {
  return engine_.calendars_[static_cast<size_t>(m_.pipelines[deal_.pipeline].calendar)];
}

bc::Value Processing::builtin(bc::BuiltinValue which) {
  // A deal reopened by an older version may still carry its reason: "none unless lost".
  if (which == bc::BuiltinValue::DealLostReason &&
      m_.pipelines[deal_.pipeline].stages[deal_.stage].kind != bc::StageKind::Lost) {
    return {};
  }
  return dealBuiltin(which, deal_, state_.tx, now_, calendar());
}

bc::Value dealBuiltin(bc::BuiltinValue which, store::DealRecord& deal, store::Transaction& tx, int64_t now,
                      const Calendar& calendar) {
  auto text = [](const std::string& s) { return s.empty() ? bc::Value() : bc::Value::text(s); };
  auto stageValue = [](int32_t pipeline, int32_t stage) {
    return pipeline < 0 || stage < 0 ? bc::Value()
                                     : bc::Value::integer(bc::Tag::Stage, stage, static_cast<uint16_t>(pipeline));
  };
  switch (which) {
    case bc::BuiltinValue::DealName: return text(deal.name);
    case bc::BuiltinValue::DealId: return bc::Value::text(deal.id);
    case bc::BuiltinValue::DealCreatedAt: return bc::Value::integer(bc::Tag::DateTime, deal.createdAt);
    case bc::BuiltinValue::DealResponsible:
      return deal.responsible < 0 ? bc::Value() : bc::Value::integer(bc::Tag::User, deal.responsible);
    case bc::BuiltinValue::DealTags: {
      bc::Value v;
      v.tag = bc::Tag::Tags;
      v.ptr = &deal.tags;
      return v;
    }
    case bc::BuiltinValue::ContactName: return text(deal.contactName);
    case bc::BuiltinValue::ContactEmail: return text(deal.contactEmail);
    case bc::BuiltinValue::ContactPhone: return text(deal.contactPhone);
    case bc::BuiltinValue::CompanyName: return text(deal.companyName);
    case bc::BuiltinValue::Now: return bc::Value::integer(bc::Tag::DateTime, now);
    case bc::BuiltinValue::Today: return bc::Value::integer(bc::Tag::Date, calendar.localDay(now));
    case bc::BuiltinValue::TimeInStage: return bc::Value::integer(bc::Tag::Duration, now - deal.enteredAt);
    case bc::BuiltinValue::OverdueTasks:
    case bc::BuiltinValue::OpenTasks: {
      int count = 0;
      tx.forEachOpenTask(deal.id, [&](const store::TaskView& t) {
        if (which != bc::BuiltinValue::OverdueTasks || (t.due > 0 && t.due < now)) ++count;
        return true;
      });
      return bc::Value::number(count);
    }
    case bc::BuiltinValue::DealStage: return stageValue(deal.pipeline, deal.stage);
    case bc::BuiltinValue::DealPreviousStage: return stageValue(deal.previousPipeline, deal.previousStage);
    case bc::BuiltinValue::DealPipeline:
      return deal.pipeline < 0 ? bc::Value() : bc::Value::integer(bc::Tag::Pipeline, deal.pipeline);
    case bc::BuiltinValue::DealLostReason: return text(deal.lostReason);  // kept only while the deal is lost
    case bc::BuiltinValue::Count_: break;
  }
  return {};
}

bool Processing::splitFirst(const bc::ActionDesc& split) {
  if (auto forced = engine_.forcedSplits_.find(deal_.id); forced != engine_.forcedSplits_.end()) return forced->second;
  // The deal's bucket for this split site: the same on every run.
  uint64_t h = fnv1a(fmt::format("{}:{}", deal_.id, split.site));
  constexpr double kBucketsPerPercent = static_cast<double>(limits::kSplitBuckets) / 100.0;
  return static_cast<double>(h % limits::kSplitBuckets) < split.percent * kBucketsPerPercent;
}

}  // namespace voronka::engine
