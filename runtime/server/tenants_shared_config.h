// `voronka serve --tenants tenants.toml --workers shared`: every process of
// a fleet behind a load balancer serves every tenant, as one of the shared
// workers on the tenant's PostgreSQL store (docs/scaling.md). An entry that
// cannot be served that way — an SQLite file, which one process serves
// alone — is a broken entry of the file: reported with its place and left
// out; the others run. A tenant's `crm` and deployments work as for a
// client's own shared workers (shared_worker_runtime.h).
#pragma once

#include <optional>
#include <string>

#include "runtime/server/tenants_config.h"

namespace voronka::server {

// Why every process cannot serve `entry` as a shared worker; nullopt when
// they can. "FILE:LINE:COL: [tenant.ID]: what is wrong; what to do".
std::optional<std::string> sharedTenantProblem(const TenantEntry& entry);

// Moves the entries sharedTenantProblem refuses from `tenants` to `broken`,
// their problems to `errors`.
void refuseUnsharedTenants(TenantsFile& file);

}  // namespace voronka::server
