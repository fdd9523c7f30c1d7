// GET /metrics of `voronka serve --tenants`: every tenant's figures in one
// Prometheus text, each sample labelled with its tenant and each family's
// HELP and TYPE written once, as the format requires.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace voronka::server {

// `texts`: (tenant id, that tenant's /metrics text), in the order to write them.
std::string mergeTenantMetrics(const std::vector<std::pair<std::string, std::string>>& texts);

// `name{a="b"} 1` → `name{tenant="id",a="b"} 1`; `name 1` → `name{tenant="id"} 1`.
std::string withTenantLabel(const std::string& sample, const std::string& tenant);

}  // namespace voronka::server
