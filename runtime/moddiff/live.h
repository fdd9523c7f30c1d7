// `voronka diff --live`: how many deals and pending timers of a running
// store each change touches, read through the Store interface. The store
// must hold the old module's deals (they name stages and rules by position).
#pragma once

#include "runtime/moddiff/moddiff.h"
#include "runtime/store/store.h"

namespace voronka::moddiff {

// Fills `deals` for every change that concerns a stage (or a whole pipeline)
// of the old module and `timers` for every change of old rules.
void countLive(ModuleDiff& diff, const bc::Module& oldModule, store::Store& store);

}  // namespace voronka::moddiff
