// few-loss-reasons, no-other-reason: at least five loss reasons plus
// "Другое" (domain article 001).
#include <fmt/format.h>

#include "compiler/lint/context.h"

namespace voronka::lint {

inline constexpr size_t kMinimumReasons = 5;

void lintLossReasons(LintContext& ctx) {
  for (const auto& p : ctx.program.pipelines) {
    if (p.lost == check::kNone) continue;
    const ast::Stage* lost = p.stages[p.lost].decl;
    if (!lost) continue;
    // Point at the list when there is one, else at `lost`.
    SourceRange where = lost->name.range;
    if (lost->reasonsRef) {
      where = lost->reasonsRef->range;
    } else if (lost->reasonsKeyword) {
      where = *lost->reasonsKeyword;
    }
    size_t named = p.reasons.size() - (p.otherReason != check::kNone ? 1 : 0);
    if (named < kMinimumReasons) {
      std::string count =
          p.reasons.empty() ? "no loss reasons" : fmt::format("only {} loss reason{}", named, named == 1 ? "" : "s");
      ctx.sink.emit(diag::FewLossReasons, where, p.name, count);
    }
    if (!p.reasons.empty() && p.otherReason == check::kNone) ctx.sink.emit(diag::NoOtherReason, where, p.name);
  }
}

}  // namespace voronka::lint
