// Rules have no names in a funnel; a deployment needs to say which rule of
// the new version is which rule of the old one. A rule's key is where it is
// and what it waits for, counted in source order:
//   "retail.proposal:timer#1"        the first timed rule of stage proposal
//   "retail.*:payment_received#2"    the second rule on payment_received of
//                                    every stage of pipeline retail
#pragma once

#include <string>
#include <vector>

#include "runtime/bytecode/module.h"

namespace voronka::deploy {

// The key of every rule, by rule index.
std::vector<std::string> ruleKeys(const bc::Module& m);

// The `then` descriptors a rule's block schedules (nested chains included),
// in the order they are written.
std::vector<int32_t> thenActionsOf(const bc::Module& m, int32_t rule);

// When a rule's timers fall due, as text comparable between versions: the
// rule's own timing and that of its `then` chains. Empty for a rule that
// sets no timer.
std::string timingOf(const bc::Module& m, int32_t rule);

}  // namespace voronka::deploy
