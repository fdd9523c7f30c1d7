// A store that `diff --live`, `replay --store` and `stats --store` only
// read: opened read-only, so a server may be writing it meanwhile and an
// older store is never migrated behind its server's back. A SQLite file, or
// a PostgreSQL schema (no lock taken: its server keeps running).
#pragma once

#include <memory>
#include <string>

#include "runtime/store/store.h"

namespace voronka::tool {

// `spec` is PATH, sqlite:PATH, postgres:CONNINFO or a postgresql:// URI,
// given as option `flag` (for messages). Prints "voronka: error: …" and
// returns nullptr when there is no such store or it cannot be opened as a
// store of this build.
std::unique_ptr<store::Store> openStoreForReading(const std::string& flag, const std::string& spec);

}  // namespace voronka::tool
