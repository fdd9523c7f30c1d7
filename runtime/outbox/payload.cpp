#include "runtime/outbox/payload.h"

#include <algorithm>

namespace voronka::outbox {

std::optional<nlohmann::json> payloadOf(const store::EffectRecord& effect) {
  nlohmann::json payload = nlohmann::json::parse(effect.payload, nullptr, /*allow_exceptions=*/false);
  if (!payload.is_object()) return std::nullopt;
  return payload;
}

std::string textOf(const nlohmann::json& payload, std::string_view key) {
  auto it = payload.find(key);
  if (it == payload.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

bool isHttpUrl(std::string_view url) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.size() > scheme.size() && url.substr(0, scheme.size()) == scheme) return true;
  }
  return false;
}

bool fitsHeader(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

}  // namespace voronka::outbox
