#include "runtime/server/idempotency.h"

#include <fmt/format.h>

#include "common/hash.h"
#include "common/utf8.h"
#include "runtime/server/limits.h"

namespace voronka::server {

Result<std::optional<IdempotencyClaim>> idempotencyClaim(const std::string& key, const std::string& token,
                                                         const std::string& method, const std::string& path,
                                                         const std::string& body) {
  if (key.empty()) return std::optional<IdempotencyClaim>();
  if (utf8::firstInvalid(key)) return fail("the Idempotency-Key header is not valid UTF-8");
  if (key.size() > limits::kMaxIdBytes) {
    return fail(
        fmt::format("the Idempotency-Key header has {} bytes, the most is {}", key.size(), limits::kMaxIdBytes));
  }
  // The token is hashed so that it is never written to the store.
  std::string scoped = token;
  for (const std::string* part : {&method, &path}) scoped.append(1, '\0').append(*part);
  uint64_t scope = fnv1a(scoped);
  IdempotencyClaim claim;
  claim.eventId = fmt::format("key:{:016x}:{}", scope, key);
  claim.metaKey = "idempotency:" + claim.eventId;
  claim.bodyHash = fmt::format("{:016x}", fnv1a(body));
  return std::optional<IdempotencyClaim>(std::move(claim));
}

}  // namespace voronka::server
