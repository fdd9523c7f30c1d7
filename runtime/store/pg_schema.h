// The PostgreSQL store's tables, and the migrations that bring a schema
// written by an older Voronka up to this one's version.
//
// A store lives in one PostgreSQL schema: the first schema of the
// connection's search_path (`options=-csearch_path=NAME` in the connection
// string picks another). Its version is the one row of the voronka_store
// table. Migration N turns version N-1 into N, each in one transaction: a
// failure leaves the schema at its previous version. (The PostgreSQL store's
// versions count on their own: they are not the SQLite file's.)
#pragma once

#include "runtime/store/pg_db.h"

namespace voronka::store::pg {

inline constexpr int kSchemaVersion = 6;  // what this build writes

// Brings the connection's schema to kSchemaVersion (creating the tables in an
// empty schema). Refuses a schema that has other tables but no store, or a
// store from a newer Voronka, with a message naming the database and schema.
void migrate(Conn& conn, const std::string& schema);

}  // namespace voronka::store::pg
