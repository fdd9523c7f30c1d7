#include "runtime/server/serve.h"

#include <signal.h>

#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "runtime/bytecode/container.h"
#include "runtime/crm/crm_service.h"
#include "runtime/deploy/version_id.h"
#include "runtime/engine/clock.h"
#include "runtime/outbox/relay.h"
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
// SIGUSR1 is how POST /v1/modules wakes the main thread to deploy.
sigset_t blockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

const char* waitForSignal(const sigset_t& signals) {
  int received = 0;
  sigwait(&signals, &received);
  if (received == SIGUSR1) return "SIGUSR1";
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
  try {
    if (std::optional<std::string> left = sharedWorkLeft(*store))
      return failWith(ServeError{ServeError::Kind::Refused, *left});
    Result<std::string> claimed =
        claimStoreForModule(*store, settings.moduleBytes, settings.modulePath, settings.plan, clock);
    if (!claimed) return failWith(ServeError{ServeError::Kind::Refused, claimed.error()});
    if (report.deployed) report.deployed(*claimed);
    makePendingEffectsDue(*store, clock.now());
  } catch (const std::exception& e) {  // StoreError
    return failWith(setup(e.what()));
  }

  sigset_t signals = blockStopSignals();

  // The relay counts its results straight into the server's /metrics. The
  // server (and its metrics) is made after the relay, which its commits wake;
  // a deployment replaces the server, so the relay reads it under a lock.
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

  // POST /v1/modules hands a checked upload over and wakes this thread.
  std::mutex uploadMutex;
  std::optional<ModuleUpload> upload;
  ModuleRouteSettings routeSettings;
  routeSettings.tokensConfigured = !settings.server.tokens.empty();
  if (settings.crm) {
    routeSettings.refusal =
        "a server with --crm takes a new version at a restart: `voronka serve NEW.funnelc --plan plan.toml --crm …`";
  }

  ServerOptions options = settings.server;
  options.moduleVersion = deploy::moduleVersionOf(settings.moduleBytes);
  options.onCommit = [&relay] { relay.wake(); };
  if (crmService) options.extraRoutes.push_back(crmService->route());
  options.extraRoutes.push_back(moduleRoute(*store, clock, routeSettings, [&](ModuleUpload u) {
    {
      std::lock_guard lock(uploadMutex);
      upload = std::move(u);
    }
    kill(getpid(), SIGUSR1);
  }));
  const bc::Module* module = settings.module;
  std::unique_ptr<bc::Module> deployedModule;  // the module a deployment put in place, if any
  std::unique_ptr<Server> server;
  int port = 0;
  auto startServer = [&]() -> std::optional<ServeError> {
    try {
      server = std::make_unique<Server>(*module, *engineStore, clock, options);
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
  const char* signal = nullptr;
  for (;;) {
    signal = waitForSignal(signals);
    if (std::string_view(signal) != "SIGUSR1") break;
    std::optional<ModuleUpload> next;
    {
      std::lock_guard lock(uploadMutex);
      next.swap(upload);
    }
    if (!next) continue;
    // Events stop while the deals move: every one in flight is applied
    // first, and none is applied by the old version after its deal moved.
    {
      std::lock_guard lock(metricsMutex);
      metrics = nullptr;
    }
    server->stop();
    server.reset();
    try {
      Result<std::string> done =
          claimStoreForModule(*store, next->bytes, "POST /v1/modules", next->plan, clock, next->by);
      if (done) {
        deployedModule = std::make_unique<bc::Module>(bc::load(next->bytes));
        module = deployedModule.get();
        options.moduleVersion = deploy::moduleVersionOf(next->bytes);
      }
      if (report.deployed) report.deployed(done ? *done : "POST /v1/modules refused: " + done.error());
    } catch (const std::exception& e) {  // StoreError: the old version goes on serving
      if (report.deployed) report.deployed(std::string("POST /v1/modules failed: ") + e.what());
    }
    options.port = port;  // the same port again
    if (auto failed = startServer()) {
      stopRelay = true;
      relay.wake();
      relayThread.join();
      return failWith(*failed);
    }
  }
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
