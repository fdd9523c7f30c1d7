// Reading an effect's JSON payload in the connectors.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "runtime/store/records.h"

namespace voronka::outbox {

// The payload as a JSON object, or nullopt if it is not one (a permanent
// failure: the effect can never be sent).
std::optional<nlohmann::json> payloadOf(const store::EffectRecord& effect);

// A string member, or "" when it is missing or not a string.
std::string textOf(const nlohmann::json& payload, std::string_view key);

bool isHttpUrl(std::string_view url);

// Whether `value` can go into a header line as it is (no line breaks).
bool fitsHeader(std::string_view value);

}  // namespace voronka::outbox
