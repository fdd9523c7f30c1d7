// The plan validated whole, against both versions and the deals and timers
// the store holds, before anything changes: every problem at once, each
// saying where (plan.toml:LINE) and what the plan must say instead.
#pragma once

#include <string>
#include <vector>

#include "runtime/deploy/version_map.h"

namespace voronka::deploy {

struct LiveCounts {
  std::vector<store::StageCount> dealsPerStage;  // of the old version
  std::vector<store::RuleTimerCount> timersPerRule;
};

// Empty when the plan covers every deal and timer.
std::vector<std::string> checkPlan(const VersionMap& map, const Plan& plan, const LiveCounts& live);

}  // namespace voronka::deploy
