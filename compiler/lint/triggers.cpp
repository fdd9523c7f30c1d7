// conflicting-triggers: one event, one stage, two rules moving the deal to
// different stages under conditions that can hold together.
#include <fmt/format.h>

#include <set>
#include <tuple>

#include "compiler/analysis/blocks.h"
#include "compiler/lint/context.h"

namespace voronka::lint {
namespace {

struct TriggerMove {
  const check::RuleInfo* rule;
  const ast::Action* action;
  StageRef to;
  Formula when;  // the rule's `when` and the `if` branches leading to the move
};

bool sameEvent(const check::RuleInfo& a, const check::RuleInfo& b) {
  if (a.event != b.event || a.event == check::kNone) return false;
  const ast::EventRef& x = *a.rule->event;
  const ast::EventRef& y = *b.rule->event;
  // `on link_clicked` reacts to every link, `on link_clicked(a)` to a's only.
  if (x.arg && y.arg) return x.arg->text == y.arg->text;
  return true;
}

bool before(const ast::Action* a, const ast::Action* b) {
  return std::tie(a->range.file, a->range.begin) < std::tie(b->range.file, b->range.begin);
}

}  // namespace

void lintConflictingTriggers(LintContext& ctx) {
  std::set<std::pair<const ast::Action*, const ast::Action*>> reported;
  for (size_t pi = 0; pi < ctx.program.pipelines.size(); ++pi) {
    for (StageRef at : ctx.flow.stagesOfPipeline(static_cast<int>(pi))) {
      if (!ctx.flow.reachable(at)) continue;
      std::vector<TriggerMove> moves;
      for (const check::RuleInfo* rule : ctx.flow.rulesAt(at)) {
        if (ctx.flow.cause(*rule) != Cause::Trigger || !rule->rule->event) continue;
        bool truncated = false;
        std::vector<BlockPath> paths = immediatePaths(rule->rule->body, truncated);
        if (truncated) continue;
        for (const BlockPath& path : paths) {
          for (const ast::Action* a : path.actions) {
            if (!isMove(*a)) continue;
            std::optional<StageRef> to = ctx.flow.target(*rule, *a, at);
            if (!to) break;
            std::vector<Literal> literals = path.conditions;
            if (rule->rule->when) literals.insert(literals.begin(), Literal{rule->rule->when.get(), true});
            Formula f = ctx.conditions.conjunction(literals);
            // One move reached along several paths: its condition is their union.
            auto same = std::find_if(moves.begin(), moves.end(), [&](const TriggerMove& m) { return m.action == a; });
            if (same != moves.end()) {
              same->when = ctx.conditions.either(same->when, f);
            } else {
              moves.push_back(TriggerMove{rule, a, *to, std::move(f)});
            }
            break;  // one move per path (two-moves is an error)
          }
        }
      }
      for (size_t i = 0; i < moves.size(); ++i) {
        for (size_t j = i + 1; j < moves.size(); ++j) {
          const TriggerMove* a = &moves[i];
          const TriggerMove* b = &moves[j];
          if (a->rule == b->rule || a->to == b->to || !sameEvent(*a->rule, *b->rule)) continue;
          if (before(b->action, a->action)) std::swap(a, b);
          if (reported.count({a->action, b->action})) continue;
          Formula overlap = ctx.conditions.both(a->when, b->when);
          // Too large to analyse: stay silent rather than guess.
          if (overlap.unknown || !ConditionAnalyzer::satisfiable(overlap)) continue;
          reported.emplace(a->action, b->action);
          std::string example = ctx.conditions.witness(overlap);
          if (!example.empty()) example = ", for example when " + example;
          // Both rules may name the event differently (`link_clicked` and
          // `link_clicked(a)`): show the narrower one.
          const ast::EventRef& shown = b->rule->rule->event->arg ? *b->rule->rule->event : *a->rule->rule->event;
          ctx.sink
              .emit(diag::ConflictingTriggers, b->action->range, LintContext::eventText(shown), ctx.flow.stage(at).name,
                    ctx.flow.stageName(b->to), ctx.flow.stageName(a->to), example)
              .note(a->action->range, fmt::format("the other rule moves deals to `{}`", ctx.flow.stageName(a->to)));
        }
      }
    }
  }
}

}  // namespace voronka::lint
