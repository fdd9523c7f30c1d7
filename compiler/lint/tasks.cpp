// stage-without-task: a working stage where a deal can sit with no open task
// (domain article 004: every deal always has a planned task).
//
// A stage is fine when every deal entering it
//  - gets a task or leaves at once: `on enter` rules (not `once`, not `from`)
//    whose every path creates a task or moves the deal (one branch of an `if`
//    may move while the other makes a task), unconditionally or under
//    conditions that together always hold;
//  - or has a timer that later creates a task or moves it: an `after`/`every`
//    rule anchored at the entry, without `when`, `once` or `while`, whose every
//    path creates a task or moves, and whose `unless` event (if any) itself
//    creates a task or moves the deal in this stage.
#include "compiler/analysis/blocks.h"
#include "compiler/lint/context.h"

namespace voronka::lint {
namespace {

using lang::EventKind;

// Does some path of the block create a task (for the message: "no rule creates one" or "not for every deal")?
bool createsSomeTask(const ast::Block& block) {
  bool truncated = false;
  for (const auto& path : immediatePaths(block, truncated)) {
    for (const ast::Action* a : path.actions) {
      if (a->kind == ast::ActionKind::Task) return true;
    }
  }
  return false;
}

bool isEnterRule(const Flow& flow, const check::RuleInfo& r) {
  const check::EventInfo* e = flow.event(r);
  return e && e->builtin == lang::EventKind::Enter && r.rule->timing.kind == ast::TimingKind::None && !r.rule->once &&
         !r.rule->from;
}

// Do the immediate rules on the `unless` event act for sure when it comes:
// each creates a task or moves on every path, and their conditions together
// always hold?
bool unlessEventActs(const Flow& flow, ConditionAnalyzer& conditions, StageRef at, const ast::EventRef& unless) {
  Formula acting = Formula::never();
  for (const check::RuleInfo* r : flow.rulesAt(at)) {
    const ast::Rule& rule = *r->rule;
    if (!rule.event || rule.event->name.text != unless.name.text) continue;
    // A rule for `e(a)` does not cover `unless e` (any a).
    if (rule.event->arg && (!unless.arg || unless.arg->text != rule.event->arg->text)) continue;
    if (rule.timing.kind != ast::TimingKind::None || rule.once || !everyPathActs(rule.body)) continue;
    if (!rule.when) return true;
    acting = conditions.either(acting, conditions.formula(*rule.when));
  }
  if (acting.alternatives.empty()) return false;
  Formula rest = conditions.negate(acting);
  return !rest.unknown && !ConditionAnalyzer::satisfiable(rest);
}

bool followedUpByTimer(const Flow& flow, ConditionAnalyzer& conditions, StageRef at) {
  for (const check::RuleInfo* r : flow.rulesAt(at)) {
    const ast::Rule& rule = *r->rule;
    const check::EventInfo* e = flow.event(*r);
    bool anchoredAtEntry = !e || e->builtin == lang::EventKind::Enter;
    bool timer = rule.timing.kind == ast::TimingKind::After ||
                 (rule.timing.kind == ast::TimingKind::Every && !rule.timing.whileCondition);
    if (!anchoredAtEntry || !timer || rule.when || rule.once || rule.from) continue;
    if (!everyPathActs(rule.body)) continue;
    if (rule.unless && !unlessEventActs(flow, conditions, at, *rule.unless)) continue;
    return true;
  }
  return false;
}

}  // namespace

void lintStagesWithoutTasks(LintContext& ctx) {
  const Flow& flow = ctx.flow;
  for (size_t pi = 0; pi < ctx.program.pipelines.size(); ++pi) {
    const check::PipelineInfo& p = ctx.program.pipelines[pi];
    for (int s = 0; s < p.workingCount(); ++s) {
      StageRef at{static_cast<int>(pi), s};
      if (!flow.reachable(at) || !p.stages[s].decl) continue;
      bool covered = false, someTask = false;
      Formula actingConditions = Formula::never();  // when the rules that act for sure run
      for (const check::RuleInfo* r : flow.rulesAt(at)) {
        if (!isEnterRule(flow, *r)) continue;
        const ast::Rule& rule = *r->rule;
        someTask = someTask || createsSomeTask(rule.body);
        if (!everyPathActs(rule.body)) continue;
        if (!rule.when) {
          covered = true;
          break;
        }
        actingConditions = ctx.conditions.either(actingConditions, ctx.conditions.formula(*rule.when));
      }
      if (!covered && !actingConditions.alternatives.empty()) {
        // Conditional rules cover every deal when their conditions together always hold.
        Formula uncovered = ctx.conditions.negate(actingConditions);
        covered = !uncovered.unknown && !ConditionAnalyzer::satisfiable(uncovered);
      }
      if (covered || followedUpByTimer(flow, ctx.conditions, at)) continue;
      const check::StageInfo& stage = p.stages[s];
      ctx.sink.emit(diag::StageWithoutTask, stage.decl->name.range, stage.name,
                    someTask ? "the `on enter` rules do not give one to every deal (they create it under a condition, "
                               "on the first visit only or in some branches, or complete it again)"
                             : "no rule creates one when a deal enters");
    }
  }
}

}  // namespace voronka::lint
