#include "runtime/server/shared_tenant_runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "runtime/bytecode/container.h"
#include "runtime/console/console_app.h"
#include "runtime/deploy/deploy.h"
#include "runtime/deploy/version_id.h"
#include "runtime/engine/clock.h"
#include "runtime/outbox/relay.h"
#include "runtime/server/metrics.h"
#include "runtime/server/module_identity.h"
#include "runtime/server/module_route.h"
#include "runtime/server/open_store.h"
#include "runtime/server/worker_intake.h"
#include "runtime/server/worker_loop.h"
#include "runtime/server/worker_serve.h"
#include "runtime/store/pg_db.h"
#include "runtime/store/pg_store.h"

namespace voronka::server {

namespace {

ServeError setup(std::string message) { return {ServeError::Kind::Setup, std::move(message)}; }
ServeError refused(std::string message) { return {ServeError::Kind::Refused, std::move(message)}; }

// Said wherever a tenant of shared workers would take a new version (its
// entry's module, POST /v1/modules): a client on shared workers of its own
// deploys live (worker_deploy.h), a tenant of them does not yet.
std::string deployRefusal(const std::string& modulePath) {
  return fmt::format(
      "a tenant of --tenants --workers shared takes no new version while it runs (yet): take the tenant out of "
      "tenants.toml on every process (SIGHUP or POST /admin/reload), run `voronka deploy {} --store postgres:…`, "
      "then put it back with that module",
      modulePath.empty() ? "NEW.funnelc" : modulePath);
}

// The store's meta key naming its tenant.
constexpr const char* kTenantKey = "tenant";

}  // namespace

struct SharedTenantRuntime::Parts {
  std::string tenant;
  ServeSettings settings;
  ClientRuntime::Hooks hooks;
  std::string conninfo;
  SharedWorkerTuning tuning = sharedWorkerTuning();
  std::string label = sharedWorkerLabel();
  engine::RealClock clock;
  // Declared before what uses it: destroyed last.
  std::unique_ptr<store::PostgresStore> store;
  std::unique_ptr<bc::Module> module;
  std::string moduleVersion;
  outbox::Connectors connectors;
  std::unique_ptr<outbox::OutboxRelay> relay;
  std::unique_ptr<WorkerIntake> intake;
  std::unique_ptr<SharedWorker> worker;
  std::atomic<bool> stopRelay{false};
  std::thread relayThread;
  std::mutex renewMutex;
  std::condition_variable renewWake;
  bool stopLeases = false;
  std::thread leaseThread;
  mutable std::mutex serverMutex;
  std::shared_ptr<Server> server;
  bool stopped = false;

  std::shared_ptr<Server> serving() const {
    std::lock_guard guard(serverMutex);
    return server;
  }

  // The intake's commits are this server's writes: its /readyz and the
  // event counters of its /metrics follow them.
  std::vector<WriteResult> take(std::vector<nlohmann::json> events, std::optional<IdempotencyClaim> claim) {
    std::vector<WriteResult> results = intake->apply(std::move(events), std::move(claim));
    std::shared_ptr<Server> s = serving();
    if (!s) return results;
    Metrics& metrics = s->metrics();
    bool stored = results.empty() || results[0].stored;
    if (stored) {
      metrics.writes.succeeded();
      for (const WriteResult& r : results) metrics.countEvent(engine::statusName(r.outcome.status));
    } else {
      metrics.countStoreFailure();
      metrics.writes.failed(results[0].outcome.message);
    }
    return results;
  }

  ServerOptions serverOptions() {
    ServerOptions options = settings.server;
    options.moduleVersion = moduleVersion;
    options.intake = [this](std::vector<nlohmann::json> events, std::optional<IdempotencyClaim> claim) {
      return take(std::move(events), std::move(claim));
    };
    options.extraMetrics = [this] { return sharedWorkerMetrics(label, worker->counters(), store->outboxCounters()); };
    ModuleRouteSettings routeSettings;
    routeSettings.tokensConfigured = !settings.server.tokens.empty();
    routeSettings.refusal = deployRefusal("");
    options.extraRoutes.push_back(moduleRoute(*store, clock, routeSettings, [](const std::string&) {}));
    // The console reads the store through a connection of its own; a retried
    // dead letter is claimed by whichever process's relay comes first.
    console::ConsoleSettings c;
    c.module = module.get();
    c.store = store.get();
    c.storeSpec = settings.config.server.store;
    c.tokens = {settings.config.server.tokens, settings.config.server.readTokens};
    c.moduleVersion = moduleVersion;
    c.clock = &clock;
    c.wakeRelay = [this] { relay->wake(); };
    if (hooks.console) hooks.console(c);
    options.webApps = {console::consoleApp(std::move(c))};
    return options;
  }

  // Whether the store is this tenant's, or no tenant's yet (then marked
  // once the start succeeded, so that a refused start marks nothing). Under
  // the start lock: two processes starting at once agree.
  Result<bool, ServeError> storeIsFree() {
    auto tx = store->begin();
    std::string owner = tx->meta(kTenantKey).value_or("");
    if (owner.empty()) return true;
    if (owner == tenant) return false;
    return failWith(refused(fmt::format(
        "store {} is tenant {}'s (its shared workers served it first); two tenants on one store would see each "
        "other's deals: give tenant {} a store of its own. If {} was renamed {}, say so to the store: UPDATE meta SET "
        "value = '{}' WHERE key = '{}'",
        store->label(), owner, tenant, owner, tenant, tenant, kTenantKey)));
  }

  void markStore() {
    auto tx = store->begin();
    tx->putMeta(kTenantKey, tenant);
    tx->commit();
  }

  // Puts the module on the store as a shared worker starting does, one
  // process at a time; with no module, takes the version the store runs.
  Result<void, ServeError> claimStore() {
    ServeSettings& s = settings;
    store::pg::Conn startLock(conninfo);  // the lock ends with this connection
    startLock.exec(tuning.startLock, "waiting for the other workers to start");
    Result<bool, ServeError> free = storeIsFree();
    if (!free) return failWith(free.error());
    std::string active, deploying;
    {
      auto tx = store->begin();
      active = tx->meta("active_version").value_or("");
      deploying = tx->meta("deploying").value_or("");
      if (s.moduleBytes.empty()) {
        if (active.empty())
          return failWith(setup("the store runs no version of a funnel yet: give the tenant a module the first time"));
        std::optional<std::string> kept = deploy::keptModuleBytes(*tx, active, clock.now());
        if (!kept)
          return failWith(setup("the store runs version " + active +
                                ", whose module it does not keep: give the "
                                "tenant its module"));
        s.moduleBytes = std::move(*kept);
        if (s.modulePath.empty()) s.modulePath = "the store's version " + active;
      }
    }
    moduleVersion = deploy::moduleVersionOf(s.moduleBytes);
    // Other processes may be running the tenant on the store's version:
    // moving their deals under them is not a start's business.
    if ((!active.empty() && active != moduleVersion) || !deploying.empty()) {
      return failWith(refused(fmt::format("the store runs version {}{}, not {} ({}); {}", active,
                                          deploying.empty() ? "" : " and has a deployment to finish", moduleVersion,
                                          s.modulePath, deployRefusal(s.modulePath))));
    }
    try {
      module = std::make_unique<bc::Module>(bc::load(s.moduleBytes));
    } catch (const bc::LoadError& e) {
      return failWith(setup(s.modulePath + ": " + e.what()));
    }
    Result<std::string> claimed = claimStoreForModule(*store, s.moduleBytes, s.modulePath, s.plan, clock);
    if (!claimed) return failWith(refused(claimed.error()));
    if (*free) markStore();
    if (hooks.deployed) hooks.deployed(*claimed);
    return {};
  }
};

SharedTenantRuntime::SharedTenantRuntime(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

SharedTenantRuntime::~SharedTenantRuntime() { stop(); }

Result<std::unique_ptr<SharedTenantRuntime>, ServeError> SharedTenantRuntime::open(const std::string& tenant,
                                                                                   ServeSettings settings,
                                                                                   ClientRuntime::Hooks hooks) {
  auto parts = std::make_unique<Parts>();
  Parts& p = *parts;
  p.tenant = tenant;
  p.settings = std::move(settings);
  p.hooks = std::move(hooks);
  std::optional<std::string> conninfo = postgresConninfo(p.settings.config.server.store);
  if (!conninfo || conninfo->empty())
    return failWith(setup("--workers shared needs a PostgreSQL store (postgres:CONNINFO)"));
  if (p.settings.crm)
    return failWith(
        setup("a tenant of --tenants --workers shared does not take a CRM yet; serve a CRM-connected tenant with one "
              "server, or with shared workers of its own (docs/crm.md)"));
  p.conninfo = *conninfo;
  try {
    p.store = std::make_unique<store::PostgresStore>(p.conninfo, store::PostgresOptions{.sharedWorkers = true});
  } catch (const store::StoreBusy& e) {
    return failWith(refused(e.what()));
  } catch (const std::exception& e) {
    return failWith(setup(e.what()));
  }
  try {
    if (auto claimed = p.claimStore(); !claimed) return failWith(claimed.error());
  } catch (const std::exception& e) {  // StoreError
    return failWith(setup(e.what()));
  }

  p.connectors = outbox::makeConnectors(p.settings.config);
  outbox::RelayOptions relayOptions = outbox::relayOptionsOf(p.settings.config);
  relayOptions.batch = std::min(relayOptions.batch, p.tuning.outboxBatch);
  relayOptions.lease = p.tuning.lease;
  relayOptions.onRecorded = [&p](const store::EffectRecord& effect) {
    if (std::shared_ptr<Server> s = p.serving()) s->metrics().countOutboxResult(effect.status);
  };
  relayOptions.onInFlight = [&p](uint64_t inFlight) {
    if (std::shared_ptr<Server> s = p.serving()) s->metrics().outboxInFlight = inFlight;
  };
  p.relay = std::make_unique<outbox::OutboxRelay>(*p.store, p.connectors, relayOptions, p.clock);
  return std::unique_ptr<SharedTenantRuntime>(new SharedTenantRuntime(std::move(parts)));
}

Result<void, ServeError> SharedTenantRuntime::start() {
  Parts& p = *parts_;
  try {
    p.intake = std::make_unique<WorkerIntake>(
        p.clock, IntakeOptions{
                     .conninfo = p.conninfo, .notify = !p.settings.pgPollOnly, .maxBatch = p.settings.server.maxBatch});
    WorkerOptions w;
    w.conninfo = p.conninfo;
    w.moduleVersion = p.moduleVersion;
    w.pollOnly = p.settings.pgPollOnly;
    w.onCommit = [&p] { p.relay->wake(); };
    p.worker = std::make_unique<SharedWorker>(*p.module, p.clock, w);
    auto s = std::make_shared<Server>(*p.module, *p.store, p.clock, p.serverOptions());
    if (p.settings.server.connections.threads > 0) s->start();
    std::lock_guard guard(p.serverMutex);
    p.server = std::move(s);
  } catch (const std::exception& e) {  // StoreError: the database is away
    return failWith(setup(e.what()));
  }
  p.relayThread = std::thread([&p] { p.relay->runUntilStopped(p.stopRelay); });
  p.leaseThread = std::thread([&p] {
    std::unique_lock lock(p.renewMutex);
    while (!p.renewWake.wait_for(lock, p.tuning.leaseRenewal, [&p] { return p.stopLeases; })) {
      try {
        p.store->extendLeases(p.clock.now() + p.tuning.lease);
      } catch (const std::exception&) {}  // the database is away: the leases run out, others take over
    }
  });
  return {};
}

std::shared_ptr<Server> SharedTenantRuntime::serving() const { return parts_->serving(); }

std::string SharedTenantRuntime::version() const { return parts_->moduleVersion; }

std::string SharedTenantRuntime::extraMetrics() const {
  const Parts& p = *parts_;
  if (!p.worker || !p.store) return "";
  return sharedWorkerMetrics(p.label, p.worker->counters(), p.store->outboxCounters());
}

void SharedTenantRuntime::stop() {
  Parts& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  std::shared_ptr<Server> s;
  {
    std::lock_guard guard(p.serverMutex);
    s = std::move(p.server);
  }
  if (s) {
    // A request holds the server until answered; its events are in the inbox then.
    while (s.use_count() > 1) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    s->stop();
  }
  if (p.intake) p.intake->stop();
  if (p.worker) p.worker->stop();  // finishes its batch
  // The relay waits for its deliveries in flight and records them while
  // their leases are still extended.
  if (p.relayThread.joinable()) {
    p.stopRelay = true;
    p.relay->wake();
    p.relayThread.join();
  }
  if (p.leaseThread.joinable()) {
    {
      std::lock_guard lock(p.renewMutex);
      p.stopLeases = true;
    }
    p.renewWake.notify_all();
    p.leaseThread.join();
  }
  s.reset();
  p.worker.reset();
  p.intake.reset();
  p.relay.reset();
  p.store.reset();
}

}  // namespace voronka::server
