#include "runtime/server/json_guard.h"

#include <fmt/format.h>

#include "common/utf8.h"
#include "runtime/server/limits.h"

namespace voronka::server {

Result<void> checkJsonDepth(std::string_view body, size_t maxDepth) {
  size_t depth = 0;
  bool inString = false;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (inString) {
      if (c == '\\') {
        ++i;  // the escaped character, whatever it is
      } else if (c == '"') {
        inString = false;
      }
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth) {
        return fail(fmt::format("the body nests arrays and objects deeper than {} levels (at byte {})", maxDepth, i));
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return {};
}

namespace {

// The key whose value the parser was reading when it gave up: parsing again
// with a callback that remembers the last key seen.
std::string lastKeyBefore(const std::string& body) {
  std::string key;
  try {
    nlohmann::json ignored =
        nlohmann::json::parse(body, [&key](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
          if (event == nlohmann::json::parse_event_t::key) key = parsed.get<std::string>();
          return true;
        });
    (void)ignored;
  } catch (const nlohmann::json::exception&) {}
  return key;
}

}  // namespace

Result<nlohmann::json> parseJsonBody(const std::string& body) {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann says "parse error at line 1, column 7: syntax error while parsing object - …"
    std::string what = e.what();
    size_t at = what.find("parse error");
    return fail("the body is not valid JSON: " + (at == std::string::npos ? what : what.substr(at)));
  } catch (const nlohmann::json::out_of_range&) {
    // 406: a number beyond the range of a double, like 1e309.
    std::string key = lastKeyBefore(body);
    std::string where = key.empty() ? "a number" : fmt::format("\"{}\"", utf8::truncated(key, 80));
    return fail(fmt::format("{}: the number is too large (not a finite number)", where));
  }
}

namespace {

Result<void> checkString(const nlohmann::json& value, const std::string& where, size_t maxBytes) {
  if (!value.is_string()) return {};
  const std::string& s = value.get_ref<const std::string&>();
  if (utf8::firstInvalid(s)) return fail(fmt::format("{}: the text is not valid UTF-8", where));
  if (s.size() > maxBytes) {
    return fail(fmt::format("{}: {} bytes, the most is {} (see docs/operations.md)", where, s.size(), maxBytes));
  }
  return {};
}

// The string values of an object of fields (or of a payload), one level deep,
// and the strings of arrays in it (tags fields).
Result<void> checkValues(const nlohmann::json& object, const std::string& name) {
  if (!object.is_object()) return {};
  for (const auto& [key, value] : object.items()) {
    std::string where = fmt::format("\"{}\".\"{}\"", name, utf8::truncated(key, 80));
    if (Result<void> ok = checkString(nlohmann::json(key), where + " (the key)", limits::kMaxIdBytes); !ok) return ok;
    if (value.is_array()) {
      if (value.size() > limits::kMaxTagsPerDeal)
        return fail(fmt::format("{}: {} items, the most is {}", where, value.size(), limits::kMaxTagsPerDeal));
      for (const auto& item : value) {
        if (Result<void> ok = checkString(item, where, limits::kMaxTagBytes); !ok) return ok;
      }
    } else if (Result<void> ok = checkString(value, where, limits::kMaxFieldValueBytes); !ok) {
      return ok;
    }
  }
  return {};
}

}  // namespace

Result<void> checkEventSizes(const nlohmann::json& event) {
  if (!event.is_object()) return {};
  for (const auto& [key, value] : event.items()) {
    std::string where = fmt::format("\"{}\"", utf8::truncated(key, 80));
    if (utf8::firstInvalid(key)) return fail("a key is not valid UTF-8");
    if (key == "fields" || key == "payload" || key == "contact" || key == "company") {
      if (Result<void> ok = checkValues(value, key); !ok) return ok;
    } else if (key == "tags") {
      if (!value.is_array()) continue;  // the engine names the wrong type
      if (value.size() > limits::kMaxTagsPerDeal) {
        return fail(fmt::format("\"tags\": {} tags, a deal has at most {}", value.size(), limits::kMaxTagsPerDeal));
      }
      for (const auto& tag : value) {
        if (Result<void> ok = checkString(tag, "\"tags\"", limits::kMaxTagBytes); !ok) return ok;
      }
    } else if (key == "name" || key == "reason") {
      if (Result<void> ok = checkString(value, where, limits::kMaxFieldValueBytes); !ok) return ok;
    } else if (Result<void> ok = checkString(value, where, limits::kMaxIdBytes); !ok) {
      return ok;  // id, deal, type, pipeline, stage, arg, responsible, at
    }
  }
  return {};
}

}  // namespace voronka::server
