#include "runtime/outbox/undeliverable.h"

#include <fmt/format.h>

#include "runtime/outbox/config.h"
#include "runtime/outbox/error_text.h"
#include "runtime/outbox/payload.h"

namespace voronka::outbox {

std::optional<std::string> undeliverableReason(std::string_view kind, const nlohmann::json& payload) {
  if (kind == "email") {
    std::string to = textOf(payload, "to");
    if (to.empty()) return "the contact has no email address";
    if (!isMailAddress(to)) return fmt::format("the contact's email address \"{}\" is not valid", excerpt(to));
    return std::nullopt;
  }
  if (kind == "sms") {
    if (textOf(payload, "to").empty()) return "the contact has no phone number";
    return std::nullopt;
  }
  if (kind == "notify") {
    auto to = payload.find("to");
    if (to == payload.end() || !to->is_array() || to->empty()) {
      return "nobody to notify: the deal had no responsible user when the rule ran";
    }
    return std::nullopt;
  }
  if (kind == "webhook") {
    std::string url = textOf(payload, "url");
    if (!isHttpUrl(url)) return fmt::format("the webhook URL \"{}\" does not start with http:// or https://", url);
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace voronka::outbox
