// UTF-8 helpers: validation, decoding one code point, encoding, counting.
// Funnel files, deal fields and messages are UTF-8 throughout; the compiler
// (columns, identifiers) and the VM (text functions) both need these.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace voronka::utf8 {

// Byte offset of the first invalid sequence, or nullopt when `text` is valid UTF-8.
std::optional<size_t> firstInvalid(std::string_view text);
// Length of the sequence starting with this lead byte (1 for invalid bytes).
inline size_t sequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}
// Decodes the code point at `i` and advances `i`; invalid bytes decode as U+FFFD.
char32_t decode(std::string_view text, size_t& i);
void append(std::string& out, char32_t cp);
size_t codePointCount(std::string_view text);
// At most `maxCodePoints` code points of `text`, cut on a code-point boundary,
// with "…" appended when something was cut: for quoting a value in a message.
std::string truncated(std::string_view text, size_t maxCodePoints);
// Every code point of `text`, for algorithms that index letters.
std::u32string decodeAll(std::string_view text);

}  // namespace voronka::utf8
