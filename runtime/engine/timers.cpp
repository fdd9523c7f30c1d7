// Timers: delayed rules (after / at / every, with `at HH:MM`, working days
// and working hours), `then after` chains, task due times, `unless`, and
// firing them with the visit's epoch checked (§5, §8).
#include <fmt/format.h>

#include <algorithm>

#include "runtime/bytecode/limits.h"
#include "runtime/engine/json_text.h"
#include "runtime/engine/processing.h"
#include "runtime/engine/values.h"

namespace voronka::engine {

using bc::kNo;

int64_t Processing::shiftIntoWork(int64_t t, bc::WorkhoursShift shift) {
  switch (shift) {
    case bc::WorkhoursShift::None: return t;
    case bc::WorkhoursShift::Later: return calendar().nextWorkingTime(t);
    case bc::WorkhoursShift::Earlier: return calendar().previousWorkingTime(t);
  }
  return t;
}

int64_t Processing::addDuration(int64_t t, int64_t seconds, int32_t workdays) {
  // At most 3650 working days (the compiler's limit) from now: always a day
  // within the calendar's 10 000 years, so value() cannot throw.
  return workdays > 0 ? calendar().addWorkdays(t, workdays).value() : t + seconds;
}

std::string Processing::payloadJson() const {
  if (event_ == kNo) return {};
  json_text::Object j;
  const auto& params = m_.events[event_].params;
  for (size_t i = 0; i < params.size() && i < payload_.size(); ++i) {
    std::string value;
    json_text::appendValue(value, m_, payload_[i]);
    j.raw(m_.str(params[i].name), std::move(value));
  }
  return j.str();
}

void Processing::loadPayload(int32_t event, const std::string& json) {
  std::vector<store::FieldValue> values;
  if (event != kNo && !json.empty()) {
    nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
    const auto& params = m_.events[event].params;
    values.resize(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      auto it = j.is_object() ? j.find(m_.str(params[i].name)) : j.end();
      if (!j.is_object() || it == j.end()) continue;
      // The engine wrote this snapshot itself; a value that does not read back stays unset.
      if (auto v = valueFromJson(m_, params[i].type, params[i].enumId, *it, calendar())) values[i] = std::move(*v);
    }
  }
  setPayload(event, std::move(values));
}

void Processing::scheduleOnEnter(int32_t fromPipeline, int32_t fromStage) {
  for (int32_t r : engine_.stageRules_.timedFromEntry(deal_.pipeline, deal_.stage)) {
    const bc::RuleDef& rule = m_.rules[r];
    if (!ruleApplies(rule, kNo, "")) continue;
    if (rule.fromStage != kNo && !(fromPipeline == deal_.pipeline && fromStage == rule.fromStage)) continue;
    setPayload(kNo, {});
    scheduleRule(r, deal_.enteredAt);
  }
}

void Processing::scheduleRule(int32_t r, int64_t anchor) {
  const bc::RuleDef& rule = m_.rules[r];
  int64_t due = anchor;
  switch (rule.timing) {
    case bc::TimingKind::None: return;
    case bc::TimingKind::After:
    case bc::TimingKind::Every:
      due = addDuration(anchor, rule.delaySeconds, rule.delayWorkdays);
      if (rule.atMinutes != kNo) due = calendar().nextTimeOfDay(due, rule.atMinutes);
      break;
    case bc::TimingKind::At: {
      bc::Value at = engine_.vm_->evaluate(rule.at, *this);
      if (at.tag == bc::Tag::Date) {
        due = calendar().utcOf(at.i, 0);
      } else if (at.tag == bc::Tag::DateTime) {
        due = at.i;
      } else {
        return;  // the field is empty: nothing to schedule until it is set
      }
      break;
    }
  }
  due = shiftIntoWork(due, rule.workhours);
  if (due < now_) {
    if (rule.lateSkip) {  // `late skip`: a moment already past is not run, now or later
      trace("timer skipped", [&] {
        return nlohmann::json{
            {"due", isoUtc(due)}, {"why", "its moment had passed when it was set (late skip)"}, {"line", rule.line}};
      });
      return;
    }
    due = now_;  // already past: it runs at once (`late run`, the default)
  }
  std::string payload = payloadJson();
  store::TimerView t;
  t.deal = deal_.id;
  t.due = due;
  t.kind = store::TimerKind::Rule;
  t.rule = r;
  t.epoch = deal_.epoch;
  t.event = event_;
  t.payload = payload;
  t.unlessEvent = rule.unlessEvent;
  t.unlessArg = rule.unlessArg;
  t.scheduledAt = now_;
  t.cause = state_.cause;
  int64_t id = state_.tx.addTimerView(t);
  trace("timer", [&] { return nlohmann::json{{"timer", id}, {"due", isoUtc(due)}, {"line", rule.line}}; });
}

void Processing::rescheduleAt(const std::vector<int32_t>& changedFields) {
  if (changedFields.empty()) return;
  for (int32_t r : engine_.stageRules_.timedAtFields(deal_.pipeline, deal_.stage)) {
    const bc::RuleDef& rule = m_.rules[r];
    bool depends = false;
    for (int32_t f : rule.atFields) {
      depends = depends || std::find(changedFields.begin(), changedFields.end(), f) != changedFields.end();
    }
    if (!depends || !ruleApplies(rule, kNo, "")) continue;
    // The timer follows its field: drop the pending one, schedule anew.
    state_.tx.removeTimersOf(deal_.id, [&](const store::TimerHead& t) {
      if (t.kind != store::TimerKind::Rule || t.rule != r || t.epoch != deal_.epoch) return false;
      trace("timer cancelled", [&] { return nlohmann::json{{"timer", t.id}, {"why", "its field changed"}}; });
      return true;
    });
    setPayload(kNo, {});
    scheduleRule(r, now_);
  }
}

void Processing::cancelUnless(int32_t event, int32_t arg, std::string_view tag) {
  if (event == kNo || !engine_.unlessEvents_[static_cast<size_t>(event)]) return;
  state_.tx.removeTimersOf(deal_.id, [&](const store::TimerHead& t) {
    if (t.epoch != deal_.epoch || t.unlessEvent != event) return false;
    if (t.unlessArg != kNo) {
      bool isTag = m_.events[event].arg == bc::ArgKind::Tag;
      if (isTag ? m_.str(t.unlessArg) != tag : t.unlessArg != arg) return false;
    }
    trace("timer cancelled", [&] {
      return nlohmann::json{{"timer", t.id}, {"why", "unless " + m_.str(m_.events[event].name)}};
    });
    return true;
  });
}

void Processing::cancelVisitTimers() {
  state_.tx.removeTimersOf(deal_.id, [&](const store::TimerHead& t) {
    return t.kind != store::TimerKind::TaskOverdue && t.epoch == deal_.epoch;
  });
}

void Processing::completeTask(int64_t task, std::optional<std::string_view> comment) {
  state_.tx.completeTask(deal_.id, task, now_, comment);
  state_.tx.removeTimersOf(deal_.id, [&](const store::TimerHead& t) {
    if (t.kind != store::TimerKind::TaskOverdue || t.task != task) return false;
    trace("timer cancelled", [&] { return nlohmann::json{{"timer", t.id}, {"why", "its task is done"}}; });
    return true;
  });
}

void Processing::completeTasks(std::span<const int64_t> first, std::span<const int64_t> rest,
                               std::optional<std::string_view> comment, const std::vector<std::string>& tracedTexts) {
  bool eachOnItsOwn = tracing("timer cancelled");
  size_t k = 0;
  for (std::span<const int64_t> ids : {first, rest}) {
    for (int64_t id : ids) {
      if (eachOnItsOwn) {
        completeTask(id, comment);
      } else {
        state_.tx.completeTask(deal_.id, id, now_, comment);
      }
      trace("task done", [&] { return nlohmann::json{{"task", id}, {"text", tracedTexts.at(k)}}; });
      ++k;
    }
  }
  // Where no overdue timers are set there are none to cancel. (One set
  // while a trace asked for them finds its task done when it fires, and
  // does nothing.)
  if (eachOnItsOwn || k == 0 || !wantsOverdueTimer()) return;
  auto completed = [&](int64_t task) {
    return std::find(first.begin(), first.end(), task) != first.end() ||
           std::find(rest.begin(), rest.end(), task) != rest.end();
  };
  state_.tx.removeTimersOf(deal_.id, [&](const store::TimerHead& t) {
    return t.kind == store::TimerKind::TaskOverdue && completed(t.task);
  });
}

void Processing::fire(const store::TimerRecord& timer) {
  if (timer.kind == store::TimerKind::TaskOverdue) {
    // The task, if it is still open (the rules below use the transaction).
    std::optional<int32_t> type;
    state_.tx.forEachOpenTask(deal_.id, [&](const store::TaskView& task) {
      if (task.id != timer.task) return true;
      type = task.type;
      trace("task overdue", [&] { return nlohmann::json{{"task", task.id}, {"text", task.text}}; });
      return false;
    });
    if (!type) return;
    int32_t overdue = eventIndex(bc::EventKind::TaskOverdue);
    setPayload(overdue, {});
    cancelUnless(overdue, *type, "");
    runEvent(overdue, *type, "");
    return;
  }
  if (timer.epoch != deal_.epoch) return;  // a stale timer of an earlier visit never fires
  loadPayload(timer.event, timer.payload);
  if (timer.kind == store::TimerKind::Then) {
    const bc::ActionDesc& then = m_.actions[static_cast<size_t>(timer.action)];
    const bc::RuleDef& rule = m_.rules[static_cast<size_t>(timer.rule)];
    trace("timer fired", [&] { return nlohmann::json{{"timer", timer.id}, {"line", then.line}}; });
    site_ = {timer.rule, then.line};
    noteFired(timer.rule, then.function, then.line);
    pending_.reset();
    engine_.vm_->run(then.function, *this);
    applyPendingMove(false);
    // Sibling `then` blocks chain: the next waits its delay after this one.
    if (then.next != kNo && deal_.epoch == timer.epoch) scheduleThen(timer.rule, then.next);
    (void)rule;
    return;
  }
  const bc::RuleDef& rule = m_.rules[static_cast<size_t>(timer.rule)];
  site_ = {timer.rule, rule.line};
  trace("timer fired", [&] { return nlohmann::json{{"timer", timer.id}, {"line", rule.line}}; });
  if (rule.timing == bc::TimingKind::Every && rule.whileCondition != kNo && !condition(rule.whileCondition)) {
    // `every … while` stops repeating once its condition fails.
    trace("timer stopped", [&] {
      return nlohmann::json{{"timer", timer.id}, {"why", "`while` is false"}, {"line", rule.line}};
    });
    return;
  }
  if (rule.when == kNo || condition(rule.when)) {
    runBody(rule, rule.body, false);
  } else {
    // Said out loud: a timer that fired and did nothing is the usual "why was no letter sent?".
    trace("timer did nothing", [&] {
      return nlohmann::json{{"timer", timer.id}, {"why", "`when` is false"}, {"line", rule.line}};
    });
  }
  if (rule.timing == bc::TimingKind::Every && deal_.epoch == timer.epoch) {
    int64_t next = addDuration(timer.due, rule.delaySeconds, rule.delayWorkdays);
    next = shiftIntoWork(next, rule.workhours);
    if (next <= now_) next = now_ + limits::kMinEveryCatchUpSeconds;  // never a burst of catch-up runs
    store::TimerView t = store::TimerView::of(timer);
    t.due = next;
    t.scheduledAt = now_;
    t.cause = state_.cause;
    int64_t id = state_.tx.addTimerView(t);
    trace("timer", [&] { return nlohmann::json{{"timer", id}, {"due", isoUtc(next)}, {"line", rule.line}}; });
  }
}

void Processing::scheduleThen(int32_t rule, int32_t action) {
  const bc::ActionDesc& then = m_.actions[static_cast<size_t>(action)];
  int64_t due = addDuration(now_, then.dueSeconds, then.dueWorkdays);
  due = shiftIntoWork(due, then.workhours);
  std::string payload = payloadJson();
  store::TimerView t;
  t.deal = deal_.id;
  t.due = due;
  t.kind = store::TimerKind::Then;
  t.rule = rule;
  t.action = action;
  t.epoch = deal_.epoch;
  t.event = event_;
  t.payload = payload;
  t.scheduledAt = now_;
  t.cause = state_.cause;
  int64_t id = state_.tx.addTimerView(t);
  trace("timer", [&] { return nlohmann::json{{"timer", id}, {"due", isoUtc(due)}, {"line", then.line}}; });
}

}  // namespace voronka::engine
