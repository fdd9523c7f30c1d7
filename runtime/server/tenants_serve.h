// `voronka serve --tenants tenants.toml`: one process hosting many clients
// (docs/serve.md#tenants). One listening socket and one pool of HTTP
// threads in front; behind it, each tenant's own ClientRuntime (store,
// writer, timers, outbox relay) — or, with --workers shared, this process as
// one of the shared workers on each tenant's PostgreSQL store, so that any
// number of identical processes serve every tenant —, started, changed and
// stopped by reloads — SIGHUP or POST /admin/reload — without a restart.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/server/connection_limits.h"
#include "runtime/server/serve_error.h"

namespace voronka::server {

struct TenantsServeSettings {
  std::filesystem::path file;  // tenants.toml
  std::string listen;          // --listen: wins over [server] listen
  ConnectionLimits connections;
  int64_t readyMaxBacklog = 10000;
  std::vector<std::string> allowWebhookHosts;
  // --workers shared: every tenant on PostgreSQL, served by every process
  // (docs/scaling.md); an SQLite tenant is a broken entry. --pg-poll-only.
  bool sharedWorkers = false;
  bool pgPollOnly = false;
  int workerThreads = 1;  // --worker-threads, for each tenant
};

struct TenantsServeReport {
  std::function<void(const std::string& host, int port, size_t tenants)> listening;
  std::function<void(const char* signal)> stopping;
  std::function<void()> stopped;
  std::function<void(const std::string&)> log;  // a tenant started, deployed, a reload's problems
};

// Serves until SIGTERM or SIGINT; SIGHUP reloads tenants.toml. Fails before
// serving when tenants.toml cannot be used at all or the socket cannot be
// bound; a broken tenant entry is only reported.
Result<void, ServeError> serveTenants(const TenantsServeSettings& settings, const TenantsServeReport& report);

}  // namespace voronka::server
