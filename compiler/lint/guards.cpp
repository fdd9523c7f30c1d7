// require-never-holds: a guard no deal can ever satisfy.
#include "compiler/lint/context.h"

namespace voronka::lint {

void lintGuards(LintContext& ctx) {
  for (const auto& p : ctx.program.pipelines) {
    for (const auto& stage : p.stages) {
      if (!stage.decl) continue;
      for (const auto& guard : stage.decl->guards) {
        if (!guard.condition) continue;
        Formula f = ctx.conditions.formula(*guard.condition);
        if (!ConditionAnalyzer::satisfiable(f)) {
          ctx.sink.emit(diag::RequireNeverHolds, guard.condition->range, stage.name);
        }
      }
    }
  }
}

}  // namespace voronka::lint
