// A store remembers the module it runs: its deals refer to pipelines, stages
// and rules by position, so another module must not pick them up.
#pragma once

#include <string>

#include "common/result.h"
#include "runtime/store/store.h"

namespace voronka::server {

// Records the module's checksum and path in the store's meta, or refuses
// (saying why) when the store holds deals written by another module.
// Store failures throw StoreError.
Result<void> claimStoreForModule(store::Store& store, const std::string& moduleBytes, const std::string& modulePath);

}  // namespace voronka::server
