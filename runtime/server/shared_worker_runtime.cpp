#include "runtime/server/shared_worker_runtime.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/bytecode/container.h"
#include "runtime/console/console_app.h"
#include "runtime/deploy/deploy.h"
#include "runtime/deploy/version_id.h"
#include "runtime/engine/clock.h"
#include "runtime/outbox/relay.h"
#include "runtime/server/live_versions.h"
#include "runtime/server/metrics.h"
#include "runtime/server/module_identity.h"
#include "runtime/server/module_route.h"
#include "runtime/server/open_store.h"
#include "runtime/server/server.h"
#include "runtime/server/worker_crm.h"
#include "runtime/server/worker_deploy.h"
#include "runtime/server/worker_intake.h"
#include "runtime/server/worker_loop.h"
#include "runtime/store/pg_db.h"
#include "runtime/store/pg_lock_keys.h"
#include "runtime/store/pg_store.h"

namespace voronka::server {

namespace {

ServeError setup(std::string message) { return {ServeError::Kind::Setup, std::move(message)}; }
ServeError refused(std::string message) { return {ServeError::Kind::Refused, std::move(message)}; }

// Workers starting together put the module on the store one at a time.
constexpr const char* kStartLock =
    "SELECT pg_advisory_lock(" VORONKA_PG_LOCK_WORKER_START ", hashtext(current_schema()))";

// An outbox claim of a shared worker runs out after kSharedLease seconds
// unless its worker, alive, extends it (every kLeaseRenewal): a killed
// worker's deliveries are taken over within seconds, a slow delivery of a
// live one is not.
constexpr size_t kSharedOutboxBatch = 8;
constexpr int64_t kSharedLease = 6;
constexpr auto kLeaseRenewal = std::chrono::seconds(2);

// The store's meta key naming the tenant whose shared workers serve it.
constexpr const char* kTenantKey = "tenant";

std::string workerLabel() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return fmt::format("{}:{}", host, getpid());
}

// A worker is the process: its threads' counters are summed.
std::string workerMetrics(const std::string& label, const std::vector<std::unique_ptr<SharedWorker>>& threads,
                          const store::SharedOutboxCounters& o) {
  std::string out;
  auto counter = [&](const char* name, const char* help, uint64_t value) {
    out +=
        fmt::format("# HELP {} {}\n# TYPE {} counter\n{}{{worker=\"{}\"}} {}\n", name, help, name, name, label, value);
  };
  auto sum = [&](std::atomic<uint64_t> WorkerCounters::*field) {
    uint64_t total = 0;
    for (const auto& t : threads) total += (t->counters().*field).load();
    return total;
  };
  counter("voronka_worker_claims_total", "Deals this worker claimed with due work (FOR UPDATE SKIP LOCKED)",
          sum(&WorkerCounters::claims));
  counter("voronka_worker_batches_total", "Claim transactions this worker committed with at least one deal",
          sum(&WorkerCounters::batches));
  counter("voronka_worker_events_applied_total", "Inbox events this worker applied", sum(&WorkerCounters::events));
  counter("voronka_worker_timers_fired_total", "Timers this worker fired", sum(&WorkerCounters::timers));
  counter("voronka_worker_failed_batches_total", "Claim transactions rolled back (their deals are claimed again)",
          sum(&WorkerCounters::failedBatches));
  counter("voronka_worker_wakeups_total", "NOTIFY hints that woke this worker", sum(&WorkerCounters::wakeups));
  counter("voronka_worker_deals_moved_total", "Deals this worker moved onto a new version during a deployment",
          sum(&WorkerCounters::dealsMoved));
  out += fmt::format(
      "# HELP voronka_worker_threads Claim loops of this worker (--worker-threads)\n# TYPE voronka_worker_threads "
      "gauge\nvoronka_worker_threads{{worker=\"{}\"}} {}\n",
      label, threads.size());
  counter("voronka_worker_lease_takeovers_total",
          "Outbox effects this worker claimed after another worker's lease ran out without a result",
          o.takeovers.load());
  counter("voronka_worker_stale_results_total",
          "Delivery results ignored: another worker had taken the attempt over (fenced by the attempt number)",
          o.staleResults.load());
  return out;
}

// Said where shared workers with a CRM would take a new version through the
// API: the CRM's webhooks are matched against each deal's stage with one
// crm.toml binding, which cannot read deals on two versions while they move.
std::string crmDeployRefusal(const std::string& tenant) {
  const char* why =
      "the CRM's webhooks are matched against each deal's stage with one crm.toml binding, which cannot read deals "
      "on two versions while they move";
  if (tenant.empty()) {
    return fmt::format(
        "shared workers with --crm take a new version while all of them are stopped, not through the API: {}. Stop "
        "every worker, run `voronka deploy NEW.funnelc --store postgres:…` (check crm.toml against it first: "
        "`voronka check --crm crm.toml NEW.funnel`), then start them on NEW.funnelc",
        why);
  }
  return fmt::format(
      "tenant {} has a CRM: its shared workers take a new version while none of them runs, not through the API: {}. "
      "Take the tenant out of tenants.toml on every process (SIGHUP or POST /admin/reload), run `voronka deploy "
      "NEW.funnelc --store postgres:…` (check its crm.toml against it first: `voronka check --crm crm.toml "
      "NEW.funnel`), then put it back with module = \"NEW.funnelc\"",
      tenant, why);
}

}  // namespace

struct SharedWorkerRuntime::Parts {
  std::string tenant;
  ServeSettings settings;
  ClientRuntime::Hooks hooks;
  std::string conninfo;
  std::string label = workerLabel();
  // Declared before what uses them: destroyed last.
  engine::RealClock clock;
  std::unique_ptr<store::PostgresStore> store;
  std::shared_ptr<const bc::Module> served;  // the settings' module, or one loaded here
  std::string moduleVersion;                 // served's
  std::unique_ptr<WorkerCrm> crm;
  outbox::Connectors connectors;
  std::unique_ptr<outbox::OutboxRelay> relay;
  std::unique_ptr<WorkerIntake> intake;
  std::vector<std::unique_ptr<SharedWorker>> workers;  // --worker-threads of them

  // The versions the HTTP side reads deals with follow the worker's (a deal
  // not moved yet is read with its own): the server's, once it exists.
  mutable std::mutex versionsMutex;
  LiveVersions* serverVersions = nullptr;
  std::vector<std::pair<LiveVersions::Version, bool>> versionsBefore;

  std::atomic<bool> stopRelay{false};
  std::thread relayThread;
  std::mutex renewMutex;
  std::condition_variable renewWake;
  bool stopLeases = false;  // after the relay: its last deliveries keep their leases
  std::thread leaseThread;
  mutable std::mutex serverMutex;
  std::shared_ptr<Server> server;
  std::mutex reportMutex;  // hooks.deployed is called from the worker and HTTP threads
  bool stopped = false;

  std::shared_ptr<Server> serving() const {
    std::lock_guard guard(serverMutex);
    return server;
  }

  void report(const std::string& line) {
    std::lock_guard guard(reportMutex);
    if (hooks.deployed) hooks.deployed(line);
  }

  void addVersion(const LiveVersions::Version& v, bool current) {
    std::lock_guard lock(versionsMutex);
    if (!serverVersions) {
      versionsBefore.emplace_back(v, current);
    } else if (current) {
      serverVersions->add(v);
    } else {
      serverVersions->addEarlier(v);
    }
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

  // With no module given (a tenant's entry without one): the store's version.
  Result<void, ServeError> takeStoreModule() {
    ServeSettings& s = settings;
    auto tx = store->begin();
    std::string active = tx->meta("active_version").value_or("");
    if (active.empty())
      return failWith(setup("the store runs no version of a funnel yet: give the tenant a module the first time"));
    std::optional<std::string> kept = deploy::keptModuleBytes(*tx, active, clock.now());
    if (!kept) return failWith(setup("the store runs version " + active + ", whose module it does not keep: give it"));
    s.moduleBytes = std::move(*kept);
    if (s.modulePath.empty()) s.modulePath = "the store's version " + active;
    return {};
  }

  // One process at a time (the start lock): decides the module served,
  // checks the CRM binding against it, and puts it on the store.
  Result<void, ServeError> claimStore() {
    ServeSettings& s = settings;
    store::pg::Conn startLock(conninfo);  // the lock ends with this connection
    startLock.exec(kStartLock, "waiting for the other workers to start");
    bool unmarked = false;
    if (!tenant.empty()) {
      Result<bool, ServeError> free = storeIsFree();
      if (!free) return failWith(free.error());
      unmarked = *free;
    }
    if (s.moduleBytes.empty()) {
      if (auto taken = takeStoreModule(); !taken) return failWith(taken.error());
    }
    moduleVersion = deploy::moduleVersionOf(s.moduleBytes);
    Result<SharedStartModule> start = sharedStartModule(*store, moduleVersion, s.modulePath);
    if (!start) return failWith(refused(start.error()));
    if (!start->bytes.empty()) {
      try {
        served = std::make_shared<const bc::Module>(bc::load(start->bytes));
      } catch (const std::exception& e) {
        return failWith(
            refused(fmt::format("version {} kept in the store does not load: {}", start->version, e.what())));
      }
      moduleVersion = start->version;
    } else if (s.module) {
      served = std::shared_ptr<const bc::Module>(s.module, [](const bc::Module*) {});  // the caller's
    } else {
      try {
        served = std::make_shared<const bc::Module>(bc::load(s.moduleBytes));
      } catch (const std::exception& e) {
        return failWith(setup(s.modulePath + ": " + e.what()));
      }
    }
    // With a CRM, crm.toml must fit the module served, before the store is put on it.
    if (s.crm) {
      Result<std::unique_ptr<WorkerCrm>> opened = WorkerCrm::open(*s.crm, *served, *store, clock, conninfo);
      if (!opened) return failWith(setup(opened.error()));
      crm = std::move(*opened);
    }
    if (!start->bytes.empty()) {
      report(start->note);
    } else {
      // A new store, or one that runs this version: a deployment under way
      // is the workers' to finish (the first batch joins it), never a start's.
      bool deploying = false;
      {
        auto tx = store->begin();
        deploying = !tx->meta("deploying").value_or("").empty();
      }
      if (deploying && crm) {
        // The CRM's binding fits one version: deals on two would be mirrored wrongly.
        return failWith(refused(
            "the store has a deployment under way, and shared workers with a CRM serve one version: let workers "
            "without one finish it, then start these"));
      }
      if (!deploying) {
        Result<std::string> claimed = claimStoreForModule(*store, s.moduleBytes, s.modulePath, s.plan, clock);
        if (!claimed) return failWith(refused(claimed.error()));
        report(*claimed);
      }
    }
    if (unmarked) markStore();
    return {};
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

  std::string workerLines() const {
    if (workers.empty() || !store) return "";
    return workerMetrics(label, workers, store->outboxCounters()) + (crm ? crm->metrics(label) : "");
  }

  // Thread 0 tells the HTTP side the versions it follows and the
  // deployment's gauges; the others follow the store's deployments on
  // their own (as other processes do) and only log, naming themselves.
  WorkerOptions workerOptions(size_t thread) {
    WorkerOptions w;
    w.conninfo = conninfo;
    w.moduleVersion = moduleVersion;
    w.pollOnly = settings.pgPollOnly;
    w.onCommit = [this] { relay->wake(); };
    if (crm) crm->configure(w);
    w.deploy.report = [this](const std::string& line) { report(line); };
    if (thread > 0) {
      w.deploy.name = fmt::format("worker thread {}", thread + 1);
      return w;
    }
    w.deploy.onVersion = [this](const LiveVersions::Version& v, bool current) { addVersion(v, current); };
    // /metrics' voronka_deployment_* follow the journal as this worker sees it.
    w.deploy.progress = [this](int64_t id, int64_t moved, int64_t inStore, bool running) {
      std::shared_ptr<Server> s = serving();
      if (!s) return;
      DeploymentGauges& d = s->metrics().deployment;
      d.id = id;
      d.dealsMoved = moved;
      d.dealsAtStart = inStore;
      d.running = running ? 1 : 0;
    };
    return w;
  }

  ServerOptions serverOptions() {
    ServerOptions options = settings.server;
    options.moduleVersion = moduleVersion;
    options.intake = [this](std::vector<nlohmann::json> events, std::optional<IdempotencyClaim> claim) {
      return take(std::move(events), std::move(claim));
    };
    options.extraMetrics = [this] { return workerLines(); };
    bool tokensConfigured = !settings.server.tokens.empty();
    if (crm) {
      options.extraRoutes.push_back(crm->route());
      ModuleRouteSettings routeSettings;
      routeSettings.tokensConfigured = tokensConfigured;
      routeSettings.refusal = crmDeployRefusal(tenant);
      options.extraRoutes.push_back(moduleRoute(*store, clock, routeSettings, [](const std::string&) {}));
    } else {
      // A deployment starts in the store; every worker moves deals (worker_deploy.h).
      options.extraRoutes.push_back(sharedModuleRoute(*store, conninfo, clock, tokensConfigured,
                                                      [this](const std::string& line) { report(line); }));
    }
    for (ExtraRoute& route : deploymentRoutes(*store)) options.extraRoutes.push_back(std::move(route));

    // The console reads the store through a connection of its own; a retried
    // dead letter is claimed by whichever worker's relay comes first.
    console::ConsoleSettings c;
    c.module = served.get();
    c.store = store.get();
    c.storeSpec = settings.config.server.store;
    c.tokens = {settings.config.server.tokens, settings.config.server.readTokens};
    c.moduleVersion = moduleVersion;
    c.clock = &clock;
    c.wakeRelay = [this] { relay->wake(); };
    c.running = [this]() -> console::RunningModule {
      std::lock_guard lock(versionsMutex);
      if (!serverVersions) return {};
      LiveVersions::Version v = serverVersions->current();
      return {v.module, v.id};
    };
    c.moduleOf = [this](const std::string& version) -> std::shared_ptr<const bc::Module> {
      std::lock_guard lock(versionsMutex);
      return serverVersions ? serverVersions->moduleOf(version) : nullptr;
    };
    if (hooks.console) hooks.console(c);
    options.webApps = {console::consoleApp(std::move(c))};
    return options;
  }
};

SharedWorkerRuntime::SharedWorkerRuntime(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

SharedWorkerRuntime::~SharedWorkerRuntime() { stop(); }

Result<std::unique_ptr<SharedWorkerRuntime>, ServeError> SharedWorkerRuntime::open(ServeSettings settings,
                                                                                   std::string tenant,
                                                                                   ClientRuntime::Hooks hooks) {
  auto parts = std::make_unique<Parts>();
  Parts& p = *parts;
  p.tenant = std::move(tenant);
  p.settings = std::move(settings);
  p.hooks = std::move(hooks);
  std::optional<std::string> conninfo = postgresConninfo(p.settings.config.server.store);
  if (!conninfo) {
    return failWith(
        setup("--workers shared needs a PostgreSQL store (--store postgres:CONNINFO); an SQLite file is served by "
              "one server"));
  }
  if (conninfo->empty()) return failWith(setup("--store postgres: needs a connection string"));
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
  if (p.crm) p.crm->addConnectors(p.connectors);
  outbox::RelayOptions relayOptions = outbox::relayOptionsOf(p.settings.config);
  relayOptions.batch = std::min(relayOptions.batch, kSharedOutboxBatch);
  relayOptions.lease = kSharedLease;
  relayOptions.onRecorded = [&p](const store::EffectRecord& effect) {
    if (std::shared_ptr<Server> s = p.serving()) s->metrics().countOutboxResult(effect.status);
  };
  relayOptions.onInFlight = [&p](uint64_t inFlight) {
    if (std::shared_ptr<Server> s = p.serving()) s->metrics().outboxInFlight = inFlight;
  };
  // With a CRM the relay claims through its mirror: it groups the CRM's calls for batching.
  p.relay = std::make_unique<outbox::OutboxRelay>(p.crm ? p.crm->relayStore() : *p.store, p.connectors, relayOptions,
                                                  p.clock);
  return std::unique_ptr<SharedWorkerRuntime>(new SharedWorkerRuntime(std::move(parts)));
}

Result<int, ServeError> SharedWorkerRuntime::start() {
  Parts& p = *parts_;
  int port = 0;
  try {
    p.intake = std::make_unique<WorkerIntake>(
        p.clock, IntakeOptions{
                     .conninfo = p.conninfo, .notify = !p.settings.pgPollOnly, .maxBatch = p.settings.server.maxBatch});
    for (int t = 0; t < std::max(p.settings.workerThreads, 1); ++t)
      p.workers.push_back(std::make_unique<SharedWorker>(*p.served, p.clock, p.workerOptions(t)));
    auto s = std::make_shared<Server>(*p.served, *p.store, p.clock, p.serverOptions());
    {
      std::lock_guard lock(p.versionsMutex);
      p.serverVersions = &s->writer().versions();
      for (const auto& [v, current] : p.versionsBefore)
        current ? p.serverVersions->add(v) : p.serverVersions->addEarlier(v);
      p.versionsBefore.clear();
    }
    {
      std::lock_guard guard(p.serverMutex);
      p.server = s;
    }
    if (p.settings.server.connections.threads > 0) port = s->start();
  } catch (const std::exception& e) {  // StoreError (the database is away), the socket cannot be bound
    {
      std::lock_guard lock(p.versionsMutex);
      p.serverVersions = nullptr;
    }
    std::lock_guard guard(p.serverMutex);
    p.server.reset();
    return failWith(setup(e.what()));
  }
  if (p.crm) p.crm->startPolling(p.serving()->writer());
  p.relayThread = std::thread([&p] { p.relay->runUntilStopped(p.stopRelay); });
  p.leaseThread = std::thread([&p] {
    std::unique_lock lock(p.renewMutex);
    while (!p.renewWake.wait_for(lock, kLeaseRenewal, [&p] { return p.stopLeases; })) {
      try {
        p.store->extendLeases(p.clock.now() + kSharedLease);
      } catch (const std::exception&) {}  // the database is away: the leases run out, others take over
    }
  });
  return port;
}

std::shared_ptr<Server> SharedWorkerRuntime::serving() const { return parts_->serving(); }

std::string SharedWorkerRuntime::version() const {
  const Parts& p = *parts_;
  std::lock_guard lock(p.versionsMutex);
  // A deployment makes its version current as the worker follows it.
  if (p.serverVersions) return p.serverVersions->current().id;
  return p.moduleVersion;
}

std::string SharedWorkerRuntime::extraMetrics() const { return parts_->workerLines(); }

void SharedWorkerRuntime::stop() {
  Parts& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  if (p.crm) p.crm->stop();  // the leader's drain in hand ends first: it writes through the server
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
  // Each finishes its batch (and its wait for work, up to the poll interval), all at once.
  for (auto& w : p.workers) w->requestStop();
  for (auto& w : p.workers) w->stop();
  // The relay waits for its deliveries in flight (each within its timeout)
  // and records them while their leases are still extended.
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
  {
    std::lock_guard lock(p.versionsMutex);
    p.serverVersions = nullptr;
  }
  s.reset();
  p.workers.clear();
  p.intake.reset();
  p.relay.reset();
  p.crm.reset();
  p.store.reset();
}

}  // namespace voronka::server
