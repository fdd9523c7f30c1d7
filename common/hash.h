// FNV-1a, 64 bits: a fast, stable hash of bytes. Stable means the same on
// every machine and in every release, which is what its users rely on: the
// module checksum in .funnelc files, effects' idempotency keys, which share
// of a `split` a deal falls in, and the store's module identity.
#pragma once

#include <cstdint>
#include <string_view>

namespace voronka {

inline constexpr uint64_t kFnv1aOffsetBasis = 0xcbf29ce484222325ull;
inline constexpr uint64_t kFnv1aPrime = 0x100000001b3ull;

// `seed` continues an earlier hash: fnv1a(b, fnv1a(a)) == fnv1a(a + b).
constexpr uint64_t fnv1a(std::string_view bytes, uint64_t seed = kFnv1aOffsetBasis) {
  uint64_t h = seed;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnv1aPrime;
  }
  return h;
}

}  // namespace voronka
