// The store `voronka serve --store` names, opened for one server: the
// address parsed, the lock taken (store_lock.h), the database opened.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "runtime/server/serve_error.h"
#include "runtime/server/store_lock.h"
#include "runtime/store/sqlite_store.h"
#include "runtime/store/store.h"

namespace voronka::server {

struct OpenStore {
  StoreLock lock;  // held as long as the store is open
  std::unique_ptr<store::Store> store;
};

// `spec` is sqlite:PATH (or a bare PATH), or postgres:CONNINFO (libpq's
// key=value pairs or URI; postgresql:… and a bare postgresql:// URI too).
// `synchronous` is SQLite's; PostgreSQL's durability is the server's.
Result<OpenStore, ServeError> openStore(const std::string& spec, store::Synchronous synchronous);

// libpq's connection string when `spec` names a PostgreSQL store.
std::optional<std::string> postgresConninfo(const std::string& spec);

// `spec` for messages and logs: a PostgreSQL connection string without its password.
std::string printableStore(const std::string& spec);

}  // namespace voronka::server
