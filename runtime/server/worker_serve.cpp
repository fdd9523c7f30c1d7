#include "runtime/server/worker_serve.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "runtime/bytecode/container.h"
#include "runtime/console/console_app.h"
#include "runtime/deploy/version_id.h"
#include "runtime/engine/clock.h"
#include "runtime/outbox/relay.h"
#include "runtime/server/metrics.h"
#include "runtime/server/module_identity.h"
#include "runtime/server/module_route.h"
#include "runtime/server/open_store.h"
#include "runtime/server/serve_signals.h"
#include "runtime/server/worker_crm.h"
#include "runtime/server/worker_deploy.h"
#include "runtime/server/worker_intake.h"
#include "runtime/server/worker_loop.h"
#include "runtime/store/pg_db.h"
#include "runtime/store/pg_lock_keys.h"
#include "runtime/store/pg_store.h"
#include "runtime/store/pg_work_queue.h"

namespace voronka::server {

namespace {

ServeError setup(std::string message) { return {ServeError::Kind::Setup, std::move(message)}; }

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

std::string workerLabel() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return fmt::format("{}:{}", host, getpid());
}

std::string workerMetrics(const std::string& label, const WorkerCounters& w, const store::SharedOutboxCounters& o) {
  std::string out;
  auto counter = [&](const char* name, const char* help, uint64_t value) {
    out +=
        fmt::format("# HELP {} {}\n# TYPE {} counter\n{}{{worker=\"{}\"}} {}\n", name, help, name, name, label, value);
  };
  counter("voronka_worker_claims_total", "Deals this worker claimed with due work (FOR UPDATE SKIP LOCKED)",
          w.claims.load());
  counter("voronka_worker_batches_total", "Claim transactions this worker committed with at least one deal",
          w.batches.load());
  counter("voronka_worker_events_applied_total", "Inbox events this worker applied", w.events.load());
  counter("voronka_worker_timers_fired_total", "Timers this worker fired", w.timers.load());
  counter("voronka_worker_failed_batches_total", "Claim transactions rolled back (their deals are claimed again)",
          w.failedBatches.load());
  counter("voronka_worker_wakeups_total", "NOTIFY hints that woke this worker", w.wakeups.load());
  counter("voronka_worker_deals_moved_total", "Deals this worker moved onto a new version during a deployment",
          w.dealsMoved.load());
  counter("voronka_worker_lease_takeovers_total",
          "Outbox effects this worker claimed after another worker's lease ran out without a result",
          o.takeovers.load());
  counter("voronka_worker_stale_results_total",
          "Delivery results ignored: another worker had taken the attempt over (fenced by the attempt number)",
          o.staleResults.load());
  return out;
}

}  // namespace

std::optional<std::string> sharedWorkLeft(store::Store& store) {
  auto* pg = dynamic_cast<store::PostgresStore*>(&store);
  if (!pg) return std::nullopt;
  int64_t waiting = store::pg::inboxWaiting(pg->connection());
  if (waiting == 0) return std::nullopt;
  return fmt::format(
      "store {}: {} events acknowledged by shared workers wait in its inbox; serve it with --workers shared until "
      "they are applied (a single server does not read the inbox)",
      pg->label(), waiting);
}

SharedWorkerTuning sharedWorkerTuning() {
  return {
      .outboxBatch = kSharedOutboxBatch, .lease = kSharedLease, .leaseRenewal = kLeaseRenewal, .startLock = kStartLock};
}

std::string sharedWorkerLabel() { return workerLabel(); }

std::string sharedWorkerMetrics(const std::string& label, const WorkerCounters& worker,
                                const store::SharedOutboxCounters& outbox) {
  return workerMetrics(label, worker, outbox);
}

Result<void, ServeError> serveSharedWorkers(const ServeSettings& settings, const ServeReport& report) {
  std::optional<std::string> conninfo = postgresConninfo(settings.config.server.store);
  if (!conninfo) {
    return failWith(
        setup("--workers shared needs a PostgreSQL store (--store postgres:CONNINFO); an SQLite file is served by "
              "one server"));
  }
  if (conninfo->empty()) return failWith(setup("--store postgres: needs a connection string"));
  std::unique_ptr<store::PostgresStore> store;
  try {
    store = std::make_unique<store::PostgresStore>(*conninfo, store::PostgresOptions{.sharedWorkers = true});
  } catch (const store::StoreBusy& e) {
    return failWith(ServeError{ServeError::Kind::Refused, e.what()});
  } catch (const std::exception& e) {
    return failWith(setup(e.what()));
  }

  engine::RealClock clock;
  std::string moduleVersion = deploy::moduleVersionOf(settings.moduleBytes);
  // The module this worker serves: the file's, or the store's version
  // (worker_deploy.h, sharedStartModule). The caller owns the file's.
  std::shared_ptr<const bc::Module> served(settings.module, [](const bc::Module*) {});
  std::unique_ptr<WorkerCrm> crm;
  try {
    store::pg::Conn startLock(*conninfo);  // the lock ends with this connection
    startLock.exec(kStartLock, "waiting for the other workers to start");
    Result<SharedStartModule> start = sharedStartModule(*store, moduleVersion, settings.modulePath);
    if (!start) return failWith(ServeError{ServeError::Kind::Refused, start.error()});
    if (!start->bytes.empty()) {
      try {
        served = std::make_shared<const bc::Module>(bc::load(start->bytes));
      } catch (const std::exception& e) {
        return failWith(
            ServeError{ServeError::Kind::Refused,
                       fmt::format("version {} kept in the store does not load: {}", start->version, e.what())});
      }
      moduleVersion = start->version;
    }
    // With --crm, crm.toml must fit the module served, before the store is put on it.
    if (settings.crm) {
      Result<std::unique_ptr<WorkerCrm>> opened = WorkerCrm::open(*settings.crm, *served, *store, clock, *conninfo);
      if (!opened) return failWith(setup(opened.error()));
      crm = std::move(*opened);
    }
    if (!start->bytes.empty()) {
      if (report.deployed) report.deployed(start->note);
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
        return failWith(ServeError{ServeError::Kind::Refused,
                                   "the store has a deployment under way, and workers with --crm serve one version: "
                                   "let workers without --crm finish it, then start these"});
      }
      if (!deploying) {
        Result<std::string> claimed =
            claimStoreForModule(*store, settings.moduleBytes, settings.modulePath, settings.plan, clock);
        if (!claimed) return failWith(ServeError{ServeError::Kind::Refused, claimed.error()});
        if (report.deployed) report.deployed(*claimed);
      }
    }
  } catch (const std::exception& e) {  // StoreError
    return failWith(setup(e.what()));
  }

  sigset_t signals = blockServeSignals();

  std::mutex metricsMutex;
  Metrics* metrics = nullptr;
  outbox::Connectors connectors = outbox::makeConnectors(settings.config);
  if (crm) crm->addConnectors(connectors);
  outbox::RelayOptions relayOptions = outbox::relayOptionsOf(settings.config);
  relayOptions.batch = std::min(relayOptions.batch, kSharedOutboxBatch);
  relayOptions.lease = kSharedLease;
  relayOptions.onRecorded = [&metrics, &metricsMutex](const store::EffectRecord& effect) {
    std::lock_guard lock(metricsMutex);
    if (metrics) metrics->countOutboxResult(effect.status);
  };
  relayOptions.onInFlight = [&metrics, &metricsMutex](uint64_t inFlight) {
    std::lock_guard lock(metricsMutex);
    if (metrics) metrics->outboxInFlight = inFlight;
  };
  outbox::OutboxRelay relay(crm ? crm->relayStore() : *store, connectors, relayOptions, clock);

  // The versions the HTTP side reads deals with follow the worker's
  // (a deal not moved yet is read with its own).
  std::mutex versionsMutex;
  LiveVersions* serverVersions = nullptr;  // once the server exists
  std::vector<std::pair<LiveVersions::Version, bool>> versionsBefore;
  auto addVersion = [](LiveVersions& to, const LiveVersions::Version& v, bool current) {
    current ? to.add(v) : to.addEarlier(v);
  };

  std::unique_ptr<WorkerIntake> intake;
  std::unique_ptr<SharedWorker> worker;
  try {
    intake = std::make_unique<WorkerIntake>(
        clock,
        IntakeOptions{.conninfo = *conninfo, .notify = !settings.pgPollOnly, .maxBatch = settings.server.maxBatch});
    WorkerOptions w;
    w.conninfo = *conninfo;
    w.moduleVersion = moduleVersion;
    w.pollOnly = settings.pgPollOnly;
    w.onCommit = [&relay] { relay.wake(); };
    if (crm) crm->configure(w);
    w.deploy.onVersion = [&](const LiveVersions::Version& v, bool current) {
      std::lock_guard lock(versionsMutex);
      if (serverVersions) {
        addVersion(*serverVersions, v, current);
      } else {
        versionsBefore.emplace_back(v, current);
      }
    };
    w.deploy.report = report.deployed;
    // /metrics' voronka_deployment_* follow the journal as this worker sees it.
    w.deploy.progress = [&metrics, &metricsMutex](int64_t id, int64_t moved, int64_t inStore, bool running) {
      std::lock_guard lock(metricsMutex);
      if (!metrics) return;
      metrics->deployment.id = id;
      metrics->deployment.dealsMoved = moved;
      metrics->deployment.dealsAtStart = inStore;
      metrics->deployment.running = running ? 1 : 0;
    };
    worker = std::make_unique<SharedWorker>(*served, clock, w);
  } catch (const std::exception& e) {
    return failWith(setup(e.what()));
  }

  ServerOptions options = settings.server;
  options.moduleVersion = moduleVersion;
  // The intake's commits are this server's writes: GET /readyz and the
  // event counters of /metrics follow them.
  options.intake = [&](std::vector<nlohmann::json> events, std::optional<IdempotencyClaim> claim) {
    std::vector<WriteResult> results = intake->apply(std::move(events), std::move(claim));
    std::lock_guard lock(metricsMutex);
    if (!metrics) return results;
    bool stored = results.empty() || results[0].stored;
    if (stored) {
      metrics->writes.succeeded();
      for (const WriteResult& r : results) metrics->countEvent(engine::statusName(r.outcome.status));
    } else {
      metrics->countStoreFailure();
      metrics->writes.failed(results[0].outcome.message);
    }
    return results;
  };
  std::string label = workerLabel();
  options.extraMetrics = [&] {
    return workerMetrics(label, worker->counters(), store->outboxCounters()) + (crm ? crm->metrics(label) : "");
  };
  if (crm) {
    options.extraRoutes.push_back(crm->route());
    // As on one server with --crm: one crm.toml binding cannot read deals on two versions while they move.
    ModuleRouteSettings routeSettings;
    routeSettings.tokensConfigured = !settings.server.tokens.empty();
    routeSettings.refusal =
        "shared workers with --crm take a new version while all of them are stopped, not through the API: the "
        "CRM's webhooks are matched against each deal's stage with one crm.toml binding, which cannot read deals on "
        "two versions while they move. Stop every worker, run `voronka deploy NEW.funnelc --store postgres:…` "
        "(check crm.toml against it first: `voronka check --crm crm.toml NEW.funnel`), then start them on "
        "NEW.funnelc";
    options.extraRoutes.push_back(moduleRoute(*store, clock, routeSettings, [](const std::string&) {}));
  } else {
    // A deployment starts in the store; every worker moves deals (worker_deploy.h).
    options.extraRoutes.push_back(
        sharedModuleRoute(*store, *conninfo, clock, !settings.server.tokens.empty(), report.deployed));
  }
  for (ExtraRoute& route : deploymentRoutes(*store)) options.extraRoutes.push_back(std::move(route));

  // The console reads the PostgreSQL store through a connection of its own;
  // a retried dead letter is claimed by whichever worker's relay comes first.
  console::ConsoleSettings consoleSettings;
  consoleSettings.module = served.get();
  consoleSettings.store = store.get();
  consoleSettings.storeSpec = settings.config.server.store;
  consoleSettings.tokens = {settings.config.server.tokens, settings.config.server.readTokens};
  consoleSettings.moduleVersion = moduleVersion;
  consoleSettings.clock = &clock;
  consoleSettings.wakeRelay = [&relay] { relay.wake(); };
  consoleSettings.running = [&]() -> console::RunningModule {
    std::lock_guard lock(versionsMutex);
    if (!serverVersions) return {};
    LiveVersions::Version v = serverVersions->current();
    return {v.module, v.id};
  };
  consoleSettings.moduleOf = [&](const std::string& version) -> std::shared_ptr<const bc::Module> {
    std::lock_guard lock(versionsMutex);
    return serverVersions ? serverVersions->moduleOf(version) : nullptr;
  };
  options.webApps = {console::consoleApp(std::move(consoleSettings))};

  std::unique_ptr<Server> server;
  int port = 0;
  try {
    server = std::make_unique<Server>(*served, *store, clock, options);
    {
      std::lock_guard lock(versionsMutex);
      serverVersions = &server->writer().versions();
      for (const auto& [v, current] : versionsBefore) addVersion(*serverVersions, v, current);
    }
    port = server->start();
  } catch (const std::exception& e) {
    return failWith(setup(e.what()));
  }
  {
    std::lock_guard lock(metricsMutex);
    metrics = &server->metrics();
  }
  if (crm) crm->startPolling(server->writer());
  std::atomic<bool> stopRelay{false};
  std::thread relayThread([&] { relay.runUntilStopped(stopRelay); });
  std::mutex renewMutex;
  std::condition_variable renewWake;
  bool stopLeases = false;  // after the relay: its last deliveries keep their leases
  std::thread leaseThread([&] {
    std::unique_lock lock(renewMutex);
    while (!renewWake.wait_for(lock, kLeaseRenewal, [&] { return stopLeases; })) {
      try {
        store->extendLeases(clock.now() + kSharedLease);
      } catch (const std::exception&) {}  // the database is away: the leases run out, others take over
    }
  });
  if (report.listening) report.listening(port);

  int received = waitForServeSignal(signals);
  if (report.stopping) report.stopping(stopSignalName(received));

  {
    std::lock_guard lock(metricsMutex);
    metrics = nullptr;
  }
  if (crm) crm->stop();  // the leader's drain in hand ends first: it writes through the server
  server->stop();        // answers the requests in flight (their events are in the inbox)
  intake->stop();
  worker->stop();  // finishes its batch
  // The relay waits for its deliveries in flight (each within its timeout)
  // and records them, while their leases are still extended.
  stopRelay = true;
  relay.wake();
  relayThread.join();
  {
    std::lock_guard lock(renewMutex);
    stopLeases = true;
  }
  renewWake.notify_all();
  leaseThread.join();
  {
    std::lock_guard lock(versionsMutex);
    serverVersions = nullptr;
  }
  server.reset();
  if (report.stopped) report.stopped();
  return {};
}

}  // namespace voronka::server
