#include "runtime/store/records.h"

namespace voronka::store {

bc::Value FieldValue::view() const {
  bc::Value v;
  v.tag = tag;
  v.aux = aux;
  switch (tag) {
    case bc::Tag::Number: v.num = num; break;
    case bc::Tag::Text: v = bc::Value::text(text); break;
    default: v.i = i; break;
  }
  return v;
}

FieldValue FieldValue::of(const bc::Value& v) {
  FieldValue f;
  f.tag = v.tag;
  f.aux = v.aux;
  switch (v.tag) {
    case bc::Tag::Number: f.num = v.num; break;
    case bc::Tag::Text: f.text = std::string(v.textView()); break;
    case bc::Tag::Tags: f.tag = bc::Tag::None; break;  // tag lists live in DealRecord::tags
    default: f.i = v.i; break;
  }
  return f;
}

bool FieldValue::operator==(const FieldValue& o) const {
  return tag == o.tag && aux == o.aux && num == o.num && i == o.i && text == o.text;
}

}  // namespace voronka::store
