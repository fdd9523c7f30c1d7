#include "compiler/analysis/client_actions.h"

namespace voronka::analysis {

bool isClientAction(lang::EventKind event) {
  using lang::EventKind;
  switch (event) {
    case EventKind::EmailOpened:
    case EventKind::LinkClicked:
    case EventKind::EmailReceived:
    case EventKind::CallIncoming:
    case EventKind::CallMissed:
    case EventKind::FormSubmitted:
    case EventKind::ChatMessage: return true;
    case EventKind::Enter:
    case EventKind::Create:
    case EventKind::Leave:
    case EventKind::CallOutgoing:
    case EventKind::TaskCompleted:
    case EventKind::TaskOverdue:
    case EventKind::PaymentReceived:
    case EventKind::FieldChanged:
    case EventKind::ResponsibleChanged:
    case EventKind::TagAdded:
    case EventKind::TagRemoved:
    case EventKind::ManualMove:
    case EventKind::MoveRejected:
    case EventKind::Custom: return false;
  }
  return false;
}

namespace {

bool immediate(const check::RuleInfo& rule) { return rule.rule->timing.kind == ast::TimingKind::None; }

int initialStage(const check::PipelineInfo& p) { return p.initial != check::kNone ? p.initial : 0; }

}  // namespace

ClientReplies::ClientReplies(const Flow& flow) : flow_(flow) {
  // Start from every stage no deal is created in and no manager moves deals
  // into, then drop those with an entry that is not the client's until
  // nothing changes: entries by `on enter` moves depend on where they start.
  for (size_t p = 0; p < flow_.program().pipelines.size(); ++p) {
    for (StageRef s : flow_.stagesOfPipeline(static_cast<int>(p))) {
      if (!flow_.reachable(s) || s.stage == initialStage(flow_.pipeline(s.pipeline))) continue;
      bool byHand = false;
      for (StageRef from : flow_.stagesOfPipeline(s.pipeline)) {
        byHand = byHand || (flow_.reachable(from) && flow_.manualAllowed(from, s));
      }
      if (!byHand) clientOnly_.insert(s);
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const Transition& t : flow_.transitions()) {
      if (!clientOnly_.count(t.to) || !flow_.reachable(t.from) || entryByClient(t)) continue;
      clientOnly_.erase(t.to);
      changed = true;
    }
  }
}

bool ClientReplies::entryByClient(const Transition& t) const {
  if (t.inThen || !t.rule || !immediate(*t.rule)) return false;
  const check::EventInfo* e = flow_.event(*t.rule);
  if (!e) return false;
  if (isClientAction(e->builtin)) return true;
  // `on enter -> X` passes the client's action on when the stage it leaves
  // was itself entered only on the client's actions.
  return e->builtin == lang::EventKind::Enter && clientOnly_.count(t.from) > 0;
}

bool ClientReplies::enteredOnlyByClient(StageRef to, std::optional<StageRef> from) const {
  if (!from) return clientOnly_.count(to) > 0;
  if (!flow_.reachable(*from) || flow_.manualAllowed(*from, to)) return false;
  bool entered = false;
  for (const Transition& t : flow_.transitions()) {
    if (t.to != to || t.from != *from) continue;
    if (!entryByClient(t)) return false;
    entered = true;
  }
  return entered;
}

std::optional<StageRef> ClientReplies::fromStage(const check::RuleInfo& rule, StageRef at) const {
  if (!rule.rule->from) return std::nullopt;
  return StageRef{at.pipeline, flow_.pipeline(at.pipeline).findStage(rule.rule->from->text)};
}

bool ClientReplies::answersAtOnce(const check::RuleInfo& rule) const {
  const check::EventInfo* e = flow_.event(rule);
  if (!e || !immediate(rule)) return false;
  if (isClientAction(e->builtin)) return true;
  if (e->builtin != lang::EventKind::Enter) return false;
  bool applies = false;
  for (StageRef at : flow_.stagesOf(rule)) {
    if (!flow_.reachable(at)) continue;
    std::optional<StageRef> from = fromStage(rule, at);
    if (from && !from->valid()) continue;  // no such stage here: the rule does not run
    if (!enteredOnlyByClient(at, from)) return false;
    applies = true;
  }
  return applies;
}

}  // namespace voronka::analysis
