// Moves between stages: policies and guards, leaving (leave rules, timers of
// the visit cancelled), entering (timers scheduled, create/enter rules), and
// the depth limit on cascades (§8).
#include <fmt/format.h>

#include "runtime/engine/manager_texts.h"
#include "runtime/engine/processing.h"

namespace voronka::engine {

using bc::kNo;

std::optional<std::string> Processing::guardsRefuse(int32_t pipeline, int32_t stage) {
  const bc::StageDef& target = m_.pipelines[pipeline].stages[stage];
  for (const bc::GuardDef& g : target.guards) {
    if (condition(g.condition)) continue;
    if (g.message != kNo) return m_.str(g.message);
    return managerText(m_.language, ManagerText::StageRequirementsNotMet, m_.str(target.title));
  }
  return std::nullopt;
}

std::optional<std::string> Processing::move(int32_t pipeline, int32_t stage, MoveKind kind,
                                            const std::string& lostReason, const std::string& how) {
  if (pipeline == deal_.pipeline && stage == deal_.stage) return std::nullopt;  // already there: nothing happens
  const bc::PipelineDef& p = m_.pipelines[pipeline];
  const bc::StageDef& target = p.stages[stage];
  if (pipeline == deal_.pipeline) {
    bool backward = stage < deal_.stage;
    if (kind == MoveKind::Trigger && backward && !p.triggersBackward) {
      return managerText(m_.language, ManagerText::TriggersMayNotMoveBack, m_.str(p.title));
    }
    if (kind == MoveKind::Trigger && !backward && !p.triggersForward) {
      return managerText(m_.language, ManagerText::TriggersMayNotMoveForward, m_.str(p.title));
    }
    // Closing as lost is always allowed by hand: a loss is recorded with its reason.
    if (kind == MoveKind::Manual && target.kind != bc::StageKind::Lost) {
      if (backward && !p.manualBackward)
        return managerText(m_.language, ManagerText::ManualBackwardDenied, m_.str(p.title));
      if (!backward && !p.manualForward) {
        return managerText(m_.language, ManagerText::ManualForwardDenied, m_.str(p.title));
      }
    }
  }
  if (std::optional<std::string> refused = guardsRefuse(pipeline, stage)) return refused;

  if (++state_.depth > engine_.options_.maxCascade) {
    throw CascadeError(
        fmt::format("moves cascade more than {} deep (stage \"{}\"): the rules move the deal in a circle",
                    engine_.options_.maxCascade, m_.str(target.name)));
  }
  int32_t fromPipeline = deal_.pipeline, fromStage = deal_.stage;
  leaveStage();
  deal_.previousPipeline = fromPipeline;
  deal_.previousStage = fromStage;
  deal_.pipeline = pipeline;
  deal_.stage = stage;
  deal_.epoch += 1;
  deal_.enteredAt = now_;
  deal_.visits[(static_cast<int64_t>(pipeline) << 32) | static_cast<uint32_t>(stage)] += 1;
  deal_.lostReason = target.kind == bc::StageKind::Lost ? lostReason : std::string();  // a reopened deal has none
  // A store that keeps no records (`voronka sim`) would drop the entry: its three texts are not copied for it.
  if (engine_.keepsRecords())
    state_.tx.addHistory({deal_.id, fromPipeline, fromStage, pipeline, stage, now_, state_.cause, how});
  const bc::PipelineDef& from = m_.pipelines[fromPipeline];
  if (tracingFacts()) {
    TraceFact fact;
    fact.kind = TraceFact::Kind::Entered;
    fact.deal = deal_.id;
    fact.pipeline = pipeline;
    fact.stage = stage;
    if (target.kind == bc::StageKind::Lost) fact.reason = lostReason;
    state_.facts.push_back(std::move(fact));
  }
  trace("stage", [&] {
    nlohmann::json entry = {{"from", m_.str(from.name) + "." + m_.str(from.stages[fromStage].name)},
                            {"to", m_.str(p.name) + "." + m_.str(target.name)},
                            {"how", how}};
    if (target.kind == bc::StageKind::Lost) entry["reason"] = lostReason;
    return entry;
  });
  enterStage(fromPipeline, fromStage, false);
  --state_.depth;
  return std::nullopt;
}

void Processing::leaveStage() {
  int32_t leave = eventIndex(bc::EventKind::Leave);
  for (int32_t r : engine_.stageRules_.answering(deal_.pipeline, deal_.stage, leave)) {
    const bc::RuleDef& rule = m_.rules[r];
    if (rule.timing != bc::TimingKind::None || !ruleApplies(rule, kNo, "")) continue;
    clearPayload();
    if (rule.when != kNo && !condition(rule.when)) continue;
    site_ = {r, rule.line};
    noteFired(r, rule.body, rule.line);
    pending_.reset();
    engine_.vm_->run(rule.body, *this);
    pending_.reset();  // the deal is already leaving: a move here would contradict the move under way
  }
  cancelVisitTimers();
}

void Processing::runEntryRules(int32_t event, int32_t fromPipeline, int32_t fromStage) {
  uint64_t epoch = deal_.epoch;
  for (int32_t r : engine_.stageRules_.answering(deal_.pipeline, deal_.stage, event)) {
    if (deal_.epoch != epoch) return;  // moved on already
    const bc::RuleDef& rule = m_.rules[r];
    if (rule.timing != bc::TimingKind::None) continue;
    if (!ruleApplies(rule, kNo, "")) continue;
    if (rule.fromStage != kNo && !(fromPipeline == deal_.pipeline && fromStage == rule.fromStage)) continue;
    clearPayload();
    if (rule.when != kNo && !condition(rule.when)) continue;
    runBody(rule, rule.body, false);
  }
}

void Processing::enterStage(int32_t fromPipeline, int32_t fromStage, bool created) {
  uint64_t epoch = deal_.epoch;
  // Created directly here: `create` rules first, then `enter` (LANGUAGE.md §9).
  if (created) runEntryRules(eventIndex(bc::EventKind::Create), fromPipeline, fromStage);
  if (deal_.epoch != epoch) return;
  scheduleOnEnter(fromPipeline, fromStage);
  runEntryRules(eventIndex(bc::EventKind::Enter), fromPipeline, fromStage);
}

void Processing::applyPendingMove(bool trigger) {
  if (!pending_) return;
  PendingMove pm = *pending_;
  pending_.reset();
  std::optional<std::string> refused = move(pm.pipeline, pm.stage, trigger ? MoveKind::Trigger : MoveKind::Automatic,
                                            pm.reason, trigger ? "trigger" : "automatic");
  if (refused) {
    const bc::PipelineDef& p = m_.pipelines[pm.pipeline];
    trace("refused", [&] {
      return nlohmann::json{
          {"to", m_.str(p.name) + "." + m_.str(p.stages[pm.stage].name)}, {"reason", *refused}, {"line", site_.line}};
    });
    moveRejected(pm.pipeline, pm.stage, *refused);
  }
}

void Processing::moveRejected(int32_t pipeline, int32_t stage, const std::string& reason) {
  int32_t event = eventIndex(bc::EventKind::MoveRejected);
  if (event == kNo) return;  // a module built before language v0.2
  if (state_.inMoveRejected) {
    trace("move_rejected not raised", [&] {
      return nlohmann::json{{"why", "the refused move was made by a move_rejected rule"}};
    });
    return;
  }
  const bc::EventDef& def = m_.events[event];
  std::vector<store::FieldValue> values(def.params.size());
  for (size_t i = 0; i < def.params.size(); ++i) {
    if (def.params[i].type == bc::ValueType::Stage) {  // `stage`: the refused one
      values[i].tag = bc::Tag::Stage;
      values[i].i = stage;
      values[i].aux = static_cast<uint16_t>(pipeline);
    } else {  // `reason`
      values[i].tag = bc::Tag::Text;
      values[i].text = reason;
    }
  }
  // The refusal happens at the end of another rule's block: keep what it was reading.
  int32_t outerEvent = event_;
  std::vector<store::FieldValue> outerPayload = payload_;
  Site outerSite = site_;
  state_.inMoveRejected = true;
  setPayload(event, std::move(values));
  runEvent(event, kNo, "");
  state_.inMoveRejected = false;
  setPayload(outerEvent, std::move(outerPayload));
  site_ = outerSite;
}

}  // namespace voronka::engine
