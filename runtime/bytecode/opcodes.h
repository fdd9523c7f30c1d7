// Opcodes and the instruction encoding (from opcodes.def).
#pragma once

#include <cstdint>
#include <string_view>

#include "runtime/bytecode/limits.h"

namespace voronka::bc {

enum class Op : uint8_t {
#define OPCODE(Name, Fmt, Meaning) Name,
#include "runtime/bytecode/opcodes.def"
#undef OPCODE
  Count_
};

// Operand formats: what A, B, C (or Bx) are, for the verifier and the disassembler.
enum class Format : uint8_t {
  N,
  A_R,
  A_R_B_S,
  A_R_B_R,
  A_R_Bx_K,
  A_R_Bx_F,
  A_R_Bx_D,
  A_R_B_R_C_R,
  A_R_B_R_C_K,
  A_R_B_S_C_S,
  A_R_B_R_C_S,
  J,
  A_R_J
};

struct OpInfo {
  std::string_view name;
  Format format;
  std::string_view meaning;
};
const OpInfo& opInfo(Op op);
inline constexpr uint8_t kOpCount = static_cast<uint8_t>(Op::Count_);

// op:8 | A:8 | B:8 | C:8, or op:8 | A:8 | Bx:16 (sBx = Bx as signed); limits.h
inline uint32_t encodeABC(Op op, uint8_t a, uint8_t b, uint8_t c) {
  return static_cast<uint32_t>(op) | (uint32_t{a} << limits::kAShift) | (uint32_t{b} << limits::kBShift) |
         (uint32_t{c} << limits::kCShift);
}
inline uint32_t encodeABx(Op op, uint8_t a, uint16_t bx) {
  return static_cast<uint32_t>(op) | (uint32_t{a} << limits::kAShift) | (uint32_t{bx} << limits::kBShift);
}
inline uint32_t encodeAsBx(Op op, uint8_t a, int16_t sbx) { return encodeABx(op, a, static_cast<uint16_t>(sbx)); }
inline Op opOf(uint32_t ins) { return static_cast<Op>(ins & limits::kOpMask); }
inline uint8_t aOf(uint32_t ins) { return static_cast<uint8_t>(ins >> limits::kAShift); }
inline uint8_t bOf(uint32_t ins) { return static_cast<uint8_t>(ins >> limits::kBShift); }
inline uint8_t cOf(uint32_t ins) { return static_cast<uint8_t>(ins >> limits::kCShift); }
inline uint16_t bxOf(uint32_t ins) { return static_cast<uint16_t>(ins >> limits::kBShift); }
inline int16_t sbxOf(uint32_t ins) { return static_cast<int16_t>(ins >> limits::kBShift); }

enum class BuiltinValue : uint8_t {
#define BUILTIN(Name, Meaning) Name,
#include "runtime/bytecode/builtins.def"
#undef BUILTIN
  Count_
};
std::string_view builtinName(BuiltinValue b);

}  // namespace voronka::bc
