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
// equal keys wins, as assignment to a JSON object does). Keys are views, and
// so are texts given as views (not as std::string&&): they must outlive the
// object (literals, the module's strings, the deal, the VM's operands). Texts
// are escaped by str(), so an object nobody writes out costs no escaping (and
// invalid UTF-8 throws there).
class Object {
 public:
  Object& text(std::string_view key, std::string_view value) { return add(key, true, value, {}); }
  Object& text(std::string_view key, std::string&& value) { return add(key, true, {}, std::move(value)); }
  Object& text(std::string_view key, const char* value) { return add(key, true, value, {}); }
  Object& integer(std::string_view key, int64_t value);
  // A member whose value is JSON text already written.
  Object& raw(std::string_view key, std::string json) { return add(key, false, {}, std::move(json)); }
  std::string str();

 private:
  static constexpr size_t kInline = 8;  // the most members an effect has: one allocation for all
  struct Member {
    std::string_view key;
    bool text;              // the value is the text itself, else JSON text
    bool owned;             // the value is `own`, else `view`
    std::string_view view;  // a value given as a view
    std::string own;        // a value given as a string of its own
    std::string_view value() const { return owned ? std::string_view(own) : view; }
  };
  Object& add(std::string_view key, bool text, std::string_view view, std::string&& own) {
    bool owned = view.data() == nullptr;
    if (members_.empty()) members_.reserve(kInline);
    members_.push_back({key, text, owned, view, std::move(own)});
    return *this;
  }
  std::vector<Member> members_;
};

}  // namespace voronka::engine::json_text
