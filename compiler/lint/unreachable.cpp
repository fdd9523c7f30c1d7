// unreachable-stage: no manual or automatic path leads into the stage.
#include <fmt/format.h>

#include "compiler/lint/context.h"

namespace voronka::lint {

void lintUnreachableStages(LintContext& ctx) {
  const Flow& flow = ctx.flow;
  for (size_t pi = 0; pi < ctx.program.pipelines.size(); ++pi) {
    const check::PipelineInfo& p = ctx.program.pipelines[pi];
    // Which manual policy keeps managers out: forward from a reachable stage
    // before this one, backward from one after it.
    auto reachableWorking = [&](auto pred) {
      for (int s = 0; s < p.workingCount(); ++s) {
        if (pred(s) && flow.reachable(StageRef{static_cast<int>(pi), s})) return true;
      }
      return false;
    };
    for (StageRef at : flow.stagesOfPipeline(static_cast<int>(pi))) {
      if (flow.reachable(at)) continue;
      const check::StageInfo& stage = flow.stage(at);
      if (!stage.decl) continue;
      std::vector<std::string> policies;
      if (!p.manualForward && reachableWorking([&](int s) { return s < at.stage; })) {
        policies.push_back("`manual forward: deny`");
      }
      if (!p.manualBackward && reachableWorking([&](int s) { return s > at.stage; })) {
        policies.push_back("`manual backward: deny`");
      }
      std::string policy =
          policies.empty() ? "" : " (" + policies.front() + (policies.size() > 1 ? ", " + policies[1] : "") + ")";
      std::string what, reason;
      switch (stage.kind) {
        case ast::StageKind::Won:
          what = "`won` in pipeline `" + p.name + "`";
          reason = "no rule says `win` in a stage deals reach, and managers may not close deals by hand" + policy +
                   "; add `win` to a rule";
          break;
        case ast::StageKind::Lost:
          what = "`lost` in pipeline `" + p.name + "`";
          reason = "no rule says `lose` in a stage deals reach, and managers may not close deals by hand" + policy +
                   "; add `lose \"reason\"` to a rule";
          break;
        case ast::StageKind::Working:
          what = "stage `" + stage.name + "` of pipeline `" + p.name + "`";
          reason = "no rule moves deals here from a stage they reach, and managers may not move them here by hand" +
                   policy + "; add a rule that moves deals here, allow manual moves, or remove the stage";
          break;
      }
      ctx.sink.emit(diag::UnreachableStage, stage.decl->name.range, what, reason);
    }
  }
}

}  // namespace voronka::lint
