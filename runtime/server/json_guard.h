// Checks on a JSON body before it is parsed and after: how deep it nests
// (by scanning the bytes, without recursion), whether its numbers are
// finite, and the sizes of limits.h. A body that passes can be copied,
// printed and converted by recursive code without risk.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "common/result.h"

namespace voronka::server {

// Fails when arrays and objects nest deeper than `maxDepth` (brackets inside
// strings do not count). Linear, no recursion, no allocation.
Result<void> checkJsonDepth(std::string_view body, size_t maxDepth);

// Parses a body that passed checkJsonDepth. Fails with a message for the
// client: the place of a syntax error, or the key whose number is not finite
// (1e309).
Result<nlohmann::json> parseJsonBody(const std::string& body);

// Fails naming the first value over a limit of limits.h: ids ("id", "deal"),
// "tags" (count and length), string values of "fields", "payload",
// "contact" and "company", and strings that are not valid UTF-8.
Result<void> checkEventSizes(const nlohmann::json& event);

}  // namespace voronka::server
