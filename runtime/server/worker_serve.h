// `voronka serve --workers shared`: one of any number of servers on one
// PostgreSQL store (docs/scaling.md), the client's shared worker
// (shared_worker_runtime.h) listening itself until SIGTERM or SIGINT. Any
// process may be killed at any moment; the others go on, and take its deals
// over as soon as PostgreSQL has rolled its transaction back.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"
#include "runtime/server/serve.h"
#include "runtime/store/store.h"

namespace voronka::server {

Result<void, ServeError> serveSharedWorkers(const ServeSettings& settings, const ServeReport& report);

// A single server (`--workers one`) on a PostgreSQL store would never apply
// events shared workers acknowledged and left in the inbox: why it must not
// start, or nothing.
std::optional<std::string> sharedWorkLeft(store::Store& store);

}  // namespace voronka::server
