#include "runtime/outbox/delivery_target.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "runtime/outbox/payload.h"

namespace voronka::outbox {

std::string originOf(const std::string& url) {
  size_t colon = url.find("://");
  if (colon == std::string::npos) return url;
  std::string scheme = url.substr(0, colon);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme != "http" && scheme != "https") return url;
  size_t start = colon + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (size_t at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);  // user:password@
  std::transform(authority.begin(), authority.end(), authority.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  // A port is after the last ':' outside an IPv6 address's brackets.
  size_t portColon = authority.rfind(':');
  bool hasPort = portColon != std::string::npos && authority.find(']', portColon) == std::string::npos;
  if (!hasPort) authority += scheme == "https" ? ":443" : ":80";
  return scheme + "://" + authority;
}

DeliveryTarget deliveryTargetOf(const store::EffectRecord& effect) {
  if (effect.kind.rfind("crm_", 0) == 0) return {"crm", true, true};
  if (effect.kind == "webhook") {
    std::optional<nlohmann::json> payload = payloadOf(effect);
    return {originOf(payload ? textOf(*payload, "url") : std::string()), false, false};
  }
  if (effect.kind == "request") {
    std::optional<nlohmann::json> payload = payloadOf(effect);
    return {"request:" + (payload ? textOf(*payload, "integration") : std::string()), false, false};
  }
  return {effect.kind, false, false};
}

}  // namespace voronka::outbox
