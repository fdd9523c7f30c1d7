// Equality of two texts on the runtime's hot paths, where the texts are
// mostly short ids and names (a deal's id, a stage's name) compared to find
// a row or a slot. Up to 16 bytes it compares two overlapping words of each
// text, inlined; libc's memcmp is a call that costs more than the compare
// (callgrind: memcmp was 2% of the engine's instructions).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace voronka {

[[gnu::always_inline]] inline bool sameText(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  // The two words cover all n bytes between them (they overlap when n is
  // not twice the word) and read nothing outside the texts.
  auto words = [&]<typename Word>(Word) {
    Word p0, p1, q0, q1;
    std::memcpy(&p0, p, sizeof(Word));
    std::memcpy(&p1, p + n - sizeof(Word), sizeof(Word));
    std::memcpy(&q0, q, sizeof(Word));
    std::memcpy(&q1, q + n - sizeof(Word), sizeof(Word));
    return ((p0 ^ q0) | (p1 ^ q1)) == 0;
  };
  if (n >= 8) return n <= 16 ? words(uint64_t{}) : std::memcmp(p, q, n) == 0;
  if (n >= 4) return words(uint32_t{});
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != q[i]) return false;
  }
  return true;
}

}  // namespace voronka
