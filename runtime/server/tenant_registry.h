// The tenants one `voronka serve --tenants` runs, each a ClientRuntime over
// its own store (its writer, timers and outbox relay) — or, with --workers
// shared, a SharedWorkerRuntime: this process as one of the tenant's shared
// workers on its PostgreSQL store —, and the routing of a
// request to its tenant: /t/ID/v1/… names it, and on /v1/… the bearer token
// does (a token belongs to one tenant). A reload applies tenants.toml as it
// is now: new entries start, removed ones drain (what is in flight is
// answered, the writer finishes, the store closes), changed ones restart on
// their new entry; a broken entry leaves its tenant as it was.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/server/guarded_http.h"
#include "runtime/server/hosted_runtime.h"
#include "runtime/server/tenants_config.h"

namespace voronka::server {

struct Tenant {
  TenantEntry entry;
  std::unique_ptr<HostedRuntime> runtime;
};

struct TenantRegistrySettings {
  std::filesystem::path file;  // tenants.toml
  int64_t readyMaxBacklog = 10000;
  std::vector<std::string> allowWebhookHosts;  // --allow-webhook-host, for every tenant
  std::function<void(const std::string&)> log;
  // --workers shared: every tenant is served by every process of a fleet
  // (tenants_shared_config.h says which entries cannot be); --pg-poll-only.
  bool sharedWorkers = false;
  bool pgPollOnly = false;
  int workerThreads = 1;  // --worker-threads, for each tenant
};

// What a reload did.
struct ReloadReport {
  bool refused = false;  // the file could not be used at all: nothing changed
  std::vector<std::string> added, changed, removed, failed;
  size_t unchanged = 0;
  std::vector<std::string> errors;
  nlohmann::json json() const;
};

class TenantRegistry {
 public:
  explicit TenantRegistry(TenantRegistrySettings settings);
  ~TenantRegistry();

  // Reads tenants.toml and applies it (one reload at a time).
  ReloadReport reload();
  // The server settings the last usable file gave.
  TenantsServerSettings serverSettings() const;

  // Where a request goes (guarded_http.h's RequestRouter); the front
  // server's own routes answer what no tenant takes (refusals, admin).
  RequestTarget route(std::string& head);
  // Drains and closes every tenant.
  void stopAll();

  std::shared_ptr<Tenant> find(const std::string& id) const;
  // The tenant a token belongs to; `readOnly` says it is one of read_tokens.
  std::shared_ptr<Tenant> byToken(const std::string& token, bool* readOnly = nullptr) const;
  std::vector<std::shared_ptr<Tenant>> running() const;
  // Tenants whose entry is usable but which do not run: id → why.
  std::map<std::string, std::string> failed() const;
  bool isAdminToken(const std::string& token) const;
  // The console's tenant switcher: the running tenants a login of `scope`
  // sees (console::Session::scope: its own tenant, or every one).
  nlohmann::json consoleTenants(const std::string& scope) const;
  int64_t readyMaxBacklog() const { return settings_.readyMaxBacklog; }
  // Listening beyond loopback: a reload that leaves no admin token is
  // refused (it would open /metrics, every tenant's, to the network).
  void requireAdminTokens(std::string why) { requireAdminTokens_ = std::move(why); }

 private:
  Result<std::shared_ptr<Tenant>, std::string> start(const TenantEntry& entry);
  void stopTenant(const std::shared_ptr<Tenant>& tenant);
  void publish(std::map<std::string, std::shared_ptr<Tenant>> tenants);

  TenantRegistrySettings settings_;
  std::string requireAdminTokens_;
  std::mutex reloading_;      // reloads and deployments, one at a time
  std::mutex logging_;        // a line of settings_.log at a time
  mutable std::mutex mutex_;  // guards the maps below
  TenantsServerSettings server_;
  std::map<std::string, std::shared_ptr<Tenant>> tenants_;
  std::unordered_map<std::string, std::pair<std::shared_ptr<Tenant>, bool>> tokens_;  // → tenant, read only
  std::map<std::string, std::string> failed_;
};

}  // namespace voronka::server
