// The web console of `voronka serve` at /console (docs/console.md): the
// pages (embedded static files) and the JSON they read, behind a login with
// the server's tokens. Mounted on the server as a WebApp (web_app.h).
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>

#include "runtime/bytecode/module.h"
#include "runtime/console/sessions.h"
#include "runtime/engine/clock.h"
#include "runtime/server/web_app.h"
#include "runtime/store/store.h"

namespace voronka::console {

// The module version the server applies events with now.
struct RunningModule {
  std::shared_ptr<const bc::Module> module;
  std::string version;
};

struct ConsoleSettings {
  const bc::Module* module = nullptr;  // the module the server started with
  store::Store* store = nullptr;       // the server's: a retried dead letter is written here
  // The store's address: an SQLite store is read through a read-only
  // connection of its own, so a long page never holds up the writer.
  std::string storeSpec;
  LoginTokens tokens;
  std::string moduleVersion;
  engine::Clock* clock = nullptr;
  std::function<void()> wakeRelay;  // a retried dead letter is due at once
  // A deployment through POST /v1/modules changes the running version while
  // the server runs: the console asks each time. Unset: `module` and
  // `moduleVersion` throughout.
  std::function<RunningModule()> running;
  // The module a deal recorded as running on `version` is read with (deals
  // wait on the old one while a deployment moves them); null or unset: the
  // running one.
  std::function<std::shared_ptr<const bc::Module>(const std::string& version)> moduleOf;

  // Where it is mounted: "" → /console; "/t/shop" → /t/shop/console
  // (`serve --tenants`), its session cookie's path too.
  std::string mount;
  // Whose sessions it answers (Session::scope): "" or a tenant's id.
  std::string scope;
  // The tenants file's admin tokens: a login with one sees every tenant
  // (scope kEveryTenant, its cookie on /t/). Unset: none.
  std::function<bool(const std::string& token)> isOperatorToken;
  // The tenant switcher: the tenants a session of `scope` may switch to,
  // [{"name", "title", "url"}], asked each time (a reload adds and removes
  // them). Unset: none (a single server).
  std::function<nlohmann::json(const std::string& scope)> tenants;
  int64_t statsCacheSeconds = 60;  // how long the board's p90 per stage is reused
};

server::WebApp consoleApp(ConsoleSettings settings);

}  // namespace voronka::console
