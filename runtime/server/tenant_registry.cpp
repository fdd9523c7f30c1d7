#include "runtime/server/tenant_registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <set>
#include <thread>

#include "common/secret.h"
#include "runtime/console/console_app.h"
#include "runtime/server/client_runtime.h"
#include "runtime/server/server.h"
#include "runtime/server/shared_worker_runtime.h"
#include "runtime/server/tenants_shared_config.h"

namespace voronka::server {

namespace {

// What the router needs of a request's head.
struct Head {
  size_t targetAt = 0;  // where the request target starts in the head
  std::string target;   // "/t/shop/v1/deals/7?x=1"
  std::string token;    // the first Authorization: Bearer …
};

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t start = s.find_first_not_of(" \t");
  return start == std::string::npos ? "" : s.substr(start);
}

std::optional<Head> parseHead(const std::string& head) {
  size_t eol = head.find('\n');
  if (eol == std::string::npos) return std::nullopt;
  size_t sp1 = head.find(' ');
  if (sp1 == std::string::npos || sp1 > eol) return std::nullopt;
  size_t sp2 = head.find(' ', sp1 + 1);
  if (sp2 == std::string::npos || sp2 > eol) return std::nullopt;
  Head h;
  h.targetAt = sp1 + 1;
  h.target = head.substr(sp1 + 1, sp2 - sp1 - 1);
  for (size_t pos = eol + 1; pos < head.size();) {
    size_t next = head.find('\n', pos);
    std::string line = trimmed(head.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      if (name == "authorization") {
        std::string value = trimmed(line.substr(colon + 1));
        if (value.rfind("Bearer ", 0) == 0) h.token = value.substr(7);
        break;  // the first one counts, as cpp-httplib reads it
      }
    }
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return h;
}

bool isConsolePath(const std::string& rest) { return rest == "/console" || rest.rfind("/console/", 0) == 0; }

bool holds(const std::vector<std::string>& tokens, const std::string& token) { return findSecret(tokens, token) >= 0; }

// Runs job(0) … job(n - 1) on up to kSideBySide threads at once.
constexpr size_t kSideBySide = 8;
void inParallel(size_t n, const std::function<void(size_t)>& job) {
  std::atomic<size_t> nextJob{0};
  auto run = [&] {
    for (size_t i = nextJob++; i < n; i = nextJob++) job(i);
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < std::min(n, kSideBySide); t++) threads.emplace_back(run);
  run();
  for (auto& t : threads) t.join();
}

}  // namespace

nlohmann::json ReloadReport::json() const {
  return {{"status", refused          ? "refused"
                     : errors.empty() ? "applied"
                                      : "applied_with_errors"},
          {"added", added},
          {"changed", changed},
          {"removed", removed},
          {"failed", failed},
          {"unchanged", unchanged},
          {"errors", errors}};
}

TenantRegistry::TenantRegistry(TenantRegistrySettings settings) : settings_(std::move(settings)) {}

TenantRegistry::~TenantRegistry() { stopAll(); }

TenantsServerSettings TenantRegistry::serverSettings() const {
  std::lock_guard guard(mutex_);
  return server_;
}

Result<std::shared_ptr<Tenant>, std::string> TenantRegistry::start(const TenantEntry& entry) {
  ServeSettings s;
  s.moduleBytes = entry.moduleBytes;  // empty: the version the store runs
  s.modulePath = entry.modulePath;
  s.config = entry.config;
  s.config.server.store = entry.store;
  s.config.server.tokens = entry.tokens;
  for (const auto& host : settings_.allowWebhookHosts) s.config.webhook.allowHosts.push_back(host);
  s.server.tokens = entry.tokens;
  s.server.readTokens = entry.readTokens;
  s.server.maxBodyBytes = static_cast<size_t>(entry.config.server.maxBodyBytes);
  s.server.readyMaxBacklog = settings_.readyMaxBacklog;
  s.server.connections.threads = 0;  // the front server hands its requests over
  s.synchronous = entry.synchronous;
  s.crm = entry.crm;
  s.plan = entry.plan;
  s.sharedWorkers = settings_.sharedWorkers;
  s.pgPollOnly = settings_.pgPollOnly;
  s.workerThreads = settings_.workerThreads;

  ClientRuntime::Hooks hooks;
  auto log = settings_.log;
  std::string id = entry.id;
  hooks.deployed = [this, log, id](const std::string& what) {
    std::lock_guard guard(logging_);  // tenants start side by side
    if (log) log("tenant " + id + ": " + what);
  };
  // Its console at /t/ID/console: its own tokens log in there, the file's admin tokens in every tenant's.
  hooks.console = [this, id, tokens = entry.tokens, readTokens = entry.readTokens](console::ConsoleSettings& c) {
    c.mount = "/t/" + id;
    c.scope = id;
    c.tokens = {tokens, readTokens};
    c.isOperatorToken = [this](const std::string& token) { return isAdminToken(token); };
    c.tenants = [this](const std::string& scope) { return consoleTenants(scope); };
  };
  auto tenant = std::make_shared<Tenant>();
  tenant->entry = entry;
  if (settings_.sharedWorkers) {
    auto opened = SharedWorkerRuntime::open(std::move(s), entry.id, hooks);
    if (!opened) return fail(opened.error().message);
    if (auto started = (*opened)->start(); !started) return fail(started.error().message);
    tenant->runtime = std::move(*opened);
  } else {
    auto opened = ClientRuntime::open(std::move(s), hooks);
    if (!opened) return fail(opened.error().message);
    if (auto started = (*opened)->start(); !started) return fail(started.error().message);
    tenant->runtime = std::move(*opened);
  }
  return tenant;
}

void TenantRegistry::stopTenant(const std::shared_ptr<Tenant>& tenant) {
  // Not reset: a request routed a moment ago may still read `runtime`; it
  // is freed with the last reference to the tenant.
  if (tenant && tenant->runtime) tenant->runtime->stop();
}

void TenantRegistry::publish(std::map<std::string, std::shared_ptr<Tenant>> tenants) {
  std::unordered_map<std::string, std::pair<std::shared_ptr<Tenant>, bool>> tokens;
  for (const auto& [id, t] : tenants) {
    for (const auto& token : t->entry.readTokens) tokens[token] = {t, true};
    for (const auto& token : t->entry.tokens) tokens[token] = {t, false};
  }
  std::lock_guard guard(mutex_);
  tenants_ = std::move(tenants);
  tokens_ = std::move(tokens);
}

ReloadReport TenantRegistry::reload() {
  std::lock_guard serial(reloading_);
  ReloadReport report;
  auto logErrors = [&] {
    if (!settings_.log) return;
    for (const auto& e : report.errors) settings_.log(e);
  };
  auto loaded = loadTenantsFile(settings_.file);
  if (!loaded) {
    report.refused = true;
    report.errors = loaded.error();
    report.errors.push_back(settings_.file.string() + ": not applied; every tenant runs as before");
    logErrors();
    return report;
  }
  if (!requireAdminTokens_.empty() && loaded->server.adminTokens.empty()) {
    report.refused = true;
    report.errors = {settings_.file.string() + ": [server] admin_tokens: " + requireAdminTokens_ +
                     "; not applied, every tenant runs as before"};
    logErrors();
    return report;
  }
  TenantsFile& file = *loaded;
  if (settings_.sharedWorkers) refuseUnsharedTenants(file);
  report.errors = file.errors;
  std::map<std::string, std::shared_ptr<Tenant>> next;
  {
    std::lock_guard guard(mutex_);
    next = tenants_;
    server_ = file.server;
  }
  std::set<std::string> listed(file.broken.begin(), file.broken.end());
  for (const auto& e : file.tenants) listed.insert(e.id);
  std::map<std::string, std::string> failedNow;
  // A broken entry of a tenant that does not run leaves it not running.
  for (const auto& id : file.broken) {
    if (!next.count(id)) failedNow[id] = "its entry has errors (see the reload's errors)";
  }

  // Removed: no new request reaches them; what is in flight is answered.
  for (auto it = next.begin(); it != next.end();) {
    if (listed.count(it->first)) {
      ++it;
      continue;
    }
    std::shared_ptr<Tenant> gone = it->second;
    report.removed.push_back(it->first);
    it = next.erase(it);
    publish(next);
    stopTenant(gone);
  }

  std::vector<const TenantEntry*> adds;
  for (const TenantEntry& entry : file.tenants) {
    auto running = next.find(entry.id);
    if (running != next.end() && running->second->entry.fingerprint == entry.fingerprint) {
      report.unchanged++;
      continue;
    }
    // A token identifies one tenant: not one another running tenant has.
    std::string owner;
    for (const auto& [id, t] : next) {
      if (id == entry.id) continue;
      for (const auto& token : entry.tokens) {
        if (holds(t->entry.tokens, token) || holds(t->entry.readTokens, token)) owner = id;
      }
      for (const auto& token : entry.readTokens) {
        if (holds(t->entry.tokens, token) || holds(t->entry.readTokens, token)) owner = id;
      }
    }
    if (!owner.empty()) {
      report.errors.push_back(fmt::format(
          "{}: tenant {}: a token is tenant {}'s, which runs with it; a token identifies one tenant (to move a token, "
          "take it from {} in one reload and give it in the next){}",
          entry.where, entry.id, owner, owner, running != next.end() ? "; it runs as before" : ""));
      if (running == next.end()) {
        failedNow[entry.id] = "a token is another tenant's";
        report.failed.push_back(entry.id);
      }
      continue;
    }
    if (running != next.end()) {
      // The same store: the old one closes (and unlocks it) before the new
      // one opens. It stays listed meanwhile: its requests answer 503, not 404.
      std::shared_ptr<Tenant> old = running->second;
      stopTenant(old);
      auto started = start(entry);
      if (started) {
        next[entry.id] = *started;
        report.changed.push_back(entry.id);
      } else {
        auto back = start(old->entry);
        report.errors.push_back(fmt::format("{}: tenant {}: the change was not applied: {}{}", entry.where, entry.id,
                                            started.error(),
                                            back ? "; it runs as before" : "; and it cannot start as before either"));
        if (back) {
          next[entry.id] = *back;
        } else {
          next.erase(entry.id);
          failedNow[entry.id] = back.error();
          report.failed.push_back(entry.id);
        }
      }
      publish(next);
      continue;
    }
    adds.push_back(&entry);
  }
  // New tenants start side by side (a tenant of shared workers opens several
  // connections, each a round trip or more): tokens of the file's entries
  // are distinct, so they cannot clash with each other.
  std::vector<std::optional<Result<std::shared_ptr<Tenant>, std::string>>> started(adds.size());
  inParallel(adds.size(), [&](size_t i) {
    try {
      started[i] = start(*adds[i]);
    } catch (const std::exception& e) {  // on a thread of its own: a failure of this tenant, not the process's end
      started[i] = fail(std::string(e.what()));
    }
  });
  for (size_t i = 0; i < adds.size(); i++) {
    const TenantEntry& entry = *adds[i];
    if (*started[i]) {
      next[entry.id] = **started[i];
      report.added.push_back(entry.id);
    } else {
      failedNow[entry.id] = started[i]->error();
      report.failed.push_back(entry.id);
      report.errors.push_back(
          fmt::format("{}: tenant {} cannot start: {}", entry.where, entry.id, started[i]->error()));
    }
  }
  publish(next);
  {
    std::lock_guard guard(mutex_);
    failed_ = std::move(failedNow);
  }
  logErrors();
  return report;
}

RequestTarget TenantRegistry::route(std::string& head) {
  std::optional<Head> h = parseHead(head);
  if (!h) return {};
  size_t q = h->target.find('?');
  std::string path = h->target.substr(0, q);
  std::string query = q == std::string::npos ? "" : h->target.substr(q);
  std::shared_ptr<Tenant> tenant;
  std::string target;
  if (path.rfind("/t/", 0) == 0) {
    size_t slash = path.find('/', 3);
    tenant = find(path.substr(3, slash == std::string::npos ? std::string::npos : slash - 3));
    std::string rest = slash == std::string::npos ? "" : path.substr(slash);
    if (!tenant) return {};
    if (rest == "/healthz" || rest == "/readyz" || rest == "/metrics") {
      // Unprotected on a server of its own; here they show one tenant's figures.
      if (!holds(tenant->entry.tokens, h->token) && !holds(tenant->entry.readTokens, h->token)) return {};
    } else if (rest.rfind("/v1/", 0) != 0 && !isConsolePath(rest)) {
      return {};  // the tenant's server checks its own tokens on /v1/, its console its own logins
    }
    target = rest + query;
  } else if (path.rfind("/v1/", 0) == 0) {
    tenant = byToken(h->token);
    if (!tenant) return {};
    target = h->target;
  } else {
    return {};
  }
  std::shared_ptr<Server> server = tenant->runtime->serving();
  if (!server) return {};  // stopping or deploying: the front server says so
  head.replace(h->targetAt, h->target.size(), target);
  return {&server->http(), server};
}

void TenantRegistry::stopAll() {
  std::lock_guard serial(reloading_);
  std::map<std::string, std::shared_ptr<Tenant>> all;
  {
    std::lock_guard guard(mutex_);
    all = tenants_;
  }
  publish({});
  // Side by side: a tenant of shared workers may take a second to stop (its
  // worker's wait for work), and a stop with hundreds must not take minutes.
  std::vector<std::shared_ptr<Tenant>> list;
  for (const auto& [id, t] : all) list.push_back(t);
  inParallel(list.size(), [&](size_t i) { stopTenant(list[i]); });
}

std::shared_ptr<Tenant> TenantRegistry::find(const std::string& id) const {
  std::lock_guard guard(mutex_);
  auto it = tenants_.find(id);
  return it == tenants_.end() ? nullptr : it->second;
}

std::shared_ptr<Tenant> TenantRegistry::byToken(const std::string& token, bool* readOnly) const {
  if (token.empty()) return nullptr;
  std::lock_guard guard(mutex_);
  // Every tenant's token is compared in constant time, not looked up by
  // hash: a lookup's time would tell how much of a guessed token was right.
  const std::pair<std::shared_ptr<Tenant>, bool>* found = nullptr;
  for (const auto& [candidate, entry] : tokens_) {
    if (sameSecret(token, candidate) && !found) found = &entry;
  }
  if (!found) return nullptr;
  if (readOnly) *readOnly = found->second;
  return found->first;
}

std::vector<std::shared_ptr<Tenant>> TenantRegistry::running() const {
  std::lock_guard guard(mutex_);
  std::vector<std::shared_ptr<Tenant>> out;
  for (const auto& [id, t] : tenants_) out.push_back(t);
  return out;
}

std::map<std::string, std::string> TenantRegistry::failed() const {
  std::lock_guard guard(mutex_);
  return failed_;
}

nlohmann::json TenantRegistry::consoleTenants(const std::string& scope) const {
  nlohmann::json out = nlohmann::json::array();
  std::lock_guard guard(mutex_);
  for (const auto& [id, t] : tenants_) {
    if (scope != console::kEveryTenant && scope != id) continue;
    out.push_back({{"name", id}, {"title", id}, {"url", "/t/" + id + "/console/"}});
  }
  return out;
}

bool TenantRegistry::isAdminToken(const std::string& token) const {
  std::lock_guard guard(mutex_);
  return holds(server_.adminTokens, token);
}

}  // namespace voronka::server
