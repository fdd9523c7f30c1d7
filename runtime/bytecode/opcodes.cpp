#include "runtime/bytecode/opcodes.h"

#include <array>

namespace voronka::bc {

const OpInfo& opInfo(Op op) {
  static const std::array<OpInfo, kOpCount> infos = {{
#define OPCODE(Name, Fmt, Meaning) {#Name, Format::Fmt, Meaning},
#include "runtime/bytecode/opcodes.def"
#undef OPCODE
  }};
  return infos[static_cast<size_t>(op)];
}

std::string_view builtinName(BuiltinValue b) {
  static const std::string_view names[] = {
#define BUILTIN(Name, Meaning) Meaning,
#include "runtime/bytecode/builtins.def"
#undef BUILTIN
  };
  return names[static_cast<size_t>(b)];
}

}  // namespace voronka::bc
