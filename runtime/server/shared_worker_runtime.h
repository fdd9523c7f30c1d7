// One client's shared worker (docs/scaling.md): this process as one of any
// number on the client's PostgreSQL store. Its intake writes events into the
// store's shared inbox (worker_intake.h), its worker claims the deals with
// due work (worker_loop.h) and follows the store's deployments
// (worker_deploy.h: POST /v1/modules to any process), its relay delivers the
// outbox under leases fenced by the attempt number, and with a CRM it works
// through the CRM's shared state (worker_crm.h). Any process may be killed;
// the others take its deals over.
//
// `voronka serve --workers shared` runs one, listening itself
// (worker_serve.cpp); `voronka serve --tenants --workers shared` runs one
// per tenant, answering what the front server hands it (tenant_registry.cpp).
// A tenant is a client's shared workers plus a tenant id, which its store
// remembers, and the tenant's tokens.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "runtime/server/client_runtime.h"
#include "runtime/server/hosted_runtime.h"
#include "runtime/server/serve.h"

namespace voronka::server {

class SharedWorkerRuntime : public HostedRuntime {
 public:
  // Connects to the store and, under the start lock the workers take turns
  // on, decides the module served (worker_deploy.h, sharedStartModule: the
  // given one, or the store's version when the given one ran before; with no
  // module, the store's version), checks the CRM binding against it and puts
  // it on the store. Refused (Refused) when the store runs a version the
  // module never was, or is another tenant's. Nothing runs yet.
  //
  // `tenant`: empty for a client's own shared workers. Else the store
  // remembers the tenant whose shared workers first served it (its meta
  // "tenant"): shared workers do not lock each other out, so two entries
  // naming one store in two spellings (or in two processes' files) would
  // otherwise serve each other's deals to each other's tokens.
  static Result<std::unique_ptr<SharedWorkerRuntime>, ServeError> open(ServeSettings settings, std::string tenant,
                                                                       ClientRuntime::Hooks hooks);
  ~SharedWorkerRuntime() override;

  // Starts the intake, the worker, the server, the relay and the lease
  // renewal: listening on settings.server's host and port (returns the
  // bound port), or, with settings.server.connections.threads == 0,
  // answering only what another server hands over (returns 0).
  Result<int, ServeError> start();

  std::shared_ptr<Server> serving() const override;
  // The version this worker applies new events with: the one it started
  // with, or a deployment's since.
  std::string version() const override;
  const char* workers() const override { return "shared"; }
  std::string extraMetrics() const override;
  // Answers the requests in flight (their events are in the inbox), lets the
  // worker finish its batch and the relay its deliveries, closes the store.
  // Idempotent.
  void stop() override;

  struct Parts;

 private:
  explicit SharedWorkerRuntime(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace voronka::server
