// The web console of `voronka serve` at /console (docs/console.md): the
// pages (embedded static files) and the JSON they read, behind a login with
// the server's tokens. Mounted on the server as a WebApp (web_app.h).
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "runtime/bytecode/module.h"
#include "runtime/console/sessions.h"
#include "runtime/engine/clock.h"
#include "runtime/outbox/config.h"
#include "runtime/server/web_app.h"
#include "runtime/store/store.h"

namespace voronka::console {

struct ConsoleSettings {
  const bc::Module* module = nullptr;
  store::Store* store = nullptr;  // the server's: a retried dead letter is written here
  // The store's address: an SQLite store is read through a read-only
  // connection of its own, so a long page never holds up the writer.
  std::string storeSpec;
  LoginTokens tokens;
  std::string moduleVersion;
  engine::Clock* clock = nullptr;
  std::function<void()> wakeRelay;  // a retried dead letter is due at once
  // The tenant switcher's hook: the tenants this login may switch to
  // ([{"name", "title", "url"}]); none until multi-tenant serving lands.
  std::function<nlohmann::json()> tenants;
  int64_t statsCacheSeconds = 60;  // how long the board's p90 per stage is reused
};

server::WebApp consoleApp(ConsoleSettings settings);

// What `voronka serve` mounts: its module, store, tokens, clock and relay.
server::WebApp consoleApp(const bc::Module& module, store::Store& store, const outbox::ServerSettings& server,
                          const std::string& moduleVersion, engine::Clock& clock, std::function<void()> wakeRelay);

}  // namespace voronka::console
