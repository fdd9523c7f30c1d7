// The fixed limits of the bytecode, the VM and the engine, in one place.
// Most follow from the instruction layout; the rest bound the work one event
// may cause. docs/bytecode.md lists them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace voronka::limits {

// ── Instruction layout: op:8 | A:8 | B:8 | C:8, or op:8 | A:8 | Bx:16 ──

inline constexpr unsigned kOpBits = 8;                             // the opcode, in the lowest byte
inline constexpr unsigned kOperandBits = 8;                        // each of A, B and C
inline constexpr unsigned kWideOperandBits = 16;                   // Bx (and signed sBx), where B and C would be
inline constexpr unsigned kAShift = kOpBits;                       // A starts at bit 8
inline constexpr unsigned kBShift = kAShift + kOperandBits;        // B (and Bx) at bit 16
inline constexpr unsigned kCShift = kBShift + kOperandBits;        // C at bit 24
inline constexpr uint32_t kOpMask = (uint32_t{1} << kOpBits) - 1;  // 0xFF
static_assert(kCShift + kOperandBits == 32 && kBShift + kWideOperandBits == 32, "instructions are 32 bits");

// ── What the layout allows ──

// A register is named by one 8-bit operand: the VM's register file has 256,
// and an action's operands (R[A]…) must end inside it.
inline constexpr size_t kRegisterFileSize = size_t{1} << kOperandBits;
// A function declares its register count in a byte: at most 255.
inline constexpr size_t kMaxRegistersPerFunction = kRegisterFileSize - 1;
// Constants, fields and actions an instruction names through Bx: indices up to 65535.
inline constexpr size_t kMaxWideIndex = (size_t{1} << kWideOperandBits) - 1;
// Constants an 8-bit C operand can name (EqK, LtK…): the first 256; a
// comparison with a later constant loads it into a register instead.
inline constexpr size_t kShortIndexCount = size_t{1} << kOperandBits;

// ── The engine: bounds on one event's work ──

// Moves one event may cause through `on enter` rules before the event fails
// and is rolled back (LANGUAGE.md §8); EngineOptions::maxCascade defaults to it.
inline constexpr int kMaxCascadeMoves = 32;
// Timers one Engine::runDue call fires at most; a guard against a rule that
// keeps scheduling timers already due, not a limit ever reached in practice.
inline constexpr size_t kMaxTimersPerRunDue = 1'000'000;
// Tags a deal may have: adding one more fails the event (the API refuses a
// request with more before it is queued).
inline constexpr size_t kMaxTagsPerDeal = 1000;
// A `split` places each deal in one of this many equal buckets (hundredths
// of a percent), by a hash of the deal and the split's site.
inline constexpr uint64_t kSplitBuckets = 10'000;
// An `every` timer that falls behind runs again at the earliest this many
// seconds later: no burst of catch-up runs after a stop.
inline constexpr int64_t kMinEveryCatchUpSeconds = 60;

}  // namespace voronka::limits
