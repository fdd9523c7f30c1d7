#include "runtime/deploy/migrate_deal.h"

#include <fmt/format.h>

namespace voronka::deploy {

using bc::kNo;

nlohmann::json DealChange::json() const {
  return {{"deal", deal},
          {"from", fromStage},
          {"to", toStage},
          {"timers_kept", timersKept},
          {"timers_recomputed", timersRecomputed},
          {"timers_cancelled", timersCancelled},
          {"fields_dropped", fieldsDropped},
          {"enter_run", enterRun},
          {"effects", effects},
          {"added_timers_started", addedTimersStarted}};
}

namespace {

int64_t visitKey(int32_t pipeline, int32_t stage) {
  return (static_cast<int64_t>(pipeline) << 32) | static_cast<uint32_t>(stage);
}

// A stage that may be -1 (none) or gone: -1, -1 then.
std::pair<int32_t, int32_t> stageOrNone(const VersionMap& map, int32_t pipeline, int32_t stage) {
  if (pipeline < 0 || stage < 0) return {-1, -1};
  auto s = map.stage(pipeline, stage);
  return s ? *s : std::pair<int32_t, int32_t>{-1, -1};
}

}  // namespace

DealChange migrateDeal(store::Transaction& tx, const std::string& dealId, const VersionMap& map, engine::Engine& target,
                       bool runEnter, const std::string& cause, int64_t now) {
  const bc::Module& to = map.to();
  std::optional<store::DealRecord> found = tx.deal(dealId);
  if (!found) throw std::runtime_error(fmt::format("deal \"{}\" is gone", dealId));
  store::DealRecord deal = std::move(*found);
  DealChange change;
  change.deal = dealId;
  change.fromStage = VersionMap::stagePath(map.from(), deal.pipeline, deal.stage);
  std::optional<StageRef> stage = map.stage(deal.pipeline, deal.stage);
  if (!stage) throw std::runtime_error(fmt::format("stage \"{}\" has no place in the new version", change.fromStage));
  deal.pipeline = stage->first;
  deal.stage = stage->second;
  change.toStage = VersionMap::stagePath(to, deal.pipeline, deal.stage);
  std::tie(deal.previousPipeline, deal.previousStage) = stageOrNone(map, deal.previousPipeline, deal.previousStage);

  std::vector<store::FieldValue> fields(to.fields.size());
  for (size_t f = 0; f < deal.fields.size(); ++f) {
    if (deal.fields[f].tag == bc::Tag::None) continue;
    auto moved = map.field(static_cast<int32_t>(f), deal.fields[f]);
    if (moved) {
      fields[static_cast<size_t>(moved->first)] = moved->second;
    } else {
      ++change.fieldsDropped;
    }
  }
  deal.fields = std::move(fields);
  if (deal.responsible != kNo) deal.responsible = map.user(deal.responsible);
  store::VisitCounts visits;
  for (auto [key, count] : deal.visits) {
    auto [p, s] = stageOrNone(map, static_cast<int32_t>(key >> 32), static_cast<int32_t>(key & 0xffffffff));
    if (p >= 0) visits[visitKey(p, s)] += count;
  }
  deal.visits = std::move(visits);

  std::vector<store::HistoryRecord> history = tx.historyOf(dealId);
  for (auto& h : history) {
    std::tie(h.fromPipeline, h.fromStage) = stageOrNone(map, h.fromPipeline, h.fromStage);
    std::tie(h.toPipeline, h.toStage) = stageOrNone(map, h.toPipeline, h.toStage);
  }
  tx.replaceHistory(dealId, history);

  for (store::TaskRecord task : tx.tasksOf(dealId)) {
    task.type = map.taskType(task.type);
    if (task.responsible != kNo) task.responsible = map.user(task.responsible);
    tx.putTask(task);
  }

  engine::Adoption adoption;
  adoption.cause = cause;
  adoption.now = now;
  for (store::TimerRecord timer : tx.timersOf(dealId)) {
    if (timer.kind == store::TimerKind::TaskOverdue) {
      ++change.timersKept;  // the task's due time is the task's, not a rule's
      continue;
    }
    int32_t rule = map.rule(timer.rule);
    int32_t action = timer.kind == store::TimerKind::Then ? map.thenAction(timer.action) : kNo;
    bool gone = rule == kNo || (timer.kind == store::TimerKind::Then && action == kNo);
    // A timer of an earlier visit never fires; a rule that is gone has nothing to run.
    TimerPolicy policy = TimerPolicy::Keep;
    if (gone || timer.epoch != deal.epoch) {
      policy = TimerPolicy::Cancel;
    } else if (map.timingChanged(timer.rule)) {
      policy = map.policy(timer.rule).value_or(TimerPolicy::Keep);
    }
    switch (policy) {
      case TimerPolicy::Cancel:
        tx.removeTimer(timer.id);
        ++change.timersCancelled;
        break;
      case TimerPolicy::Recompute:
        tx.removeTimer(timer.id);
        adoption.reschedule.push_back(
            {timer.kind, rule, action, timer.scheduledAt, map.event(timer.event), timer.payload});
        ++change.timersRecomputed;
        break;
      case TimerPolicy::Keep: {
        const bc::RuleDef& r = to.rules[static_cast<size_t>(rule)];
        timer.rule = rule;
        timer.action = action;
        timer.event = map.event(timer.event);
        if (timer.kind == store::TimerKind::Rule) {
          timer.unlessEvent = r.unlessEvent;
          timer.unlessArg = r.unlessArg;
        }
        tx.putTimer(timer);
        ++change.timersKept;
        break;
      }
    }
  }
  // Timed rules the new version adds to the deal's stage start as the plan says.
  if (AddedTimers added = map.plan().addedTimers.value; added != AddedTimers::Skip) {
    adoption.start = map.addedTimedRulesOf(deal.pipeline, deal.stage);
    adoption.startAnchor = added == AddedTimers::FromEntry ? deal.enteredAt : now;
  }
  adoption.runEnter = runEnter && map.retroactiveEnter(deal.pipeline, deal.stage);
  change.enterRun = adoption.runEnter;
  size_t effectsBefore = tx.effectsOf(dealId).size();
  change.addedTimersStarted = target.adopt(tx, std::move(deal), adoption);
  change.effects = static_cast<int>(tx.effectsOf(dealId).size() - effectsBefore);
  return change;
}

}  // namespace voronka::deploy
