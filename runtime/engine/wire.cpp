#include "runtime/engine/wire.h"

#include <fmt/format.h>

#include <tuple>

#include "runtime/engine/json_text.h"
#include "runtime/engine/values.h"

namespace voronka::engine {

namespace {

Outcome invalid(std::string message) { return {Outcome::Status::Invalid, std::move(message)}; }

// The members of an event the wire format knows, found in one walk over the
// object: a lookup per key would search its tree of keys each time.
struct WireMembers {
  const nlohmann::json *id = nullptr, *deal = nullptr, *type = nullptr, *pipeline = nullptr, *stage = nullptr,
                       *fields = nullptr, *contact = nullptr, *company = nullptr, *name = nullptr,
                       *responsible = nullptr, *tags = nullptr, *reason = nullptr, *arg = nullptr, *payload = nullptr;

  explicit WireMembers(const nlohmann::json& e) {
    static constexpr std::pair<std::string_view, const nlohmann::json * WireMembers::*> kKnown[] = {
        {"id", &WireMembers::id},           {"deal", &WireMembers::deal},
        {"type", &WireMembers::type},       {"pipeline", &WireMembers::pipeline},
        {"stage", &WireMembers::stage},     {"fields", &WireMembers::fields},
        {"contact", &WireMembers::contact}, {"company", &WireMembers::company},
        {"name", &WireMembers::name},       {"responsible", &WireMembers::responsible},
        {"tags", &WireMembers::tags},       {"reason", &WireMembers::reason},
        {"arg", &WireMembers::arg},         {"payload", &WireMembers::payload}};
    if (!e.is_object()) return;
    for (const auto& [key, value] : e.get_ref<const nlohmann::json::object_t&>()) {
      for (const auto& [known, member] : kKnown) {
        // The first byte first: most keys differ there, and then no memcmp is called.
        if (!key.empty() && key[0] == known[0] && key == known) {
          this->*member = &value;
          break;
        }
      }
    }
  }
};

// The string member `value` (named `key`), in the event itself (no copy);
// null when it is absent or null.
Result<const std::string*> optionalString(const nlohmann::json* value, std::string_view key) {
  if (value == nullptr || value->is_null()) return static_cast<const std::string*>(nullptr);
  if (!value->is_string()) return fail(fmt::format("\"{}\" must be a string", key));
  return &value->get_ref<const std::string&>();
}

Result<const std::string*> requiredString(const nlohmann::json* value, std::string_view key) {
  if (value != nullptr && value->is_string()) return &value->get_ref<const std::string&>();
  Result<const std::string*> text = optionalString(value, key);
  if (!text) return fail(text.error());
  if (!*text) return fail(fmt::format("\"{}\" is missing", key));
  return *text;
}

// An optional string member whose wrong type is ignored, as the wire format
// has always done for `name`, `responsible` and `reason`.
const std::string* lenientString(const nlohmann::json* value) {
  Result<const std::string*> text = optionalString(value, "");
  return text ? *text : nullptr;
}

// Where a value of `fields` goes: a deal property (deal_created, field_set:
// name, contact.*, company.name), else the field of that name.
Result<WireValueSlot> fieldSlot(const bc::Module& m, const Names& names, std::string_view key) {
  WireValueSlot slot;
  slot.section = "fields";
  static constexpr std::pair<std::string_view, bc::SetTarget> props[] = {{"name", bc::SetTarget::DealName},
                                                                         {"deal.name", bc::SetTarget::DealName},
                                                                         {"contact.name", bc::SetTarget::ContactName},
                                                                         {"contact.email", bc::SetTarget::ContactEmail},
                                                                         {"contact.phone", bc::SetTarget::ContactPhone},
                                                                         {"company.name", bc::SetTarget::CompanyName}};
  for (auto [name, target] : props) {
    if (key != name) continue;
    slot.target = target;
    slot.property = true;
    return slot;
  }
  int32_t f = names.field(key);
  if (f == bc::kNo) return fail(fmt::format("\"fields\": there is no field \"{}\"", key));
  slot.index = f;
  slot.type = m.fields[f].type;
  slot.enumId = m.fields[f].enumId;
  return slot;
}

// Where a value of an event's `payload` goes: the parameter of that name, or
// for a form, the form's field.
Result<WireValueSlot> payloadSlot(const bc::Module& m, const Names& names, const std::string& type, const EventIn& in,
                                  std::string_view key) {
  WireValueSlot slot;
  slot.section = "payload";
  const bc::EventDef& def = m.events[in.event];
  for (size_t i = 0; i < def.params.size(); ++i) {
    if (m.str(def.params[i].name) != key) continue;
    slot.place = WireValueSlot::Place::Payload;
    slot.index = static_cast<int32_t>(i);
    slot.type = def.params[i].type;
    slot.enumId = def.params[i].enumId;
    return slot;
  }
  // A form's answers fill the form's fields.
  if (def.kind == bc::EventKind::FormSubmitted) {
    if (int32_t f = names.field(key); f != bc::kNo) {
      slot.place = WireValueSlot::Place::FormValue;
      slot.index = f;
      slot.type = m.fields[f].type;
      slot.enumId = m.fields[f].enumId;
      return slot;
    }
  }
  return fail(fmt::format("\"payload\": event {} has no field \"{}\"", type, key));
}

// Reads `value` into `out`: the slot's place in a call, or a value of one's own.
Result<void> readSlotValue(const bc::Module& m, const Calendar& calendar, const WireValueSlot& slot,
                           std::string_view key, const nlohmann::json& value, store::FieldValue& out) {
  if (slot.property) {
    if (!value.is_string()) return fail(fmt::format("\"{}\".\"{}\" must be a string", slot.section, key));
    out.tag = bc::Tag::Text;
    out.text = value.get_ref<const std::string&>();
    return {};
  }
  Result<store::FieldValue> v = valueFromJson(m, slot.type, slot.enumId, value, calendar);
  if (!v) return fail(fmt::format("\"{}\".\"{}\": {}", slot.section, key, v.error()));
  out = std::move(*v);
  return {};
}

// Where a payload slot's value is in the event.
store::FieldValue& slotValue(const bc::Module& m, EventIn& in, const WireValueSlot& slot) {
  if (slot.place == WireValueSlot::Place::Payload) return in.payload[static_cast<size_t>(slot.index)];
  in.formValues.resize(m.fields.size());
  return in.formValues[static_cast<size_t>(slot.index)];
}

// `fields` of deal_created / field_set: field names, or contact.*, company.name, name.
// `prefix` is put before each key: "contact." for the members of `contact`.
Result<void> readFields(const bc::Module& m, const Names& names, const Calendar& calendar, const nlohmann::json& fields,
                        std::vector<FieldAssignment>& out, std::string_view prefix = {}) {
  if (!fields.is_object()) return fail("\"fields\" must be an object");
  std::string prefixed;
  // The map itself, not items(): its proxies make a string per member.
  for (const auto& [member, value] : fields.get_ref<const nlohmann::json::object_t&>()) {
    std::string_view key = member;
    if (!prefix.empty()) {
      prefixed.assign(prefix).append(member);
      key = prefixed;
    }
    Result<WireValueSlot> slot = fieldSlot(m, names, key);
    if (!slot) return fail(slot.error());
    FieldAssignment& a = out.emplace_back();
    a.target = slot->target;
    a.field = slot->index;
    if (Result<void> read = readSlotValue(m, calendar, *slot, key, value, a.value); !read) {
      out.pop_back();
      return read;
    }
  }
  return {};
}

}  // namespace

Result<std::optional<int64_t>> wireTime(const nlohmann::json& event, const Calendar& calendar) {
  auto it = event.find("at");
  if (it == event.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_string()) return fail("\"at\" must be a date and time like \"2026-11-23T10:15:00+03:00\"");
  std::optional<int64_t> t = parseIsoDateTime(it->get<std::string>(), calendar);
  if (!t)
    return fail(fmt::format("\"at\": \"{}\" is not a date and time like \"2026-11-23T10:15:00+03:00\"",
                            it->get<std::string>()));
  return t;
}

namespace {

// The body is the engine's for one call only.
struct IncomingBody {
  IncomingBody(Engine& engine, const nlohmann::json& e) : engine_(engine) {
    if (!engine.keepsRecords()) return;  // no event record to keep it in
    // Written into room kept from event to event, then copied at its size:
    // one allocation, where growing a new string took several.
    thread_local std::string room;
    room.clear();
    json_text::appendJson(room, e);  // as e.dump(), without its per-byte writer
    engine.setIncomingBody(room);
  }
  ~IncomingBody() {
    if (engine_.keepsRecords()) engine_.setIncomingBody({});
  }
  Engine& engine_;
};

// `payload` of an event: its parameters by name, or a form's answers.
Result<void> readPayload(const bc::Module& m, const Names& names, const Calendar& calendar, const std::string& type,
                         const nlohmann::json& p, EventIn& in) {
  if (!p.is_object()) return fail("\"payload\" must be an object");
  for (const auto& [key, value] : p.get_ref<const nlohmann::json::object_t&>()) {
    Result<WireValueSlot> slot = payloadSlot(m, names, type, in, key);
    if (!slot) return fail(slot.error());
    if (Result<void> read = readSlotValue(m, calendar, *slot, key, value, slotValue(m, in, *slot)); !read) return read;
  }
  return {};
}

Result<void> decodeCreated(const bc::Module& m, const Names& names, const Calendar& calendar, const WireMembers& w,
                           WireCall& call) {
  NewDeal& d = call.created;
  d.id = call.deal;
  Result<const std::string*> pipelineField = requiredString(w.pipeline, "pipeline");
  if (!pipelineField) return fail(pipelineField.error());
  const std::string& pipeline = **pipelineField;
  d.pipeline = names.pipeline(pipeline);
  if (d.pipeline == bc::kNo) return fail(fmt::format("\"pipeline\": there is no pipeline \"{}\"", pipeline));
  Result<const std::string*> stage = optionalString(w.stage, "stage");
  if (!stage) return fail(stage.error());
  if (*stage) {
    d.stage = names.stage(d.pipeline, **stage);
    if (d.stage == bc::kNo) return fail(fmt::format("\"stage\": pipeline {} has no stage \"{}\"", pipeline, **stage));
  }
  if (w.fields) {
    if (Result<void> read = readFields(m, names, calendar, *w.fields, d.values); !read) return fail(read.error());
  }
  if (w.contact) {
    if (!w.contact->is_object()) return fail("\"contact\" must be an object");
    if (Result<void> read = readFields(m, names, calendar, *w.contact, d.values, "contact."); !read)
      return fail(read.error());
  }
  if (w.company) {
    if (!w.company->is_object()) return fail("\"company\" must be an object");
    if (Result<void> read = readFields(m, names, calendar, *w.company, d.values, "company."); !read)
      return fail(read.error());
  }
  if (auto name = lenientString(w.name)) {
    d.values.push_back({bc::SetTarget::DealName, bc::kNo, store::FieldValue{bc::Tag::Text, 0, 0, 0, *name}});
  }
  if (auto responsible = lenientString(w.responsible)) {
    d.responsible = names.user(*responsible);
    if (d.responsible == bc::kNo) return fail(fmt::format("\"responsible\": there is no user \"{}\"", *responsible));
  }
  if (w.tags) {
    if (!w.tags->is_array()) return fail("\"tags\" must be an array of strings");
    for (const auto& t : *w.tags) {
      if (!t.is_string()) return fail("\"tags\" must be an array of strings");
      d.tags.push_back(t.get<std::string>());
    }
  }
  return {};
}

Result<void> decodeEvent(const bc::Module& m, const Names& names, const Calendar& calendar, const WireMembers& w,
                         WireCall& call) {
  const std::string& type = call.type;
  int32_t event = names.event(type);
  if (event == bc::kNo || m.events[event].lifecycle) {
    return fail(fmt::format("\"type\": unknown event \"{}\"; events are deal_created, field_set, manual_move, {}", type,
                            names.eventList()));
  }
  const bc::EventDef& def = m.events[event];
  EventIn& in = call.event;
  in.event = event;
  Result<const std::string*> arg = optionalString(w.arg, "arg");
  if (!arg) return fail(arg.error());
  if (*arg) {
    if (def.arg == bc::ArgKind::None) return fail(fmt::format("\"arg\": event {} takes no argument", type));
    if (def.arg == bc::ArgKind::Tag) {
      in.tag = **arg;
    } else {
      std::optional<int32_t> a = names.argument(event, **arg);
      if (!a) return fail(fmt::format("\"arg\": \"{}\" is not something event {} can name", **arg, type));
      in.arg = *a;
    }
  }
  if (def.kind == bc::EventKind::ResponsibleChanged) {
    if (auto responsible = lenientString(w.responsible)) {
      in.responsible = names.user(*responsible);
      if (in.responsible == bc::kNo) return fail(fmt::format("\"responsible\": there is no user \"{}\"", *responsible));
    }
  }
  in.payload.resize(def.params.size());
  if (w.payload) return readPayload(m, names, calendar, type, *w.payload, in);
  return {};
}

}  // namespace

Result<void> decodeWireEvent(const Engine& engine, const Names& names, const nlohmann::json& e, WireCall& call) {
  const WireMembers w(e);
  const bc::Module& m = engine.module();
  const Calendar& calendar = engine.calendar(0);
  if (!e.is_object()) return fail("an event is a JSON object");
  auto isString = [](const nlohmann::json* member) { return member != nullptr && member->is_string(); };
  if (isString(w.id) && isString(w.deal) && isString(w.type)) {
    // The usual event: its three strings copied, with no Result in between.
    call.id = w.id->get_ref<const std::string&>();
    call.deal = w.deal->get_ref<const std::string&>();
    call.type = w.type->get_ref<const std::string&>();
  } else {
    using namespace std::string_view_literals;
    for (auto [member, key, out] : {std::tuple{w.id, "id"sv, &call.id}, std::tuple{w.deal, "deal"sv, &call.deal},
                                    std::tuple{w.type, "type"sv, &call.type}}) {
      Result<const std::string*> text = requiredString(member, key);
      if (!text) return fail(text.error());
      *out = **text;
    }
  }
  Result<void> decoded;
  if (call.type == "deal_created") {
    call.kind = WireCall::Kind::CreateDeal;
    decoded = decodeCreated(m, names, calendar, w, call);
  } else if (call.type == "field_set") {
    call.kind = WireCall::Kind::SetFields;
    if (!w.fields) return fail("\"fields\" is missing");
    decoded = readFields(m, names, calendar, *w.fields, call.values);
  } else if (call.type == "manual_move") {
    call.kind = WireCall::Kind::ManualMove;
    Result<const std::string*> stage = requiredString(w.stage, "stage");
    if (!stage) return fail(stage.error());
    call.stage = **stage;
    if (const std::string* reason = lenientString(w.reason)) call.reason = *reason;
  } else {
    call.kind = WireCall::Kind::Event;
    decoded = decodeEvent(m, names, calendar, w, call);
  }
  return decoded;
}

Result<WireValueSlot> wireValueSlot(const Engine& engine, const Names& names, const WireCall& call,
                                    std::string_view name) {
  switch (call.kind) {
    case WireCall::Kind::CreateDeal:
    case WireCall::Kind::SetFields: return fieldSlot(engine.module(), names, name);
    case WireCall::Kind::Event: return payloadSlot(engine.module(), names, call.type, call.event, name);
    case WireCall::Kind::ManualMove: break;
  }
  return fail("a manual move carries no values");
}

Result<store::FieldValue> readWireValue(const Engine& engine, const WireValueSlot& slot, std::string_view name,
                                        const nlohmann::json& value) {
  store::FieldValue v;
  if (Result<void> read = readSlotValue(engine.module(), engine.calendar(0), slot, name, value, v); !read)
    return fail(read.error());
  return v;
}

void putWireValue(const Engine& engine, WireCall& call, const WireValueSlot& slot, store::FieldValue value) {
  switch (slot.place) {
    case WireValueSlot::Place::Assignment:
      (call.kind == WireCall::Kind::CreateDeal ? call.created.values : call.values)
          .push_back({slot.target, slot.index, std::move(value)});
      return;
    case WireValueSlot::Place::Payload:
    case WireValueSlot::Place::FormValue: slotValue(engine.module(), call.event, slot) = std::move(value); return;
  }
}

Result<void> addWireValues(const Engine& engine, const Names& names, WireCall& call, const nlohmann::json& values) {
  const bc::Module& m = engine.module();
  const Calendar& calendar = engine.calendar(0);
  switch (call.kind) {
    case WireCall::Kind::CreateDeal: return readFields(m, names, calendar, values, call.created.values);
    case WireCall::Kind::SetFields: return readFields(m, names, calendar, values, call.values);
    case WireCall::Kind::Event: return readPayload(m, names, calendar, call.type, values, call.event);
    case WireCall::Kind::ManualMove: break;
  }
  return fail("a manual move carries no values");
}

Outcome applyWireCall(Engine& engine, const WireCall& call) {
  switch (call.kind) {
    case WireCall::Kind::CreateDeal: return engine.createDeal(call.id, call.created);
    case WireCall::Kind::SetFields: return engine.setFields(call.id, call.deal, call.values);
    case WireCall::Kind::ManualMove: {
      // The engine resolves the stage against the deal inside its transaction.
      MoveOutcome moved = engine.manualMove(call.id, call.deal, MoveTarget::parse(call.stage), call.reason);
      if (moved.outcome.status == Outcome::Status::Invalid && !moved.target) {
        return invalid(fmt::format("\"stage\": there is no stage \"{}\"", call.stage));
      }
      return moved.outcome;
    }
    case WireCall::Kind::Event: return engine.handleEvent(call.id, call.deal, call.event);
  }
  return invalid("unknown kind of call");
}

// A member added to WireCall (or to what it holds) must be emptied here too.
static_assert(sizeof(WireCall) == 384, "WireCall changed: keep WireCall::clear() in step with it");
static_assert(sizeof(NewDeal) == 96 && sizeof(EventIn) == 96, "keep WireCall::clear() in step with them");

void WireCall::clear() {
  kind = Kind::Event;
  id.clear();
  deal.clear();
  type.clear();
  created.id.clear();
  created.pipeline = -1;
  created.stage = -1;
  created.values.clear();
  created.tags.clear();
  created.responsible = -1;
  values.clear();
  stage.clear();
  reason.clear();
  event.event = -1;
  event.arg = -1;
  event.tag.clear();
  event.payload.clear();
  event.formValues.clear();
  event.responsible = -1;
}

namespace {

Outcome decodeAndApply(Engine& engine, const Names& names, const nlohmann::json& e, WireCall& call) {
  call.clear();
  if (Result<void> decoded = decodeWireEvent(engine, names, e, call); !decoded) return invalid(decoded.error());
  return applyWireCall(engine, call);
}

}  // namespace

Outcome applyWireEvent(Engine& engine, const Names& names, const nlohmann::json& e) {
  IncomingBody body(engine, e);
  // Decoded into room kept from event to event: no lists and texts made and
  // freed per event. An event applied while another is (a trace's reader
  // could) decodes into a call of its own.
  thread_local WireCall room;
  thread_local bool roomInUse = false;
  if (roomInUse) {
    WireCall own;
    return decodeAndApply(engine, names, e, own);
  }
  roomInUse = true;
  struct Release {
    ~Release() { roomInUse = false; }
  } release;
  return decodeAndApply(engine, names, e, room);
}

nlohmann::json dealToJson(const bc::Module& m, store::Transaction& tx, const store::DealRecord& d, bool details) {
  const bc::PipelineDef& p = m.pipelines[d.pipeline];
  nlohmann::json fields = nlohmann::json::object();
  for (size_t f = 0; f < d.fields.size() && f < m.fields.size(); ++f) {
    if (d.fields[f].tag != bc::Tag::None) fields[m.str(m.fields[f].name)] = valueToJson(m, d.fields[f]);
  }
  nlohmann::json j = {{"id", d.id},
                      {"pipeline", m.str(p.name)},
                      {"stage", m.str(p.stages[d.stage].name)},
                      {"fields", fields},
                      {"tags", d.tags},
                      {"contact", {{"name", d.contactName}, {"email", d.contactEmail}, {"phone", d.contactPhone}}},
                      {"created_at", isoUtc(d.createdAt)},
                      {"entered_at", isoUtc(d.enteredAt)}};
  if (!d.name.empty()) j["name"] = d.name;
  if (!d.companyName.empty()) j["company"] = {{"name", d.companyName}};
  if (d.responsible >= 0) j["responsible"] = m.str(m.users[d.responsible].name);
  if (p.stages[d.stage].kind == bc::StageKind::Lost) j["lost_reason"] = d.lostReason;
  if (std::string previous = qualifiedStageName(m, d.previousPipeline, d.previousStage); !previous.empty()) {
    j["previous_stage"] = previous;
  }
  if (!d.error.empty()) j["error"] = d.error;
  if (!details) return j;
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& t : tx.tasksOf(d.id)) {
    nlohmann::json task = {{"id", t.id}, {"text", t.text}, {"done", t.done}};
    if (t.type >= 0) task["type"] = m.str(m.taskTypes[t.type].name);
    if (t.due) task["due"] = isoUtc(t.due);
    if (t.responsible >= 0) task["responsible"] = m.str(m.users[t.responsible].name);
    tasks.push_back(std::move(task));
  }
  nlohmann::json timers = nlohmann::json::array();
  for (const auto& t : tx.timersOf(d.id)) {
    static const char* kinds[] = {"rule", "then", "task overdue"};
    nlohmann::json timer = {{"id", t.id}, {"due", isoUtc(t.due)}, {"kind", kinds[static_cast<int>(t.kind)]}};
    if (t.rule >= 0) timer["line"] = m.rules[t.rule].line;
    timers.push_back(std::move(timer));
  }
  nlohmann::json history = nlohmann::json::array();
  for (const auto& h : tx.historyOf(d.id)) {
    nlohmann::json entry = {{"at", isoUtc(h.at)}, {"how", h.how}, {"cause", h.cause}};
    if (h.fromPipeline >= 0)
      entry["from"] =
          m.str(m.pipelines[h.fromPipeline].name) + "." + m.str(m.pipelines[h.fromPipeline].stages[h.fromStage].name);
    entry["to"] = m.str(m.pipelines[h.toPipeline].name) + "." + m.str(m.pipelines[h.toPipeline].stages[h.toStage].name);
    history.push_back(std::move(entry));
  }
  nlohmann::json effects = nlohmann::json::array();
  for (const auto& e : tx.effectsOf(d.id)) {
    effects.push_back({{"kind", e.kind},
                       {"key", e.key},
                       {"status", e.status},
                       {"payload", nlohmann::json::parse(e.payload, nullptr, false)}});
  }
  nlohmann::json notes = nlohmann::json::array();
  for (const auto& n : tx.notesOf(d.id)) notes.push_back({{"at", isoUtc(n.at)}, {"text", n.text}});
  j["tasks"] = tasks;
  j["timers"] = timers;
  j["history"] = history;
  j["effects"] = effects;
  j["notes"] = notes;
  return j;
}

}  // namespace voronka::engine
