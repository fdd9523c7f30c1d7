// A readable listing of a module: its tables, and every function's code
// with operands explained and the source lines it came from.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "runtime/bytecode/module.h"

namespace voronka::bc {

// Returns the text of line `line` of `file`, when it can be read.
using SourceLines = std::function<std::optional<std::string>(const std::string& file, int line)>;

std::string disassemble(const Module& module, const SourceLines& sourceLines = {});

std::string describeConstant(const Module& module, const Constant& c);

}  // namespace voronka::bc
