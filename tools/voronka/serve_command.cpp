// `voronka serve MODULE [--store sqlite:PATH] [--listen HOST:PORT] [--config serve.toml]`:
// the durable runtime. Events come in over HTTP, are applied by the engine
// and made durable in group commits; timers fire as they fall due (late
// ones after a restart, once); the outbox relay delivers effects. SIGTERM or
// SIGINT stops it gracefully: nothing acknowledged is lost.
#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "common/hash.h"
#include "runtime/bytecode/container.h"
#include "runtime/engine/clock.h"
#include "runtime/outbox/config.h"
#include "runtime/outbox/relay.h"
#include "runtime/server/metrics.h"
#include "runtime/server/server.h"
#include "runtime/store/sqlite_store.h"
#include "tools/voronka/commands.h"
#include "tools/voronka/module_file.h"
#include "tools/voronka/store_lock.h"

namespace voronka::tool {

namespace {

struct ServeOptions {
  std::string module;
  std::string store;
  std::string listen;
  std::string config;
  std::string synchronous = "full";
  std::vector<std::string> tokens;
};

// The store a `--store` names: sqlite:PATH (the default kind), later
// postgres:…. The lock keeps other servers off it while this one runs.
std::unique_ptr<store::Store> openStore(const std::string& spec, store::Synchronous sync, std::optional<StoreLock>& lock,
                                        std::string& error, bool& inUse) {
  std::string kind = "sqlite", where = spec;
  size_t colon = spec.find(':');
  if (colon != std::string::npos) {
    kind = spec.substr(0, colon);
    where = spec.substr(colon + 1);
  }
  if (kind == "postgres" || kind == "postgresql") {
    error = "the PostgreSQL store is not built yet; use --store sqlite:PATH";
    return nullptr;
  }
  if (kind != "sqlite") {
    error = fmt::format("unknown store \"{}\"; use --store sqlite:PATH", spec);
    return nullptr;
  }
  if (where.empty()) {
    error = "--store sqlite: needs a file path, like sqlite:voronka.db";
    return nullptr;
  }
  lock = StoreLock::acquire(where, error);
  if (!lock) {
    inUse = true;
    return nullptr;
  }
  try {
    return std::make_unique<store::SqliteStore>(where, store::SqliteOptions{sync});
  } catch (const std::exception& e) {
    error = e.what();
    return nullptr;
  }
}

// A store remembers the module it runs: its deals refer to pipelines, stages
// and rules by position, so another module must not pick them up.
bool checkModuleIdentity(store::Store& store, const std::string& moduleBytes, const std::string& modulePath, std::string& error) {
  std::string checksum = fmt::format("{:016x}", fnv1a(moduleBytes));
  auto tx = store.begin();
  std::optional<std::string> known = tx->meta("module_checksum");
  if (known && *known != checksum && tx->counts().deals > 0) {
    error = fmt::format(
        "the store was written by another module ({}, checksum {}; this one is {}): its deals refer to pipelines, stages "
        "and rules by position and would be misread. Serve the module it was started with, or start a new store "
        "(--store sqlite:NEW.db); moving deals to a changed funnel is not supported yet",
        tx->meta("module_path").value_or("?"), *known, checksum);
    return false;
  }
  tx->putMeta("module_checksum", checksum);
  tx->putMeta("module_path", modulePath);
  tx->commit();
  return true;
}

int runServe(const ServeOptions& o) {
  int status = 0;
  std::optional<ModuleFile> file = loadModuleFile(o.module, status);
  if (!file) return status;
  const bc::Module& module = file->module;
  std::string error;

  outbox::ServeConfig config;
  if (!o.config.empty()) {
    std::vector<std::string> errors;
    std::optional<outbox::ServeConfig> loaded = outbox::loadServeConfig(o.config, errors);
    if (!loaded) {
      for (const auto& e : errors) std::cerr << e << "\n";
      std::cerr << "voronka: error: fix " << o.config << " (docs/serve.md lists every key)\n";
      return 2;
    }
    config = std::move(*loaded);
  }
  // The command line wins over the file.
  if (!o.listen.empty()) config.server.listen = o.listen;
  if (!o.store.empty()) config.server.store = o.store;
  if (!o.tokens.empty()) config.server.tokens = o.tokens;

  server::ServerOptions options;
  if (!server::parseListen(config.server.listen, options.host, options.port)) {
    std::cerr << fmt::format("voronka: error: cannot listen on \"{}\": give HOST:PORT, like 127.0.0.1:8080\n", config.server.listen);
    return 2;
  }
  if (config.server.tokens.empty() && !server::isLoopback(options.host)) {
    std::cerr << fmt::format(
        "voronka: error: listening on {} without an API token would let anyone on the network change deals; set "
        "[server] tokens in the config (or --token), or listen on 127.0.0.1\n",
        options.host);
    return 2;
  }
  options.tokens = config.server.tokens;
  options.maxBodyBytes = static_cast<size_t>(config.server.maxBodyBytes);

  std::optional<StoreLock> storeLock;  // released after the store closes, at the end of this function
  bool storeInUse = false;
  std::unique_ptr<store::Store> store =
      openStore(config.server.store, o.synchronous == "normal" ? store::Synchronous::Normal : store::Synchronous::Full,
                storeLock, error, storeInUse);
  if (!store) {
    std::cerr << "voronka: error: " << error << "\n";
    return storeInUse ? 1 : 2;
  }
  if (!checkModuleIdentity(*store, file->bytes, o.module, error)) {
    std::cerr << "voronka: error: " << error << "\n";
    return 1;
  }

  // Effects claimed by a previous run that stopped before recording the
  // result wait for their claim to run out; only one server runs a store, so
  // none of them is in flight now: try every pending effect again at once.
  try {
    auto tx = store->begin();
    int64_t now = engine::RealClock().now();
    for (store::EffectRecord e : tx->effectsWithStatus("pending", 1'000'000)) {
      if (e.nextAttemptAt <= now) continue;
      e.nextAttemptAt = now;
      tx->putEffect(e);
    }
    tx->commit();
  } catch (const std::exception& e) {
    std::cerr << "voronka: error: " << e.what() << "\n";
    return 2;
  }

  // SIGTERM and SIGINT are waited for by this thread only.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  engine::RealClock clock;
  outbox::Connectors connectors = outbox::makeConnectors(config);
  outbox::RelayOptions relayOptions = outbox::relayOptionsOf(config);
  outbox::OutboxRelay relay(*store, connectors, relayOptions, clock);
  options.onCommit = [&relay] { relay.wake(); };

  std::unique_ptr<server::Server> srv;
  int port = 0;
  try {
    srv = std::make_unique<server::Server>(module, *store, clock, options);
    port = srv->start();
  } catch (const std::exception& e) {
    std::cerr << "voronka: error: " << e.what() << "\n";
    return 2;
  }
  std::atomic<bool> stopRelay{false};
  server::Metrics& metrics = srv->metrics();
  std::thread relayThread([&] { relay.runUntilStopped(stopRelay); });
  // The relay's totals, copied into /metrics once a second.
  std::atomic<bool> stopCounters{false};
  std::thread countersThread([&] {
    while (!stopCounters) {
      outbox::RelayCounters c = relay.counters();
      metrics.outboxDelivered = c.delivered;
      metrics.outboxRetried = c.retried;
      metrics.outboxDead = c.dead;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });

  std::string host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  std::cout << fmt::format("voronka serve: listening on http://{}:{} (store {}, module {}: {} pipelines)", host, port,
                           config.server.store, o.module, module.pipelines.size())
            << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  std::cerr << fmt::format("voronka serve: {} received, stopping: finishing the requests in flight\n",
                           received == SIGTERM ? "SIGTERM" : "SIGINT");
  srv->stop();
  stopRelay = true;
  relay.wake();
  relayThread.join();
  stopCounters = true;
  countersThread.join();
  srv.reset();
  store.reset();
  std::cerr << "voronka serve: stopped\n";
  return 0;
}

}  // namespace

Runner addServeCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "Run a module for live deals: HTTP API, durable store, timers, outbox delivery");
  auto o = std::make_shared<ServeOptions>();
  cmd->add_option("module", o->module, "A .funnelc file made by `voronka build`")->required();
  cmd->add_option("--store", o->store, "Where deals live: sqlite:PATH (default sqlite:voronka.db, or [server] store)");
  cmd->add_option("--listen", o->listen, "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks a free one)");
  cmd->add_option("--config", o->config, "serve.toml: tokens, limits, outbox delivery (docs/serve.md)");
  cmd->add_option("--token", o->tokens, "An accepted API token (Authorization: Bearer TOKEN); repeatable");
  cmd->add_option("--synchronous", o->synchronous, "SQLite durability: `full` (every commit on disk, the default) or `normal` (faster; a power cut may lose the last commits)")
      ->check(CLI::IsMember({"full", "normal"}));
  cmd->footer(
      "API (docs/serve.md): POST /v1/events, POST /v1/deals, GET /v1/deals/ID, POST /v1/deals/ID/move,\n"
      "GET /v1/pipelines, GET /v1/outbox?status=dead, GET /healthz, GET /metrics.\n"
      "An event is answered after it is durable (202); SIGTERM stops after finishing what is in flight.\n"
      "Exit status: 0 stopped by a signal, 1 the module or store cannot be used, 2 usage, config or I/O error.");
  return [o]() { return runServe(*o); };
}

}  // namespace voronka::tool
