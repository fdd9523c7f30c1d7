// Moves every source range of a parsed module by a number of bytes: the
// language server parses a top-level declaration on its own and, after an
// edit earlier in the file, keeps its AST and only moves its positions.
#pragma once

#include <cstdint>

#include "compiler/ast/ast.h"

namespace voronka::ast {

void shiftRange(SourceRange& range, int64_t delta);  // an invalid range stays as it is
void shiftRanges(Module& module, int64_t delta);

}  // namespace voronka::ast
