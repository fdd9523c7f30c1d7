// The store `voronka serve --store` names, opened for one server: the
// address parsed, the lock taken (store_lock.h), the database opened.
#pragma once

#include <memory>
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

// `spec` is sqlite:PATH (or a bare PATH); postgres:… is not built yet.
Result<OpenStore, ServeError> openStore(const std::string& spec, store::Synchronous synchronous);

}  // namespace voronka::server
