// The lint driver: builds the shared analyses once, runs every lint, and
// keeps what the `voronka: allow` comments do not silence.
#include <fmt/format.h>

#include "compiler/lint/context.h"
#include "compiler/lint/lint.h"
#include "compiler/lint/suppressions.h"

namespace voronka::lint {
namespace {

using LintFn = void (*)(LintContext&);

constexpr LintFn kLints[] = {
    lintUnreachableStages,  lintRulesThatNeverRun, lintConflictingTriggers,  lintGuards,
    lintStagesWithoutTasks, lintStageNames,        lintLossReasons,          lintMessagesOutsideWorkhours,
    lintPlainHttp,          lintDelaysBeyondStay,  lintMovesFromFinalStages, lintHostFromField,
};

}  // namespace

std::string LintContext::text(SourceRange range) const { return sources.collapsedText(range); }

std::string LintContext::eventText(const ast::EventRef& ref) {
  if (!ref.arg) return ref.name.text;
  if (ref.argIsString) return fmt::format("{}(\"{}\")", ref.name.text, ref.arg->text);
  return fmt::format("{}({})", ref.name.text, ref.arg->text);
}

bool isLint(DiagKind kind) {
  // Every warning is a lint: the checker reports errors only.
  return info(kind).severity == Severity::Warning;
}

void runLints(const check::CheckedProgram& program, const SourceManager& sources, DiagnosticSink& sink) {
  Flow flow(program);
  ConditionAnalyzer conditions(program, sources);
  DiagnosticSink found;
  LintContext ctx{program, sources, flow, conditions, found};
  for (LintFn lint : kLints) lint(ctx);
  Suppressions suppressions(program.modules, sources, found);
  for (auto& d : found.all()) {
    if (const std::string* comment = suppressions.silencing(d)) {
      sink.suppress(std::move(d), /*inSource=*/true, *comment);
    } else {
      sink.add(std::move(d));
    }
  }
}

}  // namespace voronka::lint
