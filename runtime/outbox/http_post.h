// One JSON POST over HTTP(S) with libcurl, and what its answer means for
// delivery: 2xx delivered; 408, 429, 5xx and transport failures (refused,
// timed out, reset) worth another try; any other status a permanent failure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/outbox/config.h"
#include "runtime/outbox/connectors.h"

namespace voronka::outbox {

struct HttpPost {
  std::string url;
  std::string body;            // JSON
  std::string idempotencyKey;  // sent as Idempotency-Key
  Headers headers;             // extra headers from the configuration
  double timeout = 10;         // seconds for the whole exchange
  // A URL the funnel wrote: refuse internal addresses (address_policy.h)
  // unless its host is one of `allowedHosts`.
  bool refuseInternal = false;
  std::vector<std::string> allowedHosts;
};

struct HttpReply {
  bool answered = false;  // false: no HTTP answer (see transportError)
  bool timedOut = false;
  std::string transportError;
  std::string refused;  // why the address was not connected to (an internal one)
  long status = 0;
  std::string body;  // the start of the answer's body
  std::optional<int64_t> retryAfter;
};

HttpReply postJson(const HttpPost& request);

// The reply as a delivery result; messages name the URL without its query.
DeliveryResult deliveryResultOf(const HttpReply& reply, const HttpPost& request);

}  // namespace voronka::outbox
