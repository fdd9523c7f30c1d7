#include "runtime/engine/json_text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "runtime/engine/values.h"

namespace voronka::engine::json_text {

namespace {

// Length of the valid UTF-8 sequence at s[i] (lead byte 0x80 or above), or
// 0 when it is not valid (as utf8::firstInvalid judges it).
size_t validSequence(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = at(i);
  size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
  if (len == 0 || c > 0xF4 || i + len > s.size()) return 0;
  char32_t cp = c & (0xFF >> (len + 1));
  for (size_t k = 1; k < len; ++k) {
    if ((at(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (at(i + k) & 0x3F);
  }
  static constexpr char32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// What appendString does with a byte: copy it (printable ASCII), escape it,
// or check the UTF-8 sequence it starts (a two-byte lead, the usual
// non-ASCII case: Cyrillic; any other byte of 0x80 and above).
enum ByteClass : uint8_t { kPlain, kEscape, kLead2, kOtherHigh };

constexpr std::array<uint8_t, 256> kByteClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = c < 0x20 || c == '"' || c == '\\' ? kEscape
           : c < 0x80                        ? kPlain
           : c >= 0xC2 && c <= 0xDF          ? kLead2
                                             : kOtherHigh;
  }
  return t;
}();

// The letter after the backslash of a byte's short escape, or 0 when it
// is written \u00XX (as dump() writes them).
constexpr std::array<char, 256> kShortEscape = [] {
  std::array<char, 256> t{};
  t['"'] = '"';
  t['\\'] = '\\';
  t['\b'] = 'b';
  t['\t'] = 't';
  t['\n'] = 'n';
  t['\f'] = 'f';
  t['\r'] = 'r';
  return t;
}();

// Where the sixteen bytes at p need a look, as a mask (bit k: byte k), or 0
// when they can be copied as they are: no byte to escape, and every byte of
// 0x80 and above part of a valid two-byte sequence (ASCII and Cyrillic, the
// usual text). `carry` is 1 when the chunk before ended with a two-byte
// lead; it is set for the next chunk when the answer is 0.
#if defined(__SSE2__)
inline unsigned troubleIn(const unsigned char* p, unsigned& carry) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // Bytes as signed: 0x80..0xBF are -128..-65, 0xC2..0xDF are -62..-33.
  __m128i control = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(-1)), _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
  __m128i escape = _mm_or_si128(
      control, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
  __m128i cont = _mm_cmplt_epi8(v, _mm_set1_epi8(-64));
  __m128i lead = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(-63)), _mm_cmplt_epi8(v, _mm_set1_epi8(-32)));
  auto high = static_cast<unsigned>(_mm_movemask_epi8(v));
  auto c = static_cast<unsigned>(_mm_movemask_epi8(cont));
  auto l = static_cast<unsigned>(_mm_movemask_epi8(lead));
  // A continuation exactly after each lead (the chunk's first after `carry`).
  unsigned bad =
      static_cast<unsigned>(_mm_movemask_epi8(escape)) | (high & ~(c | l)) | (c ^ (((l << 1) | carry) & 0xFFFF));
  if (bad == 0) carry = l >> 15;
  return bad;
}
#else
inline unsigned troubleIn(const unsigned char* p, unsigned& carry) {
  unsigned escape = 0, high = 0, c = 0, l = 0;
  for (unsigned k = 0; k < 16; ++k) {
    unsigned char b = p[k];
    escape |= unsigned{b < 0x20 || b == '"' || b == '\\'} << k;
    high |= unsigned{b >= 0x80} << k;
    c |= unsigned{b >= 0x80 && b <= 0xBF} << k;
    l |= unsigned{b >= 0xC2 && b <= 0xDF} << k;
  }
  unsigned bad = escape | (high & ~(c | l)) | (c ^ (((l << 1) | carry) & 0xFFFF));
  if (bad == 0) carry = l >> 15;
  return bad;
}
#endif

// a < b as std::string_view compares them, decided by the first bytes when
// they differ (they mostly do, in an effect's keys) without a call to memcmp.
bool keyBefore(std::string_view a, std::string_view b) {
  if (!a.empty() && !b.empty() && a[0] != b[0])
    return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]);
  return a < b;
}

}  // namespace

void appendString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (s.size() < 16) {
    // Short (keys, names, ids): printable ASCII goes in as it is, in one append.
    size_t k = 0;
    while (k < s.size() && kByteClass[static_cast<unsigned char>(s[k])] == kPlain) ++k;
    if (k == s.size()) {
      char quoted[18];
      quoted[0] = '"';
      std::copy_n(s.data(), s.size(), quoted + 1);
      quoted[s.size() + 1] = '"';
      out.append(quoted, s.size() + 2);
      return;
    }
  }
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t start = out.size();
  out.reserve(start + n + n / 16 + 8);  // room for a few escapes
  out.push_back('"');
  size_t run = 0;  // start of the bytes copied as they are
  for (size_t i = 0; i < n;) {
    // Sixteen bytes at a time while nothing is to be done; then the first
    // character that needs a look by itself, or the last few bytes one by one.
    unsigned carry = 0, bad = 0;
    while (i + 16 <= n && (bad = troubleIn(p + i, carry)) == 0) i += 16;
    size_t stop = n;
    if (i + 16 <= n) {
      i += static_cast<size_t>(std::countr_zero(bad));
      if (i > 0 && p[i - 1] >= 0xC0) --i;  // a lead whose continuation is what is wrong
      stop = i + 1;
    } else if (carry) {
      --i;  // back to the lead the last chunk ended with
    }
    while (i < stop) {
      switch (kByteClass[p[i]]) {
        case kPlain: ++i; continue;
        case kLead2:
          if (i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
            i += 2;
            continue;
          }
          break;
        case kOtherHigh:
          if (size_t len = validSequence(s, i)) {
            i += len;
            continue;
          }
          break;
        case kEscape: {
          unsigned char c = p[i];
          out.append(s.data() + run, i - run);
          run = ++i;
          // Two bytes, or \u00XX: appended with their length (an append of
          // a C string measures it first, and a body has many newlines).
          if (char e = kShortEscape[c]) {
            const char pair[2] = {'\\', e};
            out.append(pair, 2);
          } else {
            const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
            out.append(u, 6);
          }
          continue;
        }
      }
      // Not valid UTF-8.
      out.resize(start);
      out += nlohmann::json(std::string(s)).dump();  // throws, as dump() of the same value does
      return;
    }
  }
  out.append(s.data() + run, n - run);
  out.push_back('"');
}

void appendInteger(std::string& out, int64_t i) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, i);
  (void)ec;
  out.append(buf, end);
}

void appendNumber(std::string& out, double d) { out += nlohmann::json(d).dump(); }

void appendValue(std::string& out, const bc::Module& m, const store::FieldValue& v) {
  switch (v.tag) {
    case bc::Tag::Text: appendString(out, v.text); return;
    case bc::Tag::None: out += "null"; return;
    case bc::Tag::Bool: out += v.i != 0 ? "true" : "false"; return;
    default: out += valueToJson(m, v).dump(); return;  // the rarer kinds, as valueToJson() writes them
  }
}

void appendJson(std::string& out, const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      // The map itself, not items(): its proxies make a string per member.
      out.push_back('{');
      bool first = true;
      for (const auto& [key, value] : j.get_ref<const nlohmann::json::object_t&>()) {
        if (!first) out.push_back(',');
        first = false;
        appendString(out, key);
        out.push_back(':');
        appendJson(out, value);
      }
      out.push_back('}');
      return;
    }
    case nlohmann::json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const nlohmann::json& item : j.get_ref<const nlohmann::json::array_t&>()) {
        if (!first) out.push_back(',');
        first = false;
        appendJson(out, item);
      }
      out.push_back(']');
      return;
    }
    case nlohmann::json::value_t::string: appendString(out, j.get_ref<const std::string&>()); return;
    case nlohmann::json::value_t::boolean: out += j.get<bool>() ? "true" : "false"; return;
    case nlohmann::json::value_t::null: out += "null"; return;
    case nlohmann::json::value_t::number_integer: appendInteger(out, j.get<int64_t>()); return;
    case nlohmann::json::value_t::number_unsigned: {  // what parsing makes of a number without a sign
      char buf[24];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, j.get<uint64_t>());
      (void)ec;
      out.append(buf, end);
      return;
    }
    default: out += j.dump(); return;  // floating point, binary: as nlohmann writes them
  }
}

Object& Object::integer(std::string_view key, int64_t value) {
  std::string json;
  appendInteger(json, value);
  return add(key, false, {}, std::move(json));
}

std::string Object::str() {
  // Stable: an insertion sort of the members' positions, as objects have a
  // handful of members (std::stable_sort would take a buffer from the heap
  // each time, and moving the members themselves moves their strings).
  std::array<uint8_t, 32> inline_{};
  std::vector<uint32_t> many;
  size_t n = members_.size();
  auto at = [&](size_t k) -> size_t { return n <= inline_.size() ? inline_[k] : many[k]; };
  auto put = [&](size_t k, size_t v) {
    if (n <= inline_.size())
      inline_[k] = static_cast<uint8_t>(v);
    else
      many[k] = static_cast<uint32_t>(v);
  };
  if (n > inline_.size()) many.resize(n);
  for (size_t i = 0; i < n; ++i) {
    size_t j = i;
    for (; j > 0 && keyBefore(members_[i].key, members_[at(j - 1)].key); --j) put(j, at(j - 1));
    put(j, i);
  }
  size_t size = 2;
  for (const Member& m : members_) size += m.key.size() + m.value().size() + 4;
  std::string out;
  out.reserve(size + size / 16);
  out.push_back('{');
  for (size_t i = 0; i < n; ++i) {
    const Member& m = members_[at(i)];
    if (i + 1 < n && members_[at(i + 1)].key == m.key) continue;  // a later one wins
    if (out.size() > 1) out.push_back(',');
    appendString(out, m.key);
    out.push_back(':');
    if (m.text)
      appendString(out, m.value());
    else
      out += m.value();
  }
  out.push_back('}');
  return out;
}

}  // namespace voronka::engine::json_text
