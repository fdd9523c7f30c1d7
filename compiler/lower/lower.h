// Lowering: a checked program becomes a bytecode module (runtime/bytecode).
// Conditions, expressions, texts with `{…}` and action blocks become VM
// functions; declarations become the module's tables.
#pragma once

#include <stdexcept>
#include <unordered_map>

#include "compiler/check/program.h"
#include "compiler/source/source.h"
#include "runtime/bytecode/module.h"

namespace voronka::lower {

// Thrown for the rare program the VM cannot hold (more than 255 registers in
// one expression, more than 65535 constants…); carries the place.
class LowerError : public std::runtime_error {
 public:
  LowerError(SourceRange where, const std::string& what) : std::runtime_error(what), where(where) {}
  SourceRange where;
};

bc::Module lowerProgram(const check::CheckedProgram& program, const SourceManager& sources);

// For `voronka test`: the module plus a function for every expression the
// program's tests evaluate (field values, payloads, `expect` conditions and,
// for comparisons, both of their sides).
struct TestProgram {
  bc::Module module;
  std::unordered_map<const ast::Expr*, int32_t> expressions;
};
TestProgram lowerWithTests(const check::CheckedProgram& program, const SourceManager& sources);

}  // namespace voronka::lower
