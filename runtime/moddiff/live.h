// `voronka diff --live`: how many deals and pending timers of a running
// store each change touches. The counts come from a store (read through the
// Store interface) or from a server's API (deals only); either way they
// must be of the old module's deals, which name stages and rules by position.
#pragma once

#include <map>
#include <optional>
#include <utility>

#include "runtime/moddiff/moddiff.h"
#include "runtime/store/store.h"

namespace voronka::moddiff {

struct LiveCounts {
  std::map<std::pair<int32_t, int32_t>, int64_t> dealsIn;  // (pipeline, stage) of the old module
  std::optional<std::map<int32_t, int64_t>> timersOf;      // pending timers by old rule, when known
};

LiveCounts readLiveCounts(store::Store& store);

// Fills `deals` for every change that concerns a stage (or a whole pipeline)
// of the old module and, when the counts know them, `timers` for every
// change of old rules.
void applyLiveCounts(ModuleDiff& diff, const bc::Module& oldModule, const LiveCounts& counts);

inline void countLive(ModuleDiff& diff, const bc::Module& oldModule, store::Store& store) {
  applyLiveCounts(diff, oldModule, readLiveCounts(store));
}

}  // namespace voronka::moddiff
