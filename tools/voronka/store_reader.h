// A store file that `diff --live`, `replay --store` and `stats --store` only
// read: opened read-only, so a server may be writing it meanwhile and an
// older store is never migrated behind its server's back.
#pragma once

#include <memory>
#include <string>

#include "runtime/store/sqlite_store.h"

namespace voronka::tool {

// `spec` is PATH or sqlite:PATH, given as option `flag` (for messages).
// Prints "voronka: error: …" and returns nullptr when there is no such file
// or it cannot be opened as a store of this build.
std::unique_ptr<store::SqliteStore> openStoreForReading(const std::string& flag, const std::string& spec);

}  // namespace voronka::tool
