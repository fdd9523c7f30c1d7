#include "runtime/server/open_store.h"

#include <fmt/format.h>

namespace voronka::server {

namespace {

ServeError setup(std::string message) { return {ServeError::Kind::Setup, std::move(message)}; }

}  // namespace

Result<OpenStore, ServeError> openStore(const std::string& spec, store::Synchronous synchronous) {
  std::string kind = "sqlite", where = spec;
  size_t colon = spec.find(':');
  if (colon != std::string::npos) {
    kind = spec.substr(0, colon);
    where = spec.substr(colon + 1);
  }
  if (kind == "postgres" || kind == "postgresql") {
    return failWith(setup("the PostgreSQL store is not built yet; use --store sqlite:PATH"));
  }
  if (kind != "sqlite") return failWith(setup(fmt::format("unknown store \"{}\"; use --store sqlite:PATH", spec)));
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
