// The NOTIFY channels of a store's shared workers (pg_work_queue.h), one of
// each kind per store, named after its schema: `Work` wakes the workers (the
// intake's events, a deployment), `Applied` tells the intakes that a worker
// applied events a caller waits for (POST /v1/deals). Tenants kept in
// schemas of one database (`serve --tenants`) wake only their own. PostgreSQL cuts identifiers at 63 bytes: a long
// schema name keeps its start and ends in a hash of the whole, so two long names that start alike still get channels of
// their own.
#pragma once

#include <string>

#include "runtime/store/pg_db.h"

namespace voronka::store::pg {

enum class Channel { Work, Applied };

// "voronka_work." (or "voronka_done.") + schema, at most 63 bytes (unquoted).
std::string wakeChannelOf(const std::string& schema, Channel channel = Channel::Work);
// `LISTEN "…"` / `NOTIFY "…"` of the schema's channel, the name quoted.
std::string listenSql(const std::string& schema, Channel channel = Channel::Work);
std::string notifySql(const std::string& schema, Channel channel = Channel::Work);
// The schema of the connection's store (its search_path's first), as the store opens it.
std::string storeSchema(Conn& conn);

}  // namespace voronka::store::pg
