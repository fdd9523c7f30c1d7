// Moves every source range of a parsed module by a number of bytes: a
// top-level declaration parsed on its own and reused after an edit earlier in
// the file (chunked_parse.h) keeps its AST, only its positions move.
#pragma once

#include <cstdint>

#include "compiler/ast/ast.h"
#include "compiler/diagnostics/diagnostic.h"

namespace voronka::lsp {

void shiftRanges(ast::Module& module, int64_t delta);
void shiftRanges(Diagnostic& diagnostic, int64_t delta);

}  // namespace voronka::lsp
