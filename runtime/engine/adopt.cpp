// A deal a deployment has moved onto this engine's module: what the new
// version owes it at once (timers recomputed from their anchors, `on enter`
// rules run retroactively), inside the deployment's own transaction.
#include "runtime/engine/engine.h"
#include "runtime/engine/processing.h"

namespace voronka::engine {

int Engine::adopt(store::Transaction& tx, store::DealRecord deal, const Adoption& what) {
  TransactionState state{tx, what.cause, 0, 0, false, false, {}, {}, {}};
  Processing proc(*this, state, deal, what.now);
  for (const Adoption::Reschedule& r : what.reschedule) {
    proc.loadPayload(r.event, r.payload);
    if (r.kind == store::TimerKind::Rule) {
      proc.scheduleRule(r.rule, r.anchor);
      continue;
    }
    const bc::ActionDesc& then = module_.actions[static_cast<size_t>(r.action)];
    store::TimerRecord t;
    t.deal = proc.deal().id;
    t.due = std::max(what.now,
                     proc.shiftIntoWork(proc.addDuration(r.anchor, then.dueSeconds, then.dueWorkdays), then.workhours));
    t.kind = store::TimerKind::Then;
    t.rule = r.rule;
    t.action = r.action;
    t.epoch = proc.deal().epoch;
    t.event = r.event;
    t.payload = r.payload;
    t.scheduledAt = r.anchor;
    t.cause = what.cause;
    tx.addTimer(t);
  }
  int started = 0;
  for (int32_t r : what.start) {
    const bc::RuleDef& rule = module_.rules[static_cast<size_t>(r)];
    const store::DealRecord& d = proc.deal();
    if (rule.fromStage != bc::kNo && !(d.previousPipeline == d.pipeline && d.previousStage == rule.fromStage)) continue;
    if (!proc.ruleApplies(rule, bc::kNo, "")) continue;
    proc.setPayload(bc::kNo, {});
    size_t before = tx.timersOf(d.id).size();
    proc.scheduleRule(r, what.startAnchor);
    started += tx.timersOf(d.id).size() > before ? 1 : 0;
  }
  if (what.runEnter) {
    store::DealRecord& d = proc.deal();
    proc.runEntryRules(proc.eventIndex(bc::EventKind::Enter), d.previousPipeline, d.previousStage);
  }
  proc.save();
  if (trace_) {
    for (const auto& entry : state.trace) trace_->record(entry);
  }
  return started;
}

}  // namespace voronka::engine
