#include "runtime/server/serve.h"

#include <signal.h>

#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "runtime/bytecode/container.h"
#include "runtime/crm/crm_service.h"
#include "runtime/crm/mapping.h"
#include "runtime/deploy/version_id.h"
#include "runtime/engine/clock.h"
#include "runtime/outbox/relay.h"
#include "runtime/server/live_deploy.h"
#include "runtime/server/metrics.h"
#include "runtime/server/module_identity.h"
#include "runtime/server/module_route.h"
#include "runtime/server/open_store.h"
#include "runtime/server/worker_serve.h"

namespace voronka::server {

namespace {

ServeError setup(std::string message) { return {ServeError::Kind::Setup, std::move(message)}; }

// Effects claimed by a previous run that stopped before recording the
// result wait for their claim to run out; only one server runs a store, so
// none of them is in flight now: try every pending effect again at once.
void makePendingEffectsDue(store::Store& store, int64_t now) {
  constexpr size_t kAllPending = 1'000'000;
  auto tx = store.begin();
  for (store::EffectRecord e : tx->effectsWithStatus("pending", kAllPending)) {
    if (e.nextAttemptAt <= now) continue;
    e.nextAttemptAt = now;
    tx->putEffect(e);
  }
  tx->commit();
}

// SIGTERM and SIGINT, blocked here so that every thread started later
// inherits the mask and only waitForStopSignal receives them.
sigset_t blockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

const char* waitForSignal(const sigset_t& signals) {
  int received = 0;
  sigwait(&signals, &received);
  return received == SIGTERM ? "SIGTERM" : "SIGINT";
}

}  // namespace

Result<void, ServeError> serve(const ServeSettings& settings, const ServeReport& report) {
  if (settings.sharedWorkers) return serveSharedWorkers(settings, report);
  Result<OpenStore, ServeError> opened = openStore(settings.config.server.store, settings.synchronous);
  if (!opened) return failWith(opened.error());
  // Declared first, destroyed last: the lock is released after the store closes.
  StoreLock lock = std::move(opened->lock);
  std::unique_ptr<store::Store> store = std::move(opened->store);

  engine::RealClock clock;
  // With a CRM, crm.toml must fit the module before the store is put on it
  // (a new version may have lost a stage the CRM binding names).
  if (settings.crm) {
    auto mapping = crm::Mapping::resolve(*settings.crm, *settings.module);
    if (!mapping) {
      std::string message = "crm.toml does not fit the module; nothing was deployed or changed:";
      for (const auto& e : mapping.error()) message += "\n  " + e;
      message += "\nbind the module's stages, fields and users in crm.toml, then start again";
      return failWith(setup(message));
    }
  }
  // A deployment to this module interrupted in the middle (kill -9) goes on
  // while the server serves, as through the API; with a CRM it finishes
  // before the server listens (its webhooks read one version).
  std::unique_ptr<deploy::Migration> resumed;
  try {
    if (std::optional<std::string> left = sharedWorkLeft(*store))
      return failWith(ServeError{ServeError::Kind::Refused, *left});
    if (!settings.crm) resumed = resumeDeployment(*store, settings.moduleBytes, settings.modulePath, clock);
    if (resumed) {
      if (report.deployed)
        report.deployed(fmt::format("resuming deployment {} (version {} over {}) while serving",
                                    resumed->progress().deployment, resumed->toVersion(),
                                    resumed->progress().fromVersion));
    } else {
      Result<std::string> claimed =
          claimStoreForModule(*store, settings.moduleBytes, settings.modulePath, settings.plan, clock);
      if (!claimed) return failWith(ServeError{ServeError::Kind::Refused, claimed.error()});
      if (report.deployed) report.deployed(*claimed);
    }
    makePendingEffectsDue(*store, clock.now());
  } catch (const std::exception& e) {  // StoreError
    return failWith(setup(e.what()));
  }

  sigset_t signals = blockStopSignals();

  // The relay counts its results straight into the server's /metrics. The
  // server (and its metrics) is made after the relay, which its commits wake,
  // so the relay reads it under a lock.
  std::mutex metricsMutex;
  Metrics* metrics = nullptr;
  outbox::Connectors connectors = outbox::makeConnectors(settings.config);
  // With a CRM the engine works through the CRM mirror, whose commits add the CRM's calls.
  std::unique_ptr<crm::CrmService> crmService;
  store::Store* engineStore = store.get();
  if (settings.crm) {
    auto opened = crm::CrmService::open(*settings.crm, *settings.module, *store, clock);
    if (!opened) {
      std::string message = "crm.toml does not fit the module:";
      for (const auto& e : opened.error()) message += "\n  " + e;
      return failWith(setup(message));
    }
    crmService = std::move(*opened);
    crmService->addConnectors(connectors);
    engineStore = &crmService->engineStore();
  }
  outbox::RelayOptions relayOptions = outbox::relayOptionsOf(settings.config);
  relayOptions.onRecorded = [&metrics, &metricsMutex](const store::EffectRecord& effect) {
    std::lock_guard lock(metricsMutex);
    if (metrics) metrics->countOutboxResult(effect.status);
  };
  // With --crm the relay claims through the mirror too: it groups the CRM's calls for batching.
  outbox::OutboxRelay relay(*engineStore, connectors, relayOptions, clock);

  // POST /v1/modules: the server's writer moves the deals while events go on.
  ModuleRouteSettings routeSettings;
  routeSettings.tokensConfigured = !settings.server.tokens.empty();
  if (settings.crm) {
    // Not plumbing alone: the CRM's webhooks are read on the HTTP threads
    // against the deal as stored, with one crm.toml binding, so while deals
    // run on two versions a webhook would be read with the wrong stages.
    routeSettings.refusal =
        "a server with --crm takes a new version at a restart, not through the API: the CRM's webhooks are matched "
        "against each deal's stage with one crm.toml binding, which cannot read deals on two versions while they "
        "move. Stop the server and run `voronka serve NEW.funnelc --plan plan.toml --crm crm.toml …`: crm.toml is "
        "checked against the new version first (nothing changes when a stage it binds is gone), then the deals "
        "move, then the server listens";
  }

  ServerOptions options = settings.server;
  options.moduleVersion = deploy::moduleVersionOf(settings.moduleBytes);
  options.onCommit = [&relay] { relay.wake(); };
  if (crmService) options.extraRoutes.push_back(crmService->route());
  std::mutex reportMutex;
  options.extraRoutes.push_back(moduleRoute(*engineStore, clock, routeSettings, [&](const std::string& line) {
    std::lock_guard lock(reportMutex);
    if (report.deployed) report.deployed(line);
  }));
  for (ExtraRoute& route : deploymentRoutes(*store)) options.extraRoutes.push_back(std::move(route));
  const bc::Module* module = settings.module;
  std::unique_ptr<Server> server;
  int port = 0;
  auto startServer = [&]() -> std::optional<ServeError> {
    try {
      server = std::make_unique<Server>(*module, *engineStore, clock, options);
      if (resumed) {  // installed before the first event can arrive
        const deploy::DeployOutcome& r = resumed->progress();
        std::shared_ptr<const bc::Module> from = resumed->source();
        server->writer().versions().addEarlier({from, std::make_shared<engine::Names>(*from), r.fromVersion});
        server->writer().migrate([&]() -> std::unique_ptr<LiveMigration> {
          std::string version = resumed->toVersion();
          return std::make_unique<LiveDeployment>(resumed->target(), version, std::move(resumed), *engineStore, clock,
                                                  server->metrics(),
                                                  LiveDeployOptions{.onDone = [&](const std::string& line) {
                                                    std::lock_guard lock(reportMutex);
                                                    if (report.deployed) report.deployed(line);
                                                  }});
        });
      }
      port = server->start();
    } catch (const std::exception& e) {  // the socket cannot be bound, a time zone is unknown
      return setup(e.what());
    }
    std::lock_guard lock(metricsMutex);
    metrics = &server->metrics();
    return std::nullopt;
  };
  if (auto failed = startServer()) return failWith(*failed);
  std::atomic<bool> stopRelay{false};
  std::thread relayThread([&] { relay.runUntilStopped(stopRelay); });

  if (report.listening) report.listening(port);
  const char* signal = waitForSignal(signals);
  if (report.stopping) report.stopping(signal);

  {
    std::lock_guard lock(metricsMutex);
    metrics = nullptr;
  }
  server->stop();
  stopRelay = true;
  relay.wake();
  relayThread.join();
  server.reset();
  crmService.reset();
  store.reset();
  if (report.stopped) report.stopped();
  return {};
}

}  // namespace voronka::server
