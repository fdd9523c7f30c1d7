#include "runtime/server/tenants_shared_config.h"

#include <fmt/format.h>

#include "runtime/server/open_store.h"

namespace voronka::server {

std::optional<std::string> sharedTenantProblem(const TenantEntry& entry) {
  std::optional<std::string> conninfo = postgresConninfo(entry.store);
  if (!conninfo) {
    return fmt::format(
        "{}: [tenant.{}]: store \"{}\" is an SQLite file, which one process serves alone; with --workers shared every "
        "process serves every tenant, so each tenant's store is PostgreSQL (store = \"postgres:CONNINFO\"): move the "
        "tenant to a PostgreSQL database or schema, or serve it from a `voronka serve --tenants` without --workers "
        "shared",
        entry.where, entry.id, printableStore(entry.store));
  }
  if (conninfo->empty()) {
    return fmt::format("{}: [tenant.{}]: store \"postgres:\" needs a connection string (postgres:CONNINFO)",
                       entry.where, entry.id);
  }
  return std::nullopt;
}

void refuseUnsharedTenants(TenantsFile& file) {
  std::vector<TenantEntry> kept;
  for (TenantEntry& entry : file.tenants) {
    if (std::optional<std::string> problem = sharedTenantProblem(entry)) {
      file.errors.push_back(*problem);
      file.broken.push_back(entry.id);
    } else {
      kept.push_back(std::move(entry));
    }
  }
  file.tenants = std::move(kept);
}

}  // namespace voronka::server
