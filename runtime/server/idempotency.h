// Idempotency-Key, scoped as Stripe does: a key means the same request only
// for the same token, method and path. The event the request becomes gets
// an id made of that scope and the key, so one key sent to two routes (or
// for two deals) makes two requests; and the body it first came with is
// remembered, so the same key with another body is refused (422) instead of
// answering the first request's result.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"

namespace voronka::server {

struct IdempotencyClaim {
  std::string eventId;   // the id of the event the request becomes
  std::string metaKey;   // where the store remembers the body's hash
  std::string bodyHash;  // of the request's body as sent
};

// nullopt without a key. Fails when the key is longer than limits::kMaxIdBytes
// or is not UTF-8.
Result<std::optional<IdempotencyClaim>> idempotencyClaim(const std::string& key, const std::string& token,
                                                         const std::string& method, const std::string& path,
                                                         const std::string& body);

}  // namespace voronka::server
