#include "runtime/server/client_runtime.h"

#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "runtime/bytecode/container.h"
#include "runtime/console/console_app.h"
#include "runtime/crm/crm_service.h"
#include "runtime/crm/mapping.h"
#include "runtime/deploy/deploy.h"
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

// The module the store runs now, for a client configured without one.
Result<std::string> storeModuleBytes(store::Store& store, int64_t now) {
  auto tx = store.begin();
  std::string active = tx->meta("active_version").value_or("");
  if (active.empty())
    return fail("the store runs no version of a funnel yet: give a module (a .funnelc file) the first time");
  std::optional<std::string> bytes = deploy::keptModuleBytes(*tx, active, now);
  if (!bytes) return fail("the store runs version " + active + ", whose module it does not keep: give the module");
  tx->commit();
  return *bytes;
}

}  // namespace

struct ClientRuntime::Parts {
  Parts(ServeSettings s, Hooks h, OpenStore opened)
      : settings(std::move(s)), hooks(std::move(h)), lock(std::move(opened.lock)), store(std::move(opened.store)) {}

  ServeSettings settings;
  Hooks hooks;
  // Declared first, destroyed last: the lock is released after the store closes.
  StoreLock lock;
  std::unique_ptr<store::Store> store;
  engine::RealClock clock;
  std::unique_ptr<bc::Module> ownModule;  // loaded here, or put in place by a deployment
  const bc::Module* module = nullptr;
  // With a CRM the engine works through the CRM mirror, whose commits add the CRM's calls.
  std::unique_ptr<crm::CrmService> crmService;
  store::Store* engineStore = nullptr;
  outbox::Connectors connectors;
  std::unique_ptr<outbox::OutboxRelay> relay;
  std::atomic<bool> stopRelay{false};
  std::thread relayThread;
  ServerOptions options;
  int port = 0;
  mutable std::mutex serverMutex;
  std::shared_ptr<Server> server;
  // A deployment to this module interrupted in the middle (kill -9): it goes
  // on while the server serves, as one through the API does.
  std::unique_ptr<deploy::Migration> resumed;
  std::mutex reportMutex;  // hooks.deployed is called from the writer thread too
  bool stopped = false;

  void reportDeployed(const std::string& line) {
    std::lock_guard guard(reportMutex);
    if (hooks.deployed) hooks.deployed(line);
  }

  std::shared_ptr<Server> takeServer() {
    std::lock_guard guard(serverMutex);
    return std::move(server);
  }

  // Waits until no request holds the server (they hold it only while they
  // are answered), then stops it: its writer finishes what is queued.
  static void retire(std::shared_ptr<Server> s) {
    if (!s) return;
    while (s.use_count() > 1) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    s->stop();
  }

  Result<void, ServeError> startServer() {
    try {
      // The console lives in the server only: its read-only store connection closes before the store does.
      ServerOptions withConsole = options;
      withConsole.webApps = {console::consoleApp(consoleSettings())};
      auto s = std::make_shared<Server>(*module, *engineStore, clock, std::move(withConsole));
      if (resumed) installResumedDeployment(*s);  // before the first event can arrive
      if (options.connections.threads > 0) port = s->start();
      std::lock_guard guard(serverMutex);
      server = std::move(s);
    } catch (const std::exception& e) {  // the socket cannot be bound, a time zone is unknown
      return failWith(setup(e.what()));
    }
    return {};
  }

  // The console follows the versions the server's writer knows: a
  // deployment through POST /v1/modules makes its version the board's.
  console::ConsoleSettings consoleSettings() {
    console::ConsoleSettings c;
    c.module = module;
    c.store = engineStore;
    c.storeSpec = settings.config.server.store;
    c.tokens = {settings.config.server.tokens, settings.config.server.readTokens};
    c.moduleVersion = options.moduleVersion;
    c.clock = &clock;
    c.wakeRelay = [this] { relay->wake(); };
    c.running = [this]() -> console::RunningModule {
      std::shared_ptr<Server> s = serving();
      if (!s) return {};
      LiveVersions::Version v = s->writer().versions().current();
      return {v.module, v.id};
    };
    c.moduleOf = [this](const std::string& version) -> std::shared_ptr<const bc::Module> {
      std::shared_ptr<Server> s = serving();
      return s ? s->writer().versions().moduleOf(version) : nullptr;
    };
    if (hooks.console) hooks.console(c);
    return c;
  }

  std::shared_ptr<Server> serving() {
    std::lock_guard guard(serverMutex);
    return server;
  }

  void installResumedDeployment(Server& s) {
    const deploy::DeployOutcome& r = resumed->progress();
    std::shared_ptr<const bc::Module> from = resumed->source();
    s.writer().versions().addEarlier({from, std::make_shared<engine::Names>(*from), r.fromVersion});
    s.writer().migrate([this, &s]() -> std::unique_ptr<LiveMigration> {
      std::string version = resumed->toVersion();
      return std::make_unique<LiveDeployment>(
          resumed->target(), version, std::move(resumed), *engineStore, clock, s.metrics(),
          LiveDeployOptions{.onDone = [this](const std::string& line) { reportDeployed(line); }});
    });
  }
};

ClientRuntime::ClientRuntime(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

ClientRuntime::~ClientRuntime() { stop(); }

Result<std::unique_ptr<ClientRuntime>, ServeError> ClientRuntime::open(ServeSettings settings, Hooks hooks) {
  Result<OpenStore, ServeError> opened = openStore(settings.config.server.store, settings.synchronous);
  if (!opened) return failWith(opened.error());
  auto parts = std::make_unique<Parts>(std::move(settings), std::move(hooks), std::move(*opened));
  Parts& p = *parts;
  ServeSettings& s = p.settings;
  try {
    if (!s.module) {
      if (s.moduleBytes.empty()) {
        Result<std::string> kept = storeModuleBytes(*p.store, p.clock.now());
        if (!kept) return failWith(setup(kept.error()));
        s.moduleBytes = std::move(*kept);
        if (s.modulePath.empty()) s.modulePath = "the store's version " + deploy::moduleVersionOf(s.moduleBytes);
      }
      try {
        p.ownModule = std::make_unique<bc::Module>(bc::load(s.moduleBytes));
      } catch (const bc::LoadError& e) {
        return failWith(setup(s.modulePath + ": " + e.what()));
      }
      s.module = p.ownModule.get();
    }
    p.module = s.module;
    // With a CRM, crm.toml must fit the module before the store is put on it
    // (a new version may have lost a stage the CRM binding names).
    if (s.crm) {
      auto mapping = crm::Mapping::resolve(*s.crm, *p.module);
      if (!mapping) {
        std::string message = "crm.toml does not fit the module; nothing was deployed or changed:";
        for (const auto& e : mapping.error()) message += "\n  " + e;
        message += "\nbind the module's stages, fields and users in crm.toml, then start again";
        return failWith(setup(message));
      }
    }
    if (std::optional<std::string> left = sharedWorkLeft(*p.store))
      return failWith(ServeError{ServeError::Kind::Refused, *left});
    // With a CRM an interrupted deployment finishes before the server
    // listens (its webhooks read one version).
    if (!s.crm) p.resumed = resumeDeployment(*p.store, s.moduleBytes, s.modulePath, p.clock);
    if (p.resumed) {
      p.reportDeployed(fmt::format("resuming deployment {} (version {} over {}) while serving",
                                   p.resumed->progress().deployment, p.resumed->toVersion(),
                                   p.resumed->progress().fromVersion));
    } else {
      Result<std::string> claimed = claimStoreForModule(*p.store, s.moduleBytes, s.modulePath, s.plan, p.clock);
      if (!claimed) return failWith(ServeError{ServeError::Kind::Refused, claimed.error()});
      p.reportDeployed(*claimed);
    }
    makePendingEffectsDue(*p.store, p.clock.now());
  } catch (const std::exception& e) {  // StoreError
    return failWith(setup(e.what()));
  }

  p.connectors = outbox::makeConnectors(s.config);
  p.engineStore = p.store.get();
  if (s.crm) {
    auto crm = crm::CrmService::open(*s.crm, *p.module, *p.store, p.clock);
    if (!crm) {
      std::string message = "crm.toml does not fit the module:";
      for (const auto& e : crm.error()) message += "\n  " + e;
      return failWith(setup(message));
    }
    p.crmService = std::move(*crm);
    p.crmService->addConnectors(p.connectors);
    p.engineStore = &p.crmService->engineStore();
  }
  // The relay counts its results straight into the server's /metrics; the
  // server is made after the relay, so the relay asks for the current one.
  outbox::RelayOptions relayOptions = outbox::relayOptionsOf(s.config);
  relayOptions.onRecorded = [&p](const store::EffectRecord& effect) {
    std::shared_ptr<Server> server;
    {
      std::lock_guard guard(p.serverMutex);
      server = p.server;
    }
    if (server) server->metrics().countOutboxResult(effect.status);
  };
  relayOptions.onInFlight = [&p](uint64_t inFlight) {
    std::lock_guard guard(p.serverMutex);
    if (p.server) p.server->metrics().outboxInFlight = inFlight;
  };
  // With --crm the relay claims through the mirror too: it groups the CRM's calls for batching.
  p.relay = std::make_unique<outbox::OutboxRelay>(*p.engineStore, p.connectors, relayOptions, p.clock);

  ModuleRouteSettings routeSettings;
  routeSettings.tokensConfigured = !s.server.tokens.empty();
  if (s.crm) {
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
  p.options = s.server;
  p.options.moduleVersion = deploy::moduleVersionOf(s.moduleBytes);
  p.options.onCommit = [&p] { p.relay->wake(); };
  if (p.crmService) p.options.extraRoutes.push_back(p.crmService->route());
  // POST /v1/modules: the server's writer moves the deals while events go on.
  p.options.extraRoutes.push_back(
      moduleRoute(*p.engineStore, p.clock, routeSettings, [&p](const std::string& line) { p.reportDeployed(line); }));
  for (ExtraRoute& route : deploymentRoutes(*p.store)) p.options.extraRoutes.push_back(std::move(route));
  return std::unique_ptr<ClientRuntime>(new ClientRuntime(std::move(parts)));
}

Result<int, ServeError> ClientRuntime::start() {
  Parts& p = *parts_;
  if (auto started = p.startServer(); !started) return failWith(started.error());
  p.relayThread = std::thread([&p] { p.relay->runUntilStopped(p.stopRelay); });
  // Bitrix24's offline_poll: one server leads alone.
  if (p.crmService) {
    p.crmService->startPolling("", [&p](const std::function<void(EventWriter&)>& drain) {
      if (std::shared_ptr<Server> s = p.serving()) drain(s->writer());
    });
  }
  return p.port;
}

std::shared_ptr<Server> ClientRuntime::serving() const {
  std::lock_guard guard(parts_->serverMutex);
  return parts_->server;
}

std::string ClientRuntime::version() const {
  std::lock_guard guard(parts_->serverMutex);
  // A deployment through the API makes its version current in the writer.
  if (parts_->server) return parts_->server->writer().versions().current().id;
  return parts_->options.moduleVersion;
}

void ClientRuntime::stop() {
  Parts& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  if (p.crmService) p.crmService->stopPolling();  // its drain holds the server
  Parts::retire(p.takeServer());
  if (p.relayThread.joinable()) {
    p.stopRelay = true;
    p.relay->wake();
    p.relayThread.join();
  }
  p.relay.reset();
  p.crmService.reset();
  p.store.reset();
  p.lock = StoreLock::none();  // another runtime may open the store now
}

}  // namespace voronka::server
