// The gateway connector: messages, SMS, notifications and analytics events
// POSTed as JSON to the HTTP gateway configured for their kind. The gateway
// owns the channels (WhatsApp, Telegram, an SMS provider, the CRM's own
// notifications); the relay only hands effects over and retries.
#include <fmt/format.h>

#include "runtime/outbox/connectors.h"
#include "runtime/outbox/http_post.h"
#include "runtime/outbox/payload.h"
#include "runtime/outbox/undeliverable.h"

namespace voronka::outbox {

namespace {

struct Route {
  std::string_view kind;
  std::string GatewaySettings::*url;
  const char* key;  // in [gateway]
};

constexpr Route kRoutes[] = {
    {"message", &GatewaySettings::messageUrl, "message_url"},
    {"sms", &GatewaySettings::smsUrl, "sms_url"},
    {"notify", &GatewaySettings::notifyUrl, "notify_url"},
    {"analytics", &GatewaySettings::analyticsUrl, "analytics_url"},
};

class GatewayConnector : public Connector {
 public:
  explicit GatewayConnector(const ServeConfig& config)
      : gateway_(config.gateway),
        users_(config.users),
        timeout_(config.gateway.timeout.value_or(config.outbox.timeout)) {}

  DeliveryResult deliver(const store::EffectRecord& effect) override {
    const Route* route = nullptr;
    for (const Route& r : kRoutes) {
      if (effect.kind == r.kind) route = &r;
    }
    if (!route)
      return DeliveryResult::permanent(fmt::format("the gateway does not take effects of kind `{}`", effect.kind));
    const std::string& url = gateway_.*route->url;
    if (url.empty()) {
      // A dead letter, not a silent drop: the operator sees what is missing.
      return DeliveryResult::permanent(
          fmt::format("{} is not configured: set {} in [gateway] of serve.toml", effect.kind, route->key));
    }
    std::optional<nlohmann::json> payload = payloadOf(effect);
    if (!payload) return DeliveryResult::permanent(fmt::format("the {}'s payload is not a JSON object", effect.kind));
    if (auto why = undeliverableReason(effect.kind, *payload)) return DeliveryResult::permanent(*why);
    if (effect.kind == "notify") addAddresses(*payload);
    (*payload)["key"] = effect.key;
    (*payload)["kind"] = effect.kind;
    (*payload)["deal"] = effect.deal;
    HttpPost post;
    post.url = url;
    post.body = payload->dump();
    post.idempotencyKey = effect.key;
    post.headers = gateway_.headers;
    post.timeout = timeout_;
    return deliveryResultOf(postJson(post), post);
  }

 private:
  // Notifications name users; the gateway also gets the addresses [users]
  // knows ("addresses": {"ivanov": "ivanov@example.ru"}).
  void addAddresses(nlohmann::json& payload) const {
    nlohmann::json addresses = nlohmann::json::object();
    for (const auto& user : payload.value("to", nlohmann::json::array())) {
      if (!user.is_string()) continue;
      auto it = users_.find(user.get<std::string>());
      if (it != users_.end()) addresses[it->first] = it->second.email;
    }
    payload["addresses"] = std::move(addresses);
  }

  GatewaySettings gateway_;
  std::map<std::string, MailAddress> users_;
  double timeout_;
};

}  // namespace

std::shared_ptr<Connector> makeGatewayConnector(const ServeConfig& config) {
  return std::make_shared<GatewayConnector>(config);
}

}  // namespace voronka::outbox
