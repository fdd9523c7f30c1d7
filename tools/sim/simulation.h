// One run of `voronka sim`: synthetic deals through the real engine (the
// in-memory store and a virtual clock, as `voronka run` and `voronka test`
// use it), the client's side drawn from a rates file. Rules, timers and
// working hours are the module's own; only what the client (or a manager)
// does comes from the rates.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/bytecode/module.h"
#include "tools/sim/rates.h"

namespace voronka::sim {

struct SimOptions {
  int64_t deals = 1000;
  int64_t horizon = 90 * 86400;  // seconds from the rates' start
  uint64_t seed = 1;
};

// Distinct deals, per stage, over one run.
struct StageTally {
  int64_t entered = 0;  // deals that were in the stage
  int64_t toNext = 0;   // … and went on to the stage after it
  int64_t toWon = 0;    // … and were won at the horizon
};

struct RunResult {
  std::vector<std::vector<StageTally>> stages;  // [pipeline][stage]
  std::vector<int64_t> wonPerWeek;              // by the week the deal was won
  std::vector<double> revenuePerWeek;
  std::map<std::string, std::vector<int64_t>> tasksPerDay;  // manager ("" for nobody) → tasks created per day
  std::map<std::string, int64_t> lostReasons;               // of deals lost at the horizon
  int64_t deals = 0, won = 0, lost = 0, open = 0;           // at the horizon (deals made by rules included)
  uint64_t events = 0;   // handled by the engine: deals created, client events, timers fired
  uint64_t refused = 0;  // events the engine did not apply (a guard, a failed action): not the rates' fault
};

// Runs N deals. Fails, naming the rates file's line, when the engine finds
// an event the rates describe invalid (a value of the wrong type…).
Result<RunResult> simulate(const bc::Module& module, const Rates& rates, const SimOptions& options);

}  // namespace voronka::sim
