// What `voronka serve --tenants` needs of a tenant's runtime: the server
// answering its requests (handed over by the front server), its version,
// more /metrics lines, and a stop. A ClientRuntime (the tenant's store with
// one writer) or, with --workers shared, a SharedWorkerRuntime (one of many
// processes on the tenant's PostgreSQL store, as a client's shared workers).
#pragma once

#include <memory>
#include <string>

namespace voronka::server {

class Server;

class HostedRuntime {
 public:
  virtual ~HostedRuntime() = default;
  // The server answering now; null while stopping or deploying. A request
  // holds it until answered: stop() waits for that.
  virtual std::shared_ptr<Server> serving() const = 0;
  // The version new events are applied with.
  virtual std::string version() const = 0;
  // How it serves its store, for GET /admin/tenants: "one" (this process
  // alone) or "shared" (one of the shared workers).
  virtual const char* workers() const { return "one"; }
  // Lines for the front's GET /metrics beyond the server's own (the shared
  // workers' counters).
  virtual std::string extraMetrics() const { return ""; }
  // Stops accepting, finishes what is in flight, closes the store. Idempotent.
  virtual void stop() = 0;
};

}  // namespace voronka::server
