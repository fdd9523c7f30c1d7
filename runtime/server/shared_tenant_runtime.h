// A tenant of `voronka serve --tenants tenants.toml --workers shared`
// (docs/scaling.md): this process is one of the shared workers on the
// tenant's PostgreSQL store, as `voronka serve --workers shared` is for one
// client. Its intake writes the tenant's events into the store's shared
// inbox, its worker claims the deals with due work (events, timers), its
// relay delivers the outbox under leases; its server answers only what the
// front server hands it. Any number of processes run the same tenant; any
// may be killed, the others take its deals over.
#pragma once

#include <memory>

#include "common/result.h"
#include "runtime/server/client_runtime.h"
#include "runtime/server/hosted_runtime.h"
#include "runtime/server/serve.h"

namespace voronka::server {

class SharedTenantRuntime : public HostedRuntime {
 public:
  // Connects to the tenant's store and puts the module on it (or, with no
  // module, takes the version the store runs), as a shared worker starting
  // does: refused (Refused) when the store runs another version, or is
  // another tenant's. Nothing runs yet.
  //
  // A store remembers the tenant whose shared workers first served it (its
  // meta "tenant"): shared workers do not lock each other out, so two
  // entries naming one store in two spellings (or in two processes' files)
  // would otherwise serve each other's deals to each other's tokens.
  static Result<std::unique_ptr<SharedTenantRuntime>, ServeError> open(const std::string& tenant,
                                                                       ServeSettings settings,
                                                                       ClientRuntime::Hooks hooks);
  ~SharedTenantRuntime() override;

  // Starts the intake, the worker, the relay and the lease renewal.
  Result<void, ServeError> start();

  std::shared_ptr<Server> serving() const override;
  std::string version() const override;
  const char* workers() const override { return "shared"; }
  std::string extraMetrics() const override;
  // Answers the requests in flight (their events are in the inbox), lets the
  // worker finish its batch and the relay its deliveries, closes the store.
  void stop() override;

  struct Parts;

 private:
  explicit SharedTenantRuntime(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace voronka::server
