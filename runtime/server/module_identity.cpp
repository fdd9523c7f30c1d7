#include "runtime/server/module_identity.h"

#include <fmt/format.h>

#include "common/hash.h"

namespace voronka::server {

Result<void> claimStoreForModule(store::Store& store, const std::string& moduleBytes, const std::string& modulePath) {
  std::string checksum = fmt::format("{:016x}", fnv1a(moduleBytes));
  auto tx = store.begin();
  std::optional<std::string> known = tx->meta("module_checksum");
  if (known && *known != checksum && tx->counts().deals > 0) {
    return fail(fmt::format(
        "the store was written by another module ({}, checksum {}; this one is {}): its deals refer to pipelines, stages "
        "and rules by position and would be misread. Serve the module it was started with, or start a new store "
        "(--store sqlite:NEW.db); moving deals to a changed funnel is not supported yet",
        tx->meta("module_path").value_or("?"), *known, checksum));
  }
  tx->putMeta("module_checksum", checksum);
  tx->putMeta("module_path", modulePath);
  tx->commit();
  return {};
}

}  // namespace voronka::server
