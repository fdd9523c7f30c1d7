#include "runtime/store/records.h"

namespace voronka::store {

namespace {

void copyText(std::string& to, const std::string& from) {
  if (!to.empty() || !from.empty()) to = from;
}

}  // namespace

// A member added to DealRecord must be copied here too.
static_assert(sizeof(DealRecord) == 424, "DealRecord changed: keep copyDealInto in step with it");

void copyDealInto(DealRecord& to, const DealRecord& from) {
  copyText(to.id, from.id);
  to.pipeline = from.pipeline;
  to.stage = from.stage;
  to.previousPipeline = from.previousPipeline;
  to.previousStage = from.previousStage;
  to.epoch = from.epoch;
  to.enteredAt = from.enteredAt;
  to.createdAt = from.createdAt;
  copyText(to.name, from.name);
  // Through pointers of their own: the compiler cannot tell that a text's
  // assignment leaves the lists' own pointers alone, and would load them
  // again for every item.
  to.fields.resize(from.fields.size());
  const FieldValue* f = from.fields.data();
  FieldValue* t = to.fields.data();
  for (size_t i = 0, n = from.fields.size(); i < n; ++i) {
    t[i].tag = f[i].tag;
    t[i].aux = f[i].aux;
    t[i].num = f[i].num;
    t[i].i = f[i].i;
    copyText(t[i].text, f[i].text);
  }
  to.tags.resize(from.tags.size());
  const std::string* fromTag = from.tags.data();
  std::string* toTag = to.tags.data();
  for (size_t i = 0, n = from.tags.size(); i < n; ++i) copyText(toTag[i], fromTag[i]);
  to.responsible = from.responsible;
  copyText(to.contactName, from.contactName);
  copyText(to.contactEmail, from.contactEmail);
  copyText(to.contactPhone, from.contactPhone);
  copyText(to.companyName, from.companyName);
  to.visits = from.visits;
  copyText(to.lostReason, from.lostReason);
  copyText(to.error, from.error);
  to.childDeals = from.childDeals;
  to.version = from.version;
  copyText(to.moduleVersion, from.moduleVersion);
}

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
