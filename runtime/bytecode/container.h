// The .funnelc file: a versioned container around a Module.
//
//   0  magic "VRNKFNLC"
//   8  u16 major, u16 minor
//  12  u32 section count
//  16  u64 checksum: FNV-1a of every byte from offset 24 to the end
//  24  section table: per section u32 id, u32 reserved, u64 offset, u64 size
//      then the sections, little-endian throughout.
//
// A reader accepts its own major version and any minor version (sections it
// does not know are skipped), and reads modules of format 1 (before language
// v0.2) as they were meant: no `within workhours earlier`, no `late skip`,
// the account's language Russian. Loading verifies everything before returning:
// a truncated, corrupted or crafted file is a LoadError with a message, never
// a crash (see verifier.h).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "common/hash.h"
#include "runtime/bytecode/module.h"

namespace voronka::bc {

inline constexpr uint16_t kFormatMajor = 2;
inline constexpr uint16_t kOldestReadableMajor = 1;
inline constexpr uint16_t kFormatMinor = 0;

class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string serialize(const Module& module);
// Parses and verifies; throws LoadError.
Module load(std::string_view bytes);

// The checksum's hash lives in common/hash.h; this name stays for code that
// still spells it bc::fnv1a (the lowering's split sites).
using voronka::fnv1a;

}  // namespace voronka::bc
