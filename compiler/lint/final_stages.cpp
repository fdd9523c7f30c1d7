// leaves-final-stage: a rule that runs in `won` or `lost` and moves or closes
// the deal again (LANGUAGE.md §14: final stages are final for the funnel).
//
// Rules on final stages may run (thanks, post-sale follow-ups, reactivation),
// but a `move`, `->`, `win` or `lose` there reopens a closed deal: the won and
// lost statistics stop meaning anything. Starting over is `create deal in …`,
// a new deal beside the closed one.
//
// A rule written on the final stage is reported for every move it holds, in
// `then`, `if` and `split` too. A rule written for every stage (of its
// pipeline, or of every pipeline) runs in the final stages as well; its moves
// are reported where they really take a deal out of one (so not `next`, not
// `win` in `won`, not a trigger the pipeline's policy refuses).
#include <fmt/format.h>

#include <set>

#include "compiler/lint/context.h"

namespace voronka::lint {
namespace {

bool isFinal(const check::PipelineInfo& p, int stage) { return stage == p.won || stage == p.lost; }

// What the action does to a closed deal, for the message.
std::string whatItDoes(const Flow& flow, const ast::Action& action, std::optional<StageRef> to) {
  switch (action.kind) {
    case ast::ActionKind::Win: return "closes them again as won";
    case ast::ActionKind::Lose: return "closes them again as lost";
    default: return to ? fmt::format("moves them to `{}`", flow.stage(*to).name) : "moves them";
  }
}

std::string keywordOf(const ast::Action& action) {
  if (action.kind == ast::ActionKind::Move && action.as<ast::MoveAction>().arrowForm) return "->";
  return ast::keyword(action.kind);
}

}  // namespace

void lintMovesFromFinalStages(LintContext& ctx) {
  const Flow& flow = ctx.flow;
  std::set<const ast::Action*> reported;  // a rule for every stage applies in several final stages
  for (size_t pi = 0; pi < ctx.program.pipelines.size(); ++pi) {
    const check::PipelineInfo& p = ctx.program.pipelines[pi];
    for (StageRef at : flow.stagesOfPipeline(static_cast<int>(pi))) {
      if (!isFinal(p, at.stage)) continue;
      for (const check::RuleInfo* r : flow.rulesAt(at)) {
        // `when deal.stage != won` keeps a rule for every stage out of the final ones.
        if (r->rule->when) {
          Formula here = ctx.conditions.both(ctx.conditions.formula(*r->rule->when),
                                             ctx.conditions.dealStageIs(p.name + "." + p.stages[at.stage].name));
          if (!ConditionAnalyzer::satisfiable(here)) continue;
        }
        bool ownRule = r->stage == at.stage;
        forEachAction(r->rule->body, [&](const ast::Action& a, const ActionContext& where) {
          if (!isMove(a)) return;
          std::optional<StageRef> to = flow.target(*r, a, at, where.inThen);
          if (!ownRule && !to) return;  // no move from this stage: nothing reopens
          if (!reported.insert(&a).second) return;
          std::string stage = ownRule ? flow.stage(at).name : flow.stageName(at);
          Diagnostic& d = ctx.sink.emit(diag::LeavesFinalStage, a.range, keywordOf(a), stage, whatItDoes(flow, a, to));
          if (!ownRule) {
            d.note(r->rule->range,
                   r->pipeline == check::kNone
                       ? "this rule is written for every stage of every pipeline, final ones included"
                       : fmt::format("this rule is written for every stage of `{}`, final ones included", p.name));
          }
          d.note("to start over, create a new deal and leave this one closed: `create deal in PIPELINE.STAGE`");
        });
      }
    }
  }
}

}  // namespace voronka::lint
