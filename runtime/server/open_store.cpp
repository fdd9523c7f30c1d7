#include "runtime/server/open_store.h"

#include <fmt/format.h>

#include "runtime/store/pg_db.h"
#include "runtime/store/pg_store.h"

namespace voronka::server {

namespace {

ServeError setup(std::string message) { return {ServeError::Kind::Setup, std::move(message)}; }

struct StoreSpec {
  std::string kind;   // sqlite, postgres
  std::string where;  // the path, or libpq's connection string
};

StoreSpec parse(const std::string& spec) {
  // A URI is passed to libpq whole (serve.toml's store = "postgresql://…").
  if (spec.rfind("postgres://", 0) == 0 || spec.rfind("postgresql://", 0) == 0) return {"postgres", spec};
  size_t colon = spec.find(':');
  if (colon == std::string::npos) return {"sqlite", spec};
  std::string kind = spec.substr(0, colon);
  return {kind == "postgresql" ? "postgres" : kind, spec.substr(colon + 1)};
}

}  // namespace

std::optional<std::string> postgresConninfo(const std::string& spec) {
  StoreSpec s = parse(spec);
  if (s.kind != "postgres") return std::nullopt;
  return s.where;
}

std::string printableStore(const std::string& spec) {
  StoreSpec s = parse(spec);
  return s.kind == "postgres" ? "postgres:" + store::pg::describeConninfo(s.where) : spec;
}

Result<OpenStore, ServeError> openStore(const std::string& spec, store::Synchronous synchronous) {
  auto [kind, where] = parse(spec);
  if (kind == "postgres") {
    if (where.empty()) {
      return failWith(
          setup("--store postgres: needs a connection string, like postgres:host=/run/postgresql "
                "dbname=voronka or postgresql://user@host/voronka"));
    }
    // The PostgreSQL store locks itself (an advisory lock on its schema).
    try {
      return OpenStore{StoreLock::none(), std::make_unique<store::PostgresStore>(where)};
    } catch (const store::StoreBusy& e) {
      return failWith(ServeError{ServeError::Kind::Refused, e.what()});
    } catch (const std::exception& e) {  // StoreError: cannot connect, not a store, a newer schema
      return failWith(setup(e.what()));
    }
  }
  if (kind != "sqlite") {
    return failWith(setup(fmt::format("unknown store \"{}\"; use --store sqlite:PATH or postgres:CONNINFO", spec)));
  }
  if (where.empty()) return failWith(setup("--store sqlite: needs a file path, like sqlite:voronka.db"));

  // The lock first: a second server must not even open the database.
  Result<StoreLock> lock = StoreLock::acquire(where);
  if (!lock) return failWith(ServeError{ServeError::Kind::Refused, lock.error()});
  try {
    auto store = std::make_unique<store::SqliteStore>(where, store::SqliteOptions{synchronous});
    return OpenStore{std::move(*lock), std::move(store)};
  } catch (const std::exception& e) {  // StoreError: not a store, a newer schema, cannot open
    return failWith(setup(e.what()));
  }
}

}  // namespace voronka::server
