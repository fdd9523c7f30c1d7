// Where an effect goes, as far as the relay's limits are concerned: one
// receiver that a burst of deliveries could overload, or that could hang and
// hold every delivery sent to it. The relay delivers to several targets at
// once, but to each at most `per_target` at a time (delivery_scheduler.h).
#pragma once

#include <string>

#include "runtime/store/records.h"

namespace voronka::outbox {

struct DeliveryTarget {
  // webhook: "http://host:port" of its URL (scheme, host and port; the path
  // does not matter); request: "request:INTEGRATION"; email: "email" (the
  // one SMTP server); message, sms, notify, analytics: the kind (its
  // gateway URL); a CRM's calls: "crm".
  std::string name;
  // The CRM's calls go one batch at a time, in the order the mirror gives
  // them (its rate limit and its "created once" memory count on it).
  bool serial = false;
  // Consecutive effects of one kind to this target may go in one call (a
  // CRM's bulk update): the relay hands them to the connector together.
  bool batches = false;
};

DeliveryTarget deliveryTargetOf(const store::EffectRecord& effect);

// "http://example.ru:80" for "http://Example.ru/hook?x=1"; the URL itself
// when it is not http(s) (it is a dead letter anyway).
std::string originOf(const std::string& url);

}  // namespace voronka::outbox
