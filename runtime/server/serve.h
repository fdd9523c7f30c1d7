// The serving process of `voronka serve`: one module and one store behind
// the HTTP server, the timers, and the outbox relay, until SIGTERM or SIGINT.
// The command line only works out the settings and prints what this reports.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/result.h"
#include "runtime/bytecode/module.h"
#include "runtime/crm/crm_config.h"
#include "runtime/deploy/plan.h"
#include "runtime/outbox/config.h"
#include "runtime/server/serve_error.h"
#include "runtime/server/server.h"
#include "runtime/store/sqlite_store.h"

namespace voronka::server {

struct ServeSettings {
  const bc::Module* module = nullptr;  // loaded and verified
  std::string moduleBytes;             // as read: the store remembers their checksum
  std::string modulePath;
  outbox::ServeConfig config;  // serve.toml with the command line's values applied
  ServerOptions server;        // host, port, tokens and limits from `config`
  store::Synchronous synchronous = store::Synchronous::Full;
  std::optional<crm::CrmConfig> crm;  // --crm crm.toml: the client's amoCRM or Bitrix24 (docs/crm.md)
  deploy::Plan plan;                  // --plan: how deals move when the store runs another version
  // --workers shared: one of many servers on one PostgreSQL store (worker_serve.h);
  // --pg-poll-only: no LISTEN/NOTIFY (behind PgBouncer in transaction mode);
  // --worker-threads: claim loops in this process, each on its own connection.
  bool sharedWorkers = false;
  bool pgPollOnly = false;
  int workerThreads = 1;
};

// What the process has to tell its operator; the wording is the caller's.
struct ServeReport {
  std::function<void(int port)> listening;           // accepting requests on `port`
  std::function<void(const char* signal)> stopping;  // "SIGTERM" or "SIGINT" received
  std::function<void()> stopped;                     // everything acknowledged is durable
  std::function<void(const std::string&)> deployed;  // what putting the module on the store did
};

// Opens and locks the store, claims it for the module, makes pending effects
// due, starts the server and the relay and serves until SIGTERM or SIGINT;
// then stops accepting, finishes the requests and events in flight, stops the
// relay and closes the store. Fails before serving when something cannot be
// set up. Blocks SIGTERM and SIGINT in the calling thread (and so in every
// thread it starts).
Result<void, ServeError> serve(const ServeSettings& settings, const ServeReport& report);

}  // namespace voronka::server
