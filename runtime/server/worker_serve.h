// `voronka serve --workers shared`: one of any number of servers on one
// PostgreSQL store (docs/scaling.md). Each process takes events into the
// shared inbox (worker_intake.h), applies what is due on any deal through
// its worker (worker_loop.h), and delivers the outbox with leases fenced by
// the attempt number. Any process may be killed at any moment; the others
// go on, and take its deals over as soon as PostgreSQL has rolled its
// transaction back.
#pragma once

#include "common/result.h"
#include "runtime/server/serve.h"

namespace voronka::server {

Result<void, ServeError> serveSharedWorkers(const ServeSettings& settings, const ServeReport& report);

}  // namespace voronka::server
