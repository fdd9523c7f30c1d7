// application/x-www-form-urlencoded bodies, as amoCRM and Bitrix24 send
// their webhooks: `leads[status][0][id]=42&account[subdomain]=mebel`
// becomes nested JSON objects, {"leads": {"status": {"0": {"id": "42"}}}, …}.
// Every value stays a string: the adapters know which ones are numbers.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace voronka::crm {

// Decodes %XX and '+'; fails on a broken escape.
Result<std::string> percentDecode(std::string_view text);
// Encodes everything but unreserved characters (RFC 3986).
std::string percentEncode(std::string_view text);

// The whole body as nested objects; fails naming the first pair that is not
// well formed (a broken escape, an unclosed bracket, a key used both as a
// value and as a table).
Result<nlohmann::json> parseFormBody(std::string_view body);

// The members of an object keyed "0", "1", … in numeric order (PHP-style
// lists); an array's elements as they are; nothing for anything else.
std::vector<const nlohmann::json*> listItems(const nlohmann::json& node);

// `a[b][0]=v` pairs back from nested JSON (Bitrix24's batch commands).
std::string encodeForm(const nlohmann::json& value, const std::string& prefix = "");

}  // namespace voronka::crm
