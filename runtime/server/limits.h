// The sizes a client's request may have, in one place (docs/operations.md
// lists them). Each is checked at the edge, before anything is queued, and
// a request over one gets a 400 (or 413 for the whole body) naming it.
#pragma once

#include <cstddef>

#include "runtime/bytecode/limits.h"

namespace voronka::server::limits {

// How deep objects and arrays may nest in a JSON body. Real events nest
// three or four levels; a body nested tens of thousands of levels would
// exhaust the stack of the code that copies and prints it.
inline constexpr size_t kMaxJsonDepth = 64;
// Ids: of a deal, of an event, an Idempotency-Key.
inline constexpr size_t kMaxIdBytes = 256;
// One tag.
inline constexpr size_t kMaxTagBytes = 256;
// Tags one request may add to a deal, and tags a deal may have.
inline constexpr size_t kMaxTagsPerDeal = voronka::limits::kMaxTagsPerDeal;
// One string value of a field or an event's payload.
inline constexpr size_t kMaxFieldValueBytes = 64 * 1024;
// Form-encoded bodies (the CRM webhooks): cpp-httplib's fixed limit.
inline constexpr size_t kMaxFormBodyBytes = 8192;

}  // namespace voronka::server::limits
