// The checker: the modules of one program in, a CheckedProgram and every
// error of LANGUAGE.md §10 out.
#pragma once

#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/check/program.h"
#include "compiler/diagnostics/diagnostic.h"

namespace voronka::check {

// `modules` are a root file and the files it uses; all their declarations are
// visible to each other (one namespace per kind of name).
CheckedProgram checkProgram(const std::vector<const ast::Module*>& modules, DiagnosticSink& sink);

}  // namespace voronka::check
