#include "compiler/analysis/flow.h"

#include <deque>

#include "compiler/analysis/blocks.h"

namespace voronka::analysis {

using check::kNone;

Flow::Flow(const check::CheckedProgram& program) : program_(program) {
  for (const auto& r : program_.rules) {
    for (StageRef at : stagesOf(r)) rulesAt_[at].push_back(&r);
  }
  collectTransitions();
  computeReachability();
}

std::vector<StageRef> Flow::stagesOfPipeline(int p) const {
  std::vector<StageRef> out;
  for (size_t s = 0; s < program_.pipelines[p].stages.size(); ++s) out.push_back(StageRef{p, static_cast<int>(s)});
  return out;
}

std::vector<StageRef> Flow::stagesOf(const check::RuleInfo& rule) const {
  if (rule.pipeline != kNone && rule.stage != kNone) return {StageRef{rule.pipeline, rule.stage}};
  std::vector<StageRef> out;
  for (size_t p = 0; p < program_.pipelines.size(); ++p) {
    if (rule.pipeline != kNone && rule.pipeline != static_cast<int>(p)) continue;
    for (StageRef s : stagesOfPipeline(static_cast<int>(p))) out.push_back(s);
  }
  return out;
}

const std::vector<const check::RuleInfo*>& Flow::rulesAt(StageRef at) const {
  static const std::vector<const check::RuleInfo*> none;
  auto it = rulesAt_.find(at);
  return it == rulesAt_.end() ? none : it->second;
}

const check::EventInfo* Flow::event(const check::RuleInfo& rule) const {
  if (rule.event == kNone || static_cast<size_t>(rule.event) >= program_.events.size()) return nullptr;
  return &program_.events[rule.event];
}

Cause Flow::cause(const check::RuleInfo& rule) const {
  const check::EventInfo* e = event(rule);
  bool delayed = rule.rule->timing.kind != ast::TimingKind::None;
  if (!e) return Cause::Timer;
  if (delayed) return e->builtin == lang::EventKind::Enter ? Cause::Timer : Cause::Delayed;
  return e->lifecycle ? Cause::Lifecycle : Cause::Trigger;
}

std::optional<StageRef> Flow::target(const check::RuleInfo& rule, const ast::Action& action, StageRef at,
                                     bool inThen) const {
  const check::PipelineInfo& p = program_.pipelines[at.pipeline];
  StageRef to;
  switch (action.kind) {
    case ast::ActionKind::Win: to = StageRef{at.pipeline, p.won}; break;
    case ast::ActionKind::Lose: to = StageRef{at.pipeline, p.lost}; break;
    case ast::ActionKind::Move: {
      const ast::MoveTarget& t = action.as<ast::MoveAction>().target;
      if (t.isNext) {
        if (at.stage + 1 >= p.workingCount()) return std::nullopt;
        to = StageRef{at.pipeline, at.stage + 1};
        break;
      }
      int pipeline = t.pipeline ? check::CheckedProgram::lookup(program_.pipelineIndex, t.pipeline->text) : at.pipeline;
      if (pipeline == kNone) return std::nullopt;
      int stage = program_.pipelines[pipeline].findStage(t.stage.text);
      if (stage == kNone) return std::nullopt;
      to = StageRef{pipeline, stage};
      break;
    }
    default: return std::nullopt;
  }
  if (!to.valid() || to == at) return std::nullopt;  // a move to the current stage does nothing
  if (action.kind == ast::ActionKind::Move && !inThen && cause(rule) == Cause::Trigger && to.pipeline == at.pipeline) {
    bool backward = to.stage < at.stage;
    if (!(backward ? p.triggersBackward : p.triggersForward)) return std::nullopt;
  }
  return to;
}

std::optional<StageRef> Flow::createTarget(const ast::CreateDealAction& action, StageRef at) const {
  int pipeline = check::CheckedProgram::lookup(program_.pipelineIndex, action.pipeline.text);
  if (pipeline == kNone) return std::nullopt;
  const check::PipelineInfo& p = program_.pipelines[pipeline];
  int stage = action.stage ? p.findStage(action.stage->text) : (p.initial != kNone ? p.initial : 0);
  if (stage == kNone) return std::nullopt;
  return StageRef{pipeline, stage};
}

bool Flow::manualAllowed(StageRef from, StageRef to) const {
  if (from.pipeline != to.pipeline || from == to) return false;
  const check::PipelineInfo& p = program_.pipelines[from.pipeline];
  // Reopening a closed deal by hand is not a path through the funnel.
  if (from.stage >= p.workingCount()) return false;
  // Closing a deal as lost by hand is always allowed (language.md §11); winning counts as forward.
  if (to.stage == p.lost) return true;
  bool forward = to.stage > from.stage;
  return forward ? p.manualForward : p.manualBackward;
}

void Flow::collectTransitions() {
  for (size_t pi = 0; pi < program_.pipelines.size(); ++pi) {
    for (StageRef at : stagesOfPipeline(static_cast<int>(pi))) {
      for (const check::RuleInfo* rule : rulesAt(at)) {
        forEachAction(rule->rule->body, [&](const ast::Action& a, const ActionContext& ctx) {
          if (isMove(a)) {
            if (auto to = target(*rule, a, at, ctx.inThen)) {
              transitions_.push_back(Transition{at, *to, TransitionKind::Rule, rule, &a, ctx.inThen});
            }
          } else if (a.kind == ast::ActionKind::CreateDeal) {
            if (auto to = createTarget(a.as<ast::CreateDealAction>(), at)) {
              transitions_.push_back(Transition{at, *to, TransitionKind::CreateDeal, rule, &a, ctx.inThen});
            }
          }
        });
      }
    }
  }
  // Which pipelines feed which: a rule moving a deal across keeps the deal.
  for (size_t p = 0; p < program_.pipelines.size(); ++p) feeders_[static_cast<int>(p)] = {static_cast<int>(p)};
  bool changed = true;
  while (changed) {
    changed = false;
    for (const auto& t : transitions_) {
      if (t.kind != TransitionKind::Rule || t.from.pipeline == t.to.pipeline) continue;
      for (int f : std::set<int>(feeders_[t.from.pipeline])) {
        changed = feeders_[t.to.pipeline].insert(f).second || changed;
      }
    }
  }
}

void Flow::computeReachability() {
  std::map<StageRef, std::vector<const Transition*>> out;
  for (const auto& t : transitions_) out[t.from].push_back(&t);
  std::deque<StageRef> queue;
  auto reach = [&](StageRef s) {
    if (reachable_.insert(s).second) queue.push_back(s);
  };
  for (size_t p = 0; p < program_.pipelines.size(); ++p) {
    const check::PipelineInfo& info = program_.pipelines[p];
    if (info.stages.empty()) continue;
    reach(StageRef{static_cast<int>(p), info.initial != kNone ? info.initial : 0});
  }
  while (!queue.empty()) {
    StageRef s = queue.front();
    queue.pop_front();
    for (const Transition* t : out[s]) {
      if (t->kind == TransitionKind::Rule) enters_.emplace(t->to, s);
      reach(t->to);
    }
    for (StageRef t : stagesOfPipeline(s.pipeline)) {
      if (!manualAllowed(s, t)) continue;
      enters_.emplace(t, s);
      reach(t);
    }
  }
}

bool Flow::entersFrom(StageRef to, StageRef from) const { return enters_.count({to, from}) > 0; }

std::string Flow::stageName(StageRef s) const {
  return program_.pipelines[s.pipeline].name + "." + program_.pipelines[s.pipeline].stages[s.stage].name;
}

}  // namespace voronka::analysis
