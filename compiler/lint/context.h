// What every lint gets: the program, its flow of deals, the condition
// analysis, and the sink to report into. Internal to compiler/lint.
#pragma once

#include <string>

#include "compiler/analysis/blocks.h"
#include "compiler/analysis/conditions.h"
#include "compiler/analysis/flow.h"
#include "compiler/analysis/values.h"
#include "compiler/check/program.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/source/source.h"

namespace voronka::lint {

// The shared analyses (compiler/analysis) the lints are written with.
using analysis::ActionContext;
using analysis::BlockPath;
using analysis::Cause;
using analysis::ConditionAnalyzer;
using analysis::everyPathActs;
using analysis::everyPathCreatesTask;
using analysis::everyPathMoves;
using analysis::Flow;
using analysis::forEachAction;
using analysis::Formula;
using analysis::immediatePaths;
using analysis::isMove;
using analysis::Literal;
using analysis::showDuration;
using analysis::StageRef;

struct LintContext {
  const check::CheckedProgram& program;
  const SourceManager& sources;
  const Flow& flow;
  ConditionAnalyzer& conditions;
  DiagnosticSink& sink;

  // The source text of a range, with runs of white space made single spaces.
  std::string text(SourceRange range) const;
  // The event of a rule head as written: `link_clicked(price_segments)`.
  static std::string eventText(const ast::EventRef& ref);
};

// One function per lint (or small group of lints), in lints.cpp's order.
void lintUnreachableStages(LintContext& ctx);         // unreachable.cpp
void lintRulesThatNeverRun(LintContext& ctx);         // never_runs.cpp: rule-never-fires, unless-never-happens
void lintConflictingTriggers(LintContext& ctx);       // triggers.cpp
void lintGuards(LintContext& ctx);                    // guards.cpp
void lintStagesWithoutTasks(LintContext& ctx);        // tasks.cpp
void lintStageNames(LintContext& ctx);                // naming.cpp
void lintLossReasons(LintContext& ctx);               // reasons.cpp
void lintMessagesOutsideWorkhours(LintContext& ctx);  // messages.cpp
void lintPlainHttp(LintContext& ctx);                 // http.cpp
void lintHostFromField(LintContext& ctx);             // http.cpp
void lintDelaysBeyondStay(LintContext& ctx);          // stay.cpp
void lintMovesFromFinalStages(LintContext& ctx);      // final_stages.cpp

}  // namespace voronka::lint
