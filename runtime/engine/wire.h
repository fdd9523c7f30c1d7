// The wire format of events (LANGUAGE.md §12): one JSON object per event,
// as `voronka run` reads them from a .jsonl file and the HTTP API takes them.
//
//   {"id": "e-1001", "deal": "d-42", "type": "email_opened", "arg": "price_segments",
//    "at": "2026-11-23T10:15:00+03:00", "payload": {"score": 0.9}}
//
// Special types: deal_created (pipeline, stage, fields, contact, company,
// name, responsible, tags), field_set (fields), manual_move (stage, reason).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/names.h"

namespace voronka::engine {

// The event's `at`, if it has one (UTC seconds); fails when it is there but
// is not a date and time.
Result<std::optional<int64_t>> wireTime(const nlohmann::json& event, const Calendar& calendar);

// Checks and applies one event. A malformed event changes nothing and comes
// back Invalid with a message naming the offending key.
Outcome applyWireEvent(Engine& engine, const Names& names, const nlohmann::json& event);

// An event checked and decoded: the engine call it stands for. applyWireEvent
// is decodeWireEvent, then applyWireCall; a caller that makes many events of
// one shape (`voronka sim`) decodes the shape once and adds values to copies.
struct WireCall {
  enum class Kind { CreateDeal, SetFields, ManualMove, Event };
  Kind kind = Kind::Event;
  std::string id, deal, type;           // as written
  NewDeal created;                      // CreateDeal (its id is `deal`)
  std::vector<FieldAssignment> values;  // SetFields
  std::string stage, reason;            // ManualMove: the target as written, the loss reason
  EventIn event;                        // Event

  // Empties the call for another decode, as WireCall{} would, but keeps the
  // room its texts and lists have.
  void clear();
};
// Decodes into `call` (a new one, or one emptied by clear()); fails with the message
// applyWireEvent would answer Invalid with.
Result<void> decodeWireEvent(const Engine& engine, const Names& names, const nlohmann::json& event, WireCall& call);
// Values as the event's own object of them would carry: `fields` of
// deal_created and field_set, `payload` of other events.
Result<void> addWireValues(const Engine& engine, const Names& names, WireCall& call, const nlohmann::json& values);
// Where one named value of a call's `fields` (deal_created, field_set) or
// `payload` (other events) goes, and how it is read. addWireValues works it
// out for each value it is given; a caller that fills many calls of one
// shape (`voronka sim`) works it out once, with wireValueSlot, and then
// reads each value with readWireValue and puts it with putWireValue, in the
// order of the names (as a JSON object of them would give them).
struct WireValueSlot {
  enum class Place : uint8_t { Assignment, Payload, FormValue };
  Place place = Place::Assignment;
  bc::SetTarget target = bc::SetTarget::Field;  // an Assignment's
  bool property = false;                        // a deal property (name, contact.*, company.name): a string
  int32_t index = -1;                           // the field (Assignment to a field, FormValue) or the parameter
  bc::ValueType type = bc::ValueType::Text;     // how a value is read (not a property's)
  int32_t enumId = -1;
  std::string_view section;  // "fields" or "payload", for messages
};
// Fails with the message addWireValues would give for a value of that name.
Result<WireValueSlot> wireValueSlot(const Engine& engine, const Names& names, const WireCall& call,
                                    std::string_view name);
Result<store::FieldValue> readWireValue(const Engine& engine, const WireValueSlot& slot, std::string_view name,
                                        const nlohmann::json& value);
void putWireValue(const Engine& engine, WireCall& call, const WireValueSlot& slot, store::FieldValue value);

// Applies a decoded call; no event body is kept with it (applyWireEvent keeps it).
Outcome applyWireCall(Engine& engine, const WireCall& call);

// A deal as JSON (GET /v1/deals/{id} and traces): state, fields, tags,
// contact, and, with `details`, its tasks, pending timers, history and effects.
nlohmann::json dealToJson(const bc::Module& m, store::Transaction& tx, const store::DealRecord& deal, bool details);

}  // namespace voronka::engine
