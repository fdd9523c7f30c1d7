#include "runtime/engine/json_text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstring>

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

bool plainAscii(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto hasZero = [&](uint64_t x) { return ((x - kOnes) & ~x & kHigh) != 0; };
  return (w & kHigh) == 0 && ((w - kOnes * 0x20) & kHigh) == 0 && !hasZero(w ^ (kOnes * '"')) &&
         !hasZero(w ^ (kOnes * '\\'));
}

}  // namespace

void appendString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t start = out.size();
  out.reserve(start + s.size() + 2);
  out.push_back('"');
  size_t run = 0;  // start of the bytes copied as they are
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0xC2 && c <= 0xDF && i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80) {
      i += 2;  // a two-byte sequence (Cyrillic): the usual case, valid as it stands
      continue;
    }
    if (c >= 0x80) {
      size_t len = validSequence(s, i);
      if (len == 0) {
        out.resize(start);
        out += nlohmann::json(std::string(s)).dump();  // throws, as dump() of the same value does
        return;
      }
      i += len;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      // Eight plain ASCII bytes at a time: none 0x80 or above, below 0x20, '"' or '\\'.
      while (i + 8 <= s.size() && plainAscii(s.data() + i)) i += 8;
      if (i < s.size() && static_cast<unsigned char>(s[i]) >= 0x20 && s[i] != '"' && s[i] != '\\' &&
          static_cast<unsigned char>(s[i]) < 0x80)
        ++i;
      continue;
    }
    out.append(s.data() + run, i - run);
    run = ++i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(s.data() + run, s.size() - run);
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
      out.push_back('{');
      bool first = true;
      for (const auto& [key, value] : j.items()) {
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
      for (size_t i = 0; i < j.size(); ++i) {
        if (i > 0) out.push_back(',');
        appendJson(out, j[i]);
      }
      out.push_back(']');
      return;
    }
    case nlohmann::json::value_t::string: appendString(out, j.get_ref<const std::string&>()); return;
    case nlohmann::json::value_t::boolean: out += j.get<bool>() ? "true" : "false"; return;
    case nlohmann::json::value_t::null: out += "null"; return;
    case nlohmann::json::value_t::number_integer: appendInteger(out, j.get<int64_t>()); return;
    default: out += j.dump(); return;  // unsigned, floating point, binary: as nlohmann writes them
  }
}

Object& Object::text(std::string_view key, std::string_view value) {
  std::string json;
  appendString(json, value);
  members_.emplace_back(key, std::move(json));
  return *this;
}

Object& Object::integer(std::string_view key, int64_t value) {
  std::string json;
  appendInteger(json, value);
  members_.emplace_back(key, std::move(json));
  return *this;
}

Object& Object::raw(std::string_view key, std::string json) {
  members_.emplace_back(key, std::move(json));
  return *this;
}

std::string Object::str() {
  std::stable_sort(members_.begin(), members_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out = "{";
  for (size_t i = 0; i < members_.size(); ++i) {
    if (i + 1 < members_.size() && members_[i + 1].first == members_[i].first) continue;  // a later one wins
    if (out.size() > 1) out.push_back(',');
    appendString(out, members_[i].first);
    out.push_back(':');
    out += members_[i].second;
  }
  out.push_back('}');
  return out;
}

}  // namespace voronka::engine::json_text
