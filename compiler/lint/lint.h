// Lints: warnings about the design of a funnel that checks without errors —
// stages no deal reaches, rules that never run, triggers that fight, guards
// that never hold, stages without tasks, and the domain articles' advice on
// stage names and loss reasons. Each has a stable id (kinds.def, "lints"),
// is documented with a bad and a good example in docs/lints.md, and can be
// silenced with `// voronka: allow <id>` (suppressions.h).
#pragma once

#include "compiler/check/program.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/source/source.h"

namespace voronka::lint {

// Runs every lint over a program the checker accepted, and reports into
// `sink` what the program's `voronka: allow` comments do not silence.
void runLints(const check::CheckedProgram& program, const SourceManager& sources, DiagnosticSink& sink);

// Is this kind one of the lints (a warning that can be silenced and leveled)?
bool isLint(DiagKind kind);

}  // namespace voronka::lint
