// `voronka serve MODULE [--store sqlite:PATH|postgres:CONNINFO] [--listen HOST:PORT] [--config serve.toml]`:
// the durable runtime. Events come in over HTTP, are applied by the engine
// and made durable in group commits; timers fire as they fall due (late
// ones after a restart, once); the outbox relay delivers effects. SIGTERM or
// SIGINT stops it gracefully: nothing acknowledged is lost.
//
// This file only turns options and serve.toml into settings and prints;
// the serving process itself is runtime/server/serve.h.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <optional>

#include "runtime/crm/crm_config.h"
#include "runtime/outbox/config.h"
#include "runtime/server/open_store.h"
#include "runtime/server/serve.h"
#include "runtime/server/tenants_config.h"
#include "runtime/server/tenants_serve.h"
#include "runtime/server/tenants_shared_config.h"
#include "tools/voronka/commands.h"
#include "tools/voronka/module_file.h"

namespace voronka::tool {

namespace {

struct ServeOptions {
  std::string module;
  std::string store;
  std::string listen;
  std::string config;
  std::string synchronous = "full";
  std::string crm;
  std::string plan;
  std::string tenants;
  bool check = false;  // with --tenants: read the file, print its problems, exit
  std::vector<std::string> tokens;
  std::vector<std::string> readTokens;
  // Hardening (docs/operations.md): connections, deadlines, readiness.
  size_t httpThreads = 16;
  size_t maxConnectionsPerClient = 64;
  double headerTimeout = 10;
  int64_t readyMaxBacklog = 10000;
  std::vector<std::string> allowWebhookHosts;
  int32_t outboxConcurrency = 0;  // 0: [outbox] concurrency
  int32_t outboxPerTarget = 0;    // 0: [outbox] per_target
  std::string workers = "one";    // one, shared (docs/scaling.md)
  bool pgPollOnly = false;
  int workerThreads = 0;  // 0: not given (1)
};

// The first option given that only --workers shared takes, when it is not shared.
std::optional<std::string> sharedOnlyOption(const ServeOptions& o) {
  if (o.workers == "shared") return std::nullopt;
  if (o.pgPollOnly) return "--pg-poll-only";
  if (o.workerThreads > 0) return "--worker-threads";
  return std::nullopt;
}

// `voronka serve --tenants tenants.toml --check`: what a reload would refuse,
// before sending SIGHUP. Only the files are read; no store is opened.
int checkTenants(const ServeOptions& o) {
  auto file = server::loadTenantsFile(o.tenants);
  if (!file) {
    for (const auto& e : file.error()) std::cerr << e << "\n";
    return 2;
  }
  // With --workers shared an entry this process could not share is one more problem.
  if (o.workers == "shared") server::refuseUnsharedTenants(*file);
  for (const auto& e : file->errors) std::cerr << e << "\n";
  std::cout << fmt::format("{}: {} tenant{} ready to run, {} with problems\n", o.tenants, file->tenants.size(),
                           file->tenants.size() == 1 ? "" : "s", file->broken.size());
  return file->errors.empty() ? 0 : 2;
}

// `voronka serve --tenants tenants.toml`: many clients in one process; with
// --workers shared, in each of any number of processes.
int runTenants(const ServeOptions& o) {
  server::TenantsServeSettings settings;
  settings.file = o.tenants;
  settings.listen = o.listen;
  settings.connections.threads = o.httpThreads;
  settings.connections.maxPerClient = o.maxConnectionsPerClient;
  settings.connections.headDeadline = std::chrono::milliseconds(static_cast<int64_t>(o.headerTimeout * 1000));
  settings.readyMaxBacklog = o.readyMaxBacklog;
  settings.allowWebhookHosts = o.allowWebhookHosts;
  settings.sharedWorkers = o.workers == "shared";
  settings.pgPollOnly = o.pgPollOnly;
  settings.workerThreads = std::max(o.workerThreads, 1);
  server::TenantsServeReport report;
  report.listening = [](const std::string& host, int port, size_t tenants) {
    std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    std::cout << fmt::format("voronka serve: listening on http://{}:{} ({} tenant{})", shown, port, tenants,
                             tenants == 1 ? "" : "s")
              << std::endl;
  };
  report.stopping = [](const char* signal) {
    std::cerr << fmt::format("voronka serve: {} received, stopping: finishing the requests in flight\n", signal);
  };
  report.stopped = [] { std::cerr << "voronka serve: stopped\n"; };
  report.log = [](const std::string& what) { std::cerr << "voronka serve: " << what << std::endl; };
  Result<void, server::ServeError> served = server::serveTenants(settings, report);
  if (!served) {
    std::cerr << "voronka: error: " << served.error().message << "\n";
    return served.error().kind == server::ServeError::Kind::Refused ? 1 : 2;
  }
  return 0;
}

int runServe(const ServeOptions& o) {
  if (!o.tenants.empty()) {
    if (!o.module.empty() || !o.store.empty() || !o.config.empty() || !o.crm.empty() || !o.plan.empty() ||
        !o.tokens.empty() || o.synchronous != "full") {
      std::cerr << "voronka: error: with --tenants, each tenant's module, store, tokens, config, CRM, plan and "
                   "synchronous are in tenants.toml (docs/serve.md#tenants); give only --tenants and the server's "
                   "options (--listen, --http-threads, …)\n";
      return 2;
    }
    if (o.outboxConcurrency > 0 || o.outboxPerTarget > 0) {
      std::cerr << "voronka: error: with --tenants, each tenant's outbox is set in its config: [outbox] concurrency "
                   "and per_target (docs/serve.md#outbox)\n";
      return 2;
    }
    if (std::optional<std::string> unshared = sharedOnlyOption(o)) {
      std::cerr << "voronka: error: " << *unshared << " is an option of --workers shared\n";
      return 2;
    }
    return o.check ? checkTenants(o) : runTenants(o);
  }
  if (o.check) {
    std::cerr << "voronka: error: --check reads a tenants file: voronka serve --tenants tenants.toml --check\n";
    return 2;
  }
  if (o.module.empty()) {
    std::cerr << "voronka: error: give the module to serve (a .funnelc file), or --tenants tenants.toml\n";
    return 2;
  }
  int status = 0;
  std::optional<ModuleFile> file = loadModuleFile(o.module, status);
  if (!file) return status;
  const bc::Module& module = file->module;

  server::ServeSettings settings;
  if (!o.config.empty()) {
    Result<outbox::ServeConfig, outbox::ConfigErrors> loaded = outbox::loadServeConfig(o.config);
    if (!loaded) {
      for (const auto& e : loaded.error()) std::cerr << e << "\n";
      std::cerr << "voronka: error: fix " << o.config << " (docs/serve.md lists every key)\n";
      return 2;
    }
    settings.config = std::move(*loaded);
  }
  if (!o.crm.empty()) {
    auto loaded = crm::loadCrmConfig(o.crm);
    if (!loaded) {
      for (const auto& e : loaded.error()) std::cerr << e << "\n";
      std::cerr << "voronka: error: fix " << o.crm << " (docs/crm.md lists every key)\n";
      return 2;
    }
    settings.crm = std::move(*loaded);
  }
  if (!o.plan.empty()) {
    auto plan = deploy::readPlan(o.plan);
    if (!plan) {
      for (const auto& e : plan.error()) std::cerr << e << "\n";
      std::cerr << "voronka: error: fix " << o.plan << " (docs/versions.md describes the plan)\n";
      return 2;
    }
    settings.plan = std::move(*plan);
  }
  outbox::ServeConfig& config = settings.config;
  // The command line wins over the file.
  if (!o.listen.empty()) config.server.listen = o.listen;
  if (!o.store.empty()) config.server.store = o.store;
  if (!o.tokens.empty()) config.server.tokens = o.tokens;
  if (!o.readTokens.empty()) config.server.readTokens = o.readTokens;
  for (const auto& host : o.allowWebhookHosts) config.webhook.allowHosts.push_back(host);
  if (o.outboxConcurrency > 0) config.outbox.concurrency = o.outboxConcurrency;
  if (o.outboxPerTarget > 0) config.outbox.perTarget = o.outboxPerTarget;

  server::ServerOptions& options = settings.server;
  Result<server::ListenAddress> listen = server::parseListen(config.server.listen);
  if (!listen) {
    std::cerr << fmt::format("voronka: error: cannot listen on \"{}\": {}\n", config.server.listen, listen.error());
    return 2;
  }
  options.host = listen->host;
  options.port = listen->port;
  if (config.server.tokens.empty() && !server::isLoopback(options.host)) {
    std::cerr << fmt::format(
        "voronka: error: listening on {} without an API token would let anyone on the network change deals; set "
        "[server] tokens in the config (or --token), or listen on 127.0.0.1\n",
        options.host);
    return 2;
  }
  options.tokens = config.server.tokens;
  options.maxBodyBytes = static_cast<size_t>(config.server.maxBodyBytes);
  options.connections.threads = o.httpThreads;
  options.connections.maxPerClient = o.maxConnectionsPerClient;
  options.connections.headDeadline = std::chrono::milliseconds(static_cast<int64_t>(o.headerTimeout * 1000));
  options.readyMaxBacklog = o.readyMaxBacklog;
  settings.module = &module;
  settings.moduleBytes = file->bytes;
  settings.modulePath = o.module;
  settings.synchronous = o.synchronous == "normal" ? store::Synchronous::Normal : store::Synchronous::Full;
  settings.sharedWorkers = o.workers == "shared";
  settings.pgPollOnly = o.pgPollOnly;
  settings.workerThreads = std::max(o.workerThreads, 1);
  if (std::optional<std::string> unshared = sharedOnlyOption(o)) {
    std::cerr << "voronka: error: " << *unshared << " is an option of --workers shared\n";
    return 2;
  }

  server::ServeReport report;
  report.listening = [&](int port) {
    std::string host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
    std::cout << fmt::format("voronka serve: listening on http://{}:{} (store {}, module {}: {} pipelines)", host, port,
                             server::printableStore(config.server.store), o.module, module.pipelines.size())
              << std::endl;
  };
  report.stopping = [](const char* signal) {
    std::cerr << fmt::format("voronka serve: {} received, stopping: finishing the requests in flight\n", signal);
  };
  report.stopped = [] { std::cerr << "voronka serve: stopped\n"; };
  report.deployed = [](const std::string& what) { std::cerr << "voronka serve: " << what << "\n"; };

  Result<void, server::ServeError> served = server::serve(settings, report);
  if (!served) {
    std::cerr << "voronka: error: " << served.error().message << "\n";
    return served.error().kind == server::ServeError::Kind::Refused ? 1 : 2;
  }
  return 0;
}

}  // namespace

Runner addServeCommand(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("serve", "Run a module for live deals: HTTP API, durable store, timers, outbox delivery");
  auto o = std::make_shared<ServeOptions>();
  cmd->add_option("module", o->module, "A .funnelc file made by `voronka build` (not with --tenants)");
  cmd->add_option("--store", o->store,
                  "Where deals live: sqlite:PATH (default sqlite:voronka.db, or [server] store) or postgres:CONNINFO "
                  "(libpq's key=value pairs or a postgresql:// URI; docs/scaling.md)");
  cmd->add_option("--listen", o->listen, "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks a free one)");
  cmd->add_option("--config", o->config, "serve.toml: tokens, limits, outbox delivery (docs/serve.md)");
  cmd->add_option("--crm", o->crm, "crm.toml: run the funnel on the client's amoCRM or Bitrix24 (docs/crm.md)");
  cmd->add_option("--plan", o->plan,
                  "plan.toml: how deals move when the store runs another version of the funnel (docs/versions.md)");
  cmd->add_option("--tenants", o->tenants,
                  "tenants.toml: host many clients, each with its store, module, tokens, CRM and outbox settings "
                  "and its web console at /t/TENANT/console/; SIGHUP or POST /admin/reload applies changes "
                  "(docs/serve.md#tenants)");
  cmd->add_flag("--check", o->check,
                "With --tenants: check tenants.toml and the files it names, print every problem, and exit (0: none)");
  cmd->add_option("--token", o->tokens, "An accepted API token (Authorization: Bearer TOKEN); repeatable");
  cmd->add_option("--read-token", o->readTokens,
                  "A read-only login of the web console at /console (docs/console.md); repeatable");
  cmd->add_option(
         "--synchronous", o->synchronous,
         "SQLite durability: `full` (every commit on disk, the default) or `normal` (faster; a power cut may lose the last commits)")
      ->check(CLI::IsMember({"full", "normal"}));
  cmd->add_option("--http-threads", o->httpThreads, "Threads answering requests (default 16)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--max-connections-per-client", o->maxConnectionsPerClient,
                  "Open connections one IP address may have; more are refused with 503 (default 64)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--header-timeout", o->headerTimeout,
                  "Seconds a request's headers may take to arrive from its first byte; then 408 (default 10)")
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--allow-webhook-host", o->allowWebhookHosts,
                  "A host webhooks may reach though it resolves to a loopback, private or link-local address "
                  "(refused by default); repeatable, `*` for every host");
  cmd->add_option("--outbox-concurrency", o->outboxConcurrency,
                  "Outbox deliveries in flight at once (default 8, or [outbox] concurrency)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--outbox-per-target", o->outboxPerTarget,
                  "Outbox deliveries in flight to one receiver (a webhook's scheme+host+port, the SMTP server, a "
                  "gateway kind); a slow receiver holds only these (default 2, or [outbox] per_target)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--ready-max-backlog", o->readyMaxBacklog,
                  "GET /readyz answers 503 while more effects than this wait in the outbox (default 10000)")
      ->check(CLI::Range(int64_t{0}, INT64_MAX));
  cmd->add_option("--workers", o->workers,
                  "`one` (the default: this server alone serves the store) or `shared`: one of any number of "
                  "servers on one PostgreSQL store, any of which may stop or die; with --tenants, one of any "
                  "number of servers of every tenant, each tenant on PostgreSQL (docs/scaling.md)")
      ->check(CLI::IsMember({"one", "shared"}));
  cmd->add_flag("--pg-poll-only", o->pgPollOnly,
                "With --workers shared: no LISTEN/NOTIFY wake-ups, only a poll each second (behind PgBouncer in "
                "transaction pooling mode)");
  cmd->add_option(
         "--worker-threads", o->workerThreads,
         "With --workers shared: claim loops in this process, each with an engine and PostgreSQL connections of its own "
         "(default 1); one process with N of them fires about as many timers as N processes "
         "(docs/scaling.md)")
      ->check(CLI::Range(1, 64));
  cmd->footer(
      "API (docs/serve.md): POST /v1/events, POST /v1/deals, GET /v1/deals/ID, POST /v1/deals/ID/move,\n"
      "GET /v1/pipelines, GET /v1/outbox?status=dead, GET /healthz, GET /readyz, GET /metrics;\n"
      "with --crm: POST /v1/crm/amocrm/SECRET or /v1/crm/bitrix24/SECRET (the CRM's webhooks).\n"
      "An event is answered after it is durable (202); SIGTERM stops after finishing what is in flight.\n"
      "A store that runs another version of the funnel is deployed to first, as --plan says (or refused, saying\n"
      "what the plan lacks); POST /v1/modules deploys a new version to a running server (token required).\n"
      "With --workers shared: POST /v1/modules to any worker deploys to all of them, serving on; a worker\n"
      "serves the store's version (a version the store never ran is refused: deploy it through a worker).\n"
      "With --tenants tenants.toml: one server for many clients, each at /t/TENANT/v1/… (or /v1/… with its token);\n"
      "add --workers shared to run any number of such servers behind a load balancer, every tenant on PostgreSQL.\n"
      "Exit status: 0 stopped by a signal, 1 the module or store cannot be used, 2 usage, config or I/O error\n"
      "(the store unreadable, read-only or full at start); docs/operations.md.");

  return [o]() { return runServe(*o); };
}

}  // namespace voronka::tool
