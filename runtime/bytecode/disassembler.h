// A readable listing of a module: its tables, and every function's code
// with operands explained and the source lines it came from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/bytecode/module.h"

namespace voronka::bc {

// Returns the text of line `line` of `file`, when it can be read.
using SourceLines = std::function<std::optional<std::string>(const std::string& file, int line)>;

std::string disassemble(const Module& module, const SourceLines& sourceLines = {});

std::string describeConstant(const Module& module, const Constant& c);

// Text in double quotes with newlines and quotes escaped, cut after `max`
// characters with "…" (disasm and `voronka diff` print texts this way).
std::string quoted(std::string_view text, size_t max = 40);
// A delay as the disassembler writes it: "1d4h", "90s", "3 workdays".
std::string durationText(int64_t seconds, int32_t workdays);

}  // namespace voronka::bc
