// The runs of `voronka sim`: each with its own seed drawn from the base
// seed, several at once on threads of their own. The results come in run
// order whatever the threads did first, so a seed gives the same report
// with any number of jobs.
#pragma once

#include <vector>

#include "common/result.h"
#include "runtime/bytecode/module.h"
#include "tools/sim/rates.h"
#include "tools/sim/simulation.h"

namespace voronka::sim {

// Runs `runs` simulations (options.seed is the base seed), at most `jobs`
// at once. Fails with the error of the first run, in run order, that
// failed; the runs started meanwhile finish first.
Result<std::vector<RunResult>> simulateRuns(const bc::Module& module, const Rates& rates, const SimOptions& options,
                                            int runs, int jobs);

// How many runs to have at once when the user does not say: one per core,
// no more than there are runs.
int defaultJobs(int runs);

}  // namespace voronka::sim
