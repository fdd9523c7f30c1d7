#include "runtime/outbox/connectors.h"

#include <fmt/format.h>

namespace voronka::outbox {

void Connectors::set(const std::string& kind, std::shared_ptr<Connector> connector) {
  byKind_[kind] = std::move(connector);
}

Connector* Connectors::find(std::string_view kind) const {
  auto it = byKind_.find(kind);
  return it == byKind_.end() ? nullptr : it->second.get();
}

DeliveryResult Connectors::deliver(const store::EffectRecord& effect) const {
  Connector* connector = find(effect.kind);
  if (!connector)
    return DeliveryResult::permanent(fmt::format("no connector delivers effects of kind `{}`", effect.kind));
  return connector->deliver(effect);
}

Connectors makeConnectors(const ServeConfig& config) {
  Connectors connectors;
  connectors.set("webhook", makeWebhookConnector(config));
  connectors.set("request", makeRequestConnector(config));
  connectors.set("email", makeSmtpConnector(config));
  std::shared_ptr<Connector> gateway = makeGatewayConnector(config);
  for (const char* kind : {"message", "sms", "notify", "analytics"}) connectors.set(kind, gateway);
  return connectors;
}

}  // namespace voronka::outbox
