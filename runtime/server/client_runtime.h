// One client's runtime, as `voronka serve MODULE` runs it and as each tenant
// of `voronka serve --tenants` runs it: the store opened and locked, the
// module put on it, pending effects made due, the CRM mirror, the outbox
// relay on its thread, and the Server answering the client's API (with its
// writer and timers). serve.cpp and tenant_registry.cpp only decide where
// requests come from and when to stop.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "runtime/server/hosted_runtime.h"
#include "runtime/server/serve.h"

namespace voronka::console {
struct ConsoleSettings;
}

namespace voronka::server {

class ClientRuntime : public HostedRuntime {
 public:
  struct Hooks {
    // What putting a module on the store did: at open, and when a deployment
    // through POST /v1/modules starts and ends (then on the writer thread).
    std::function<void(const std::string&)> deployed;
    // Mounts the console elsewhere than /console, for other logins
    // (tenants_serve: /t/ID/console, the tenant switcher): changes the
    // settings the runtime made.
    std::function<void(console::ConsoleSettings&)> console;
  };

  // Opens the store and puts the module on it: `settings.module`, or loaded
  // from `settings.moduleBytes`, or, when both are empty, the version the
  // store runs. Fails before anything runs (Refused: the store is locked or
  // the plan falls short).
  static Result<std::unique_ptr<ClientRuntime>, ServeError> open(ServeSettings settings, Hooks hooks);
  ~ClientRuntime() override;

  // Starts the relay and the server: listening on settings.server's host and
  // port (returns the bound port), or, with settings.server.connections.threads
  // == 0, answering only the requests another server hands over (returns 0).
  Result<int, ServeError> start();
  // The server answering now; null after stop(). A deployment through
  // POST /v1/modules runs inside it (live_deploy.h), so it stays.
  // A request holds it until answered: stop() and deployments wait for that.
  std::shared_ptr<Server> serving() const override;
  // The version new events are applied with (runtime/deploy's content
  // hash): the one put on the store at start, or a deployment's since.
  std::string version() const override;
  // Stops accepting, finishes the requests and events in flight, stops the
  // relay and closes the store. Idempotent.
  void stop() override;

  struct Parts;

 private:
  explicit ClientRuntime(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace voronka::server
