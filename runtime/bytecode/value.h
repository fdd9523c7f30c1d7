// Values the VM computes with and the module's constants are made of.
//
// A Value is 16 bytes and never owns memory: a text points into the module's
// string pool, a deal's stored field, or the evaluation's scratch space, all of
// which outlive one evaluation. Times are UTC seconds since 1970, dates days
// since 1970, durations seconds (or a count of working days).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace voronka::bc {

enum class Tag : uint8_t {
  None = 0,
  Bool,
  Number,    // number and money
  Text,      // text, url, email, phone
  Date,      // i = days since 1970-01-01
  DateTime,  // i = seconds since 1970-01-01T00:00Z
  Duration,  // i = seconds, or working days when aux == kWorkdays
  Time,      // i = minutes since midnight
  Enum,      // i = member, aux = enum id
  User,      // i = user index
  Tags,      // ptr = the deal's tag list (host-owned)
  // New tags go here, after the others: constants of older modules keep their meaning.
  Stage,     // i = stage, aux = its pipeline
  Pipeline,  // i = pipeline
};
inline constexpr uint8_t kLastTag = static_cast<uint8_t>(Tag::Pipeline);

struct Value {
  Tag tag = Tag::None;
  uint8_t pad = 0;
  uint16_t aux = 0;
  uint32_t len = 0;  // text length
  union {
    double num;
    int64_t i;
    const char* str;
    const void* ptr;
  };

  Value() : i(0) {}
  static Value none() { return Value(); }
  static Value boolean(bool b) {
    Value v;
    v.tag = Tag::Bool;
    v.i = b;
    return v;
  }
  static Value number(double d) {
    Value v;
    v.tag = Tag::Number;
    v.num = d;
    return v;
  }
  static Value text(std::string_view s) {
    Value v;
    v.tag = Tag::Text;
    v.str = s.data();
    v.len = static_cast<uint32_t>(s.size());
    return v;
  }
  static Value integer(Tag t, int64_t n, uint16_t aux = 0) {
    Value v;
    v.tag = t;
    v.i = n;
    v.aux = aux;
    return v;
  }

  bool isNone() const { return tag == Tag::None; }
  bool isTrue() const { return tag == Tag::Bool && i != 0; }
  std::string_view textView() const { return tag == Tag::Text ? std::string_view(str, len) : std::string_view(); }
};
static_assert(sizeof(Value) == 16, "values are 16 bytes");

inline constexpr uint16_t kWorkdays = 1;  // Duration aux: i counts working days

}  // namespace voronka::bc
