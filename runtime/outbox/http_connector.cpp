// The webhook and request connectors: the effect's JSON `body` POSTed to a
// URL, with the effect's key as Idempotency-Key.
#include <fmt/format.h>

#include "runtime/outbox/connectors.h"
#include "runtime/outbox/http_post.h"
#include "runtime/outbox/payload.h"
#include "runtime/outbox/undeliverable.h"

namespace voronka::outbox {

namespace {

// The JSON body of a webhook or request and the headers every POST carries.
HttpPost postOf(const store::EffectRecord& effect, const nlohmann::json& payload, std::string url,
                const Headers& headers, double timeout) {
  HttpPost post;
  post.url = std::move(url);
  auto body = payload.find("body");
  post.body = body != payload.end() && body->is_object() ? body->dump() : "{}";
  post.idempotencyKey = effect.key;
  post.headers = headers;
  // The receiver learns which deal it is about, to answer with an event.
  if (fitsHeader(effect.deal)) post.headers["X-Voronka-Deal"] = effect.deal;
  post.timeout = timeout;
  return post;
}

class WebhookConnector : public Connector {
 public:
  explicit WebhookConnector(const ServeConfig& config)
      : headers_(config.webhook.headers),
        timeout_(config.webhook.timeout.value_or(config.outbox.timeout)),
        allowHosts_(config.webhook.allowHosts) {}

  DeliveryResult deliver(const store::EffectRecord& effect) override {
    std::optional<nlohmann::json> payload = payloadOf(effect);
    if (!payload) return DeliveryResult::permanent("the webhook's payload is not a JSON object");
    if (auto why = undeliverableReason(effect.kind, *payload)) return DeliveryResult::permanent(*why);
    std::string url = textOf(*payload, "url");
    HttpPost post = postOf(effect, *payload, url, headers_, timeout_);
    post.refuseInternal = true;
    post.allowedHosts = allowHosts_;
    return deliveryResultOf(postJson(post), post);
  }

 private:
  Headers headers_;
  double timeout_;
  std::vector<std::string> allowHosts_;
};

class RequestConnector : public Connector {
 public:
  explicit RequestConnector(const ServeConfig& config)
      : integrations_(config.integrations), timeout_(config.outbox.timeout), allowHosts_(config.webhook.allowHosts) {}

  DeliveryResult deliver(const store::EffectRecord& effect) override {
    std::optional<nlohmann::json> payload = payloadOf(effect);
    if (!payload) return DeliveryResult::permanent("the request's payload is not a JSON object");
    std::string name = textOf(*payload, "integration");
    auto it = integrations_.find(name);
    if (it == integrations_.end()) {
      // Only integrations the operator listed receive the deals' data.
      return DeliveryResult::permanent(
          fmt::format("the integration `{}` is not configured: add [integrations.{}] to serve.toml", name, name));
    }
    const IntegrationSettings& settings = it->second;
    std::string url = settings.url.empty() ? textOf(*payload, "url") : settings.url;
    if (!isHttpUrl(url)) {
      return DeliveryResult::permanent(fmt::format(
          "the URL \"{}\" of the integration `{}` does not start with http:// or https://; set url in [integrations.{}]",
          url, name, name));
    }
    HttpPost post = postOf(effect, *payload, url, settings.headers, settings.timeout.value_or(timeout_));
    // A URL from the funnel is checked like a webhook's; the operator's own is trusted.
    post.refuseInternal = settings.url.empty();
    post.allowedHosts = allowHosts_;
    return deliveryResultOf(postJson(post), post);
  }

 private:
  std::map<std::string, IntegrationSettings> integrations_;
  double timeout_;
  std::vector<std::string> allowHosts_;
};

}  // namespace

std::shared_ptr<Connector> makeWebhookConnector(const ServeConfig& config) {
  return std::make_shared<WebhookConnector>(config);
}

std::shared_ptr<Connector> makeRequestConnector(const ServeConfig& config) {
  return std::make_shared<RequestConnector>(config);
}

}  // namespace voronka::outbox
