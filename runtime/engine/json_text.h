// JSON text written straight into a string, byte for byte as
// nlohmann::json's dump() writes the same value (compact, object keys in
// byte order, non-ASCII kept as UTF-8): effect payloads and timer payload
// snapshots are made without building JSON values on the engine's path.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/bytecode/module.h"
#include "runtime/store/records.h"

namespace voronka::engine::json_text {

// A quoted, escaped string. Text that is not valid UTF-8 throws the
// nlohmann::json error dump() throws for it.
void appendString(std::string& out, std::string_view s);
void appendInteger(std::string& out, int64_t i);
void appendNumber(std::string& out, double d);
// Any JSON value, as its dump() writes it.
void appendJson(std::string& out, const nlohmann::json& j);
// A value as valueToJson() makes it, written.
void appendValue(std::string& out, const bc::Module& m, const store::FieldValue& v);

// An object's members in any order; str() sorts them by key (the last of
// equal keys wins, as assignment to a JSON object does). Keys are views:
// they must outlive the object (literals, the module's strings). Texts are
// escaped by str(), so an object nobody writes out costs no escaping (and
// invalid UTF-8 throws there).
class Object {
 public:
  Object& text(std::string_view key, std::string_view value) { return add(key, true, std::string(value)); }
  Object& text(std::string_view key, std::string&& value) { return add(key, true, std::move(value)); }
  Object& text(std::string_view key, const char* value) { return add(key, true, std::string(value)); }
  Object& integer(std::string_view key, int64_t value);
  // A member whose value is JSON text already written.
  Object& raw(std::string_view key, std::string json) { return add(key, false, std::move(json)); }
  std::string str();

 private:
  struct Member {
    std::string_view key;
    bool text;  // `value` is the text itself, else JSON text
    std::string value;
  };
  Object& add(std::string_view key, bool text, std::string value) {
    members_.push_back({key, text, std::move(value)});
    return *this;
  }
  std::vector<Member> members_;
};

}  // namespace voronka::engine::json_text
