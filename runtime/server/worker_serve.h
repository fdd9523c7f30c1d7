// `voronka serve --workers shared`: one of any number of servers on one
// PostgreSQL store (docs/scaling.md). Each process takes events into the
// shared inbox (worker_intake.h), applies what is due on any deal through
// its worker (worker_loop.h), and delivers the outbox with leases fenced by
// the attempt number. Any process may be killed at any moment; the others
// go on, and take its deals over as soon as PostgreSQL has rolled its
// transaction back.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "runtime/server/serve.h"
#include "runtime/server/worker_loop.h"
#include "runtime/store/pg_store.h"

namespace voronka::server {

Result<void, ServeError> serveSharedWorkers(const ServeSettings& settings, const ServeReport& report);

// A single server (`--workers one`) on a PostgreSQL store would never apply
// events shared workers acknowledged and left in the inbox: why it must not
// start, or nothing.
std::optional<std::string> sharedWorkLeft(store::Store& store);

// What every shared worker uses, for the tenants' (shared_tenant_runtime.h):
// the outbox's batch and lease, how often a live worker extends its leases,
// the lock workers starting together take turns on, and their /metrics lines.
struct SharedWorkerTuning {
  size_t outboxBatch;
  int64_t lease;  // seconds
  std::chrono::seconds leaseRenewal;
  const char* startLock;  // SQL
};
SharedWorkerTuning sharedWorkerTuning();
std::string sharedWorkerLabel();  // host:pid
std::string sharedWorkerMetrics(const std::string& label, const WorkerCounters& worker,
                                const store::SharedOutboxCounters& outbox);

}  // namespace voronka::server
