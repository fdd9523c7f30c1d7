// Values as JSON: the wire format of fields and payloads (LANGUAGE.md §12),
// timer payload snapshots, and the bodies of effects.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "common/result.h"
#include "runtime/bytecode/module.h"
#include "runtime/calendar/calendar.h"
#include "runtime/store/records.h"

namespace voronka::engine {

// A JSON value read as a value of `type`: numbers, strings, booleans, dates
// "YYYY-MM-DD", datetimes in ISO 8601 (without an offset: in `calendar`'s
// zone), durations as seconds or "1d12h", enum members and users by name.
// Fails saying what was expected ("expected a number, got \"x\"").
Result<store::FieldValue> valueFromJson(const bc::Module& m, bc::ValueType type, int32_t enumId,
                                        const nlohmann::json& j, const Calendar& calendar);

nlohmann::json valueToJson(const bc::Module& m, const store::FieldValue& v);

// "retail.contract"; empty when the module has no such stage.
std::string qualifiedStageName(const bc::Module& m, int32_t pipeline, int32_t stage);

// "2026-11-23T07:15:00Z"
std::string isoUtc(int64_t utc);
// ISO 8601 ("2026-11-23T10:15", "…:00+03:00", "…Z"); no offset means `calendar`'s zone.
std::optional<int64_t> parseIsoDateTime(const std::string& text, const Calendar& calendar);

}  // namespace voronka::engine
