// The verifier: every index of a module points where it should, every
// instruction's operands are in range, every jump goes forward to a place in
// its function, and every function ends. A module that passes cannot make the
// VM or the engine read out of bounds or loop.
#pragma once

#include "runtime/bytecode/module.h"

namespace voronka::bc {

// Throws LoadError naming the first problem found.
void verify(const Module& module);

// How many registers, from A on, an action's `Act` instruction reads.
int dynamicOperands(const ActionDesc& action);

// Number of standard functions (stdlib/functions.def).
int standardFunctionCount();

}  // namespace voronka::bc
