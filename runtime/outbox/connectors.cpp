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

std::vector<DeliveryResult> Connector::deliverMany(const std::vector<store::EffectRecord>& effects) {
  std::vector<DeliveryResult> results;
  for (const auto& effect : effects) results.push_back(deliver(effect));
  return results;
}

std::vector<DeliveryResult> Connectors::deliverMany(const std::vector<store::EffectRecord>& effects) const {
  if (effects.empty()) return {};
  Connector* connector = find(effects.front().kind);
  if (!connector) {
    return std::vector<DeliveryResult>(
        effects.size(),
        DeliveryResult::permanent(fmt::format("no connector delivers effects of kind `{}`", effects.front().kind)));
  }
  return connector->deliverMany(effects);
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
