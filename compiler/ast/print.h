// Expressions printed back as compact S-expressions: `(+ budget 1000)`.
// Used by the AST dump and in messages that quote an expression.
#pragma once

#include <string>

#include "compiler/ast/ast.h"

namespace voronka::ast {
std::string print(const Expr& e);
}  // namespace voronka::ast
