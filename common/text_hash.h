// A hash of a text for the runtime's open-addressing tables (deals and
// events by id, timers' deals, names), inlined. The texts are mostly short
// ids and names: up to 16 bytes they are read as two overlapping words, as
// sameText() reads them, where a byte loop (FNV) or std::hash (a call into
// libstdc++) cost several times more. The tables mask the low bits, so the
// words are mixed by a multiply whose high half is folded down.
//
// Not stable across versions and not for anything kept: the tables that use
// it live in memory only.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace voronka {

namespace text_hash_detail {

[[gnu::always_inline]] inline uint64_t mix(uint64_t a, uint64_t b) {
  // 64 × 64 → 128, the halves xored: every input bit reaches the low bits.
  unsigned __int128 product = static_cast<unsigned __int128>(a ^ 0xa0761d6478bd642full) * (b ^ 0xe7037ed1a0b428dbull);
  return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
}

template <typename Word>
[[gnu::always_inline]] inline Word load(const char* p) {
  Word w;
  std::memcpy(&w, p, sizeof(Word));
  return w;
}

}  // namespace text_hash_detail

[[gnu::always_inline]] inline uint64_t hashText(std::string_view text) {
  using namespace text_hash_detail;
  const char* p = text.data();
  const size_t n = text.size();
  uint64_t a, b;
  if (n >= 8 && n <= 16) {
    a = load<uint64_t>(p);
    b = load<uint64_t>(p + n - 8);
  } else if (n >= 4 && n < 8) {
    a = load<uint32_t>(p);
    b = load<uint32_t>(p + n - 4);
  } else if (n < 4) {
    // The first, middle and last bytes: all of a text of up to three.
    a = n == 0 ? 0
               : (uint64_t{static_cast<uint8_t>(p[0])} << 16) | (uint64_t{static_cast<uint8_t>(p[n / 2])} << 8) |
                     static_cast<uint8_t>(p[n - 1]);
    b = 0;
  } else {
    // Longer: a word at a time, then the last word (overlapping).
    uint64_t h = n;
    size_t i = 0;
    for (; i + 16 < n; i += 16) h = mix(load<uint64_t>(p + i) ^ h, load<uint64_t>(p + i + 8));
    a = load<uint64_t>(p + n - 16) ^ h;
    b = load<uint64_t>(p + n - 8);
  }
  return mix(a ^ n, b);
}

}  // namespace voronka
