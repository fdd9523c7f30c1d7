// Connectors deliver one effect of the outbox to the outside world: a
// webhook or an integration's request over HTTP, a letter over SMTP, a
// message, SMS, notification or analytics event to the HTTP gateway. Each
// says whether the effect was delivered, should be tried again later, or can
// never be delivered (a dead letter). The relay (relay.h) decides when.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/outbox/config.h"
#include "runtime/store/records.h"

namespace voronka::outbox {

struct DeliveryResult {
  enum class Status : uint8_t {
    Delivered,  // the receiver took it
    Retry,      // a passing failure (timeout, 5xx, 408, 429, connection refused): try again later
    Permanent,  // it will never work (4xx, no address, not configured): a dead letter at once
  };
  Status status = Status::Delivered;
  std::string error;                  // why not, for lastError
  std::optional<int64_t> retryAfter;  // seconds the receiver asked to wait (Retry-After)
  int32_t httpStatus = 0;             // the receiver's HTTP status, when it answered over HTTP
  int64_t durationMs = -1;            // how long the delivery took (the relay measures it)

  static DeliveryResult delivered() { return {}; }
  static DeliveryResult retry(std::string error, std::optional<int64_t> after = std::nullopt) {
    return {Status::Retry, std::move(error), after, 0, -1};
  }
  static DeliveryResult permanent(std::string error) { return {Status::Permanent, std::move(error), std::nullopt, 0}; }
};

class Connector {
 public:
  virtual ~Connector() = default;
  // Delivers outside any store transaction; may block up to its timeout.
  // Sends effect.key as the idempotency key: the same effect may come again.
  virtual DeliveryResult deliver(const store::EffectRecord& effect) = 0;
  // Several effects of this connector's kind, in order, one result each. A
  // connector whose receiver takes batches (a CRM's bulk update) overrides
  // it to make fewer calls; by default each is delivered alone.
  virtual std::vector<DeliveryResult> deliverMany(const std::vector<store::EffectRecord>& effects);
};

// The connector of each effect kind.
class Connectors {
 public:
  void set(const std::string& kind, std::shared_ptr<Connector> connector);
  Connector* find(std::string_view kind) const;
  // Routes by kind; a kind without a connector is a permanent failure.
  DeliveryResult deliver(const store::EffectRecord& effect) const;
  // Effects of one kind, one result each (Connector::deliverMany).
  std::vector<DeliveryResult> deliverMany(const std::vector<store::EffectRecord>& effects) const;

 private:
  std::map<std::string, std::shared_ptr<Connector>, std::less<>> byKind_;
};

// webhook: POST of the payload's `body` to its `url`.
std::shared_ptr<Connector> makeWebhookConnector(const ServeConfig& config);
// request: POST of `body` to the integration's URL ([integrations.NAME]).
std::shared_ptr<Connector> makeRequestConnector(const ServeConfig& config);
// email: a letter through the [smtp] server.
std::shared_ptr<Connector> makeSmtpConnector(const ServeConfig& config);
// message, sms, notify, analytics: POST of the payload to the [gateway] URL of the kind.
std::shared_ptr<Connector> makeGatewayConnector(const ServeConfig& config);

// Every kind the engine writes, each with its connector.
Connectors makeConnectors(const ServeConfig& config);

}  // namespace voronka::outbox
