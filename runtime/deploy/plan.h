// A migration plan: what a deployment does with deals that the new version
// does not place by name alone. Written by people as TOML, reviewed like code
// (docs/versions.md):
//
//   [stages]                       # old "pipeline.stage" = new "pipeline.stage"
//   "retail.negotiation" = "retail.proposal"
//   [timers]                       # per changed timer rule: keep, recompute, cancel
//   changed = "keep"               # every changed timer rule the plan does not name
//   "retail.proposal:timer#1" = "recompute"
//   added = "skip"                 # timed rules the new version adds: skip, from_entry, from_now
//   [enter]
//   retroactive = ["retail.proposal"]   # run its `on enter` rules for deals already there
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace voronka::deploy {

enum class TimerPolicy { Keep, Recompute, Cancel };
const char* policyName(TimerPolicy p);

// What a timed rule the new version adds to a stage does for the deals
// already in it: nothing (they start it at their next entry: the default,
// since starting it may fire at once for every deal that has been there
// long), start as if at their entry (due times counted from when they
// entered; a time already past fires at once, or not with `late skip`), or
// start now (counted from the deployment).
enum class AddedTimers { Skip, FromEntry, FromNow };
const char* addedTimersName(AddedTimers p);

template <typename T>
struct Located {
  T value;
  int line = 0;  // in the plan file; 0 when it did not come from one
};

struct Plan {
  std::string path;                                     // the plan file, for messages; empty when there is none
  std::map<std::string, Located<std::string>> stages;   // old "pipeline.stage" → new "pipeline.stage"
  std::map<std::string, Located<TimerPolicy>> timers;   // rule key (rule_keys.h) → policy
  std::optional<Located<TimerPolicy>> changedTimers;    // for changed timer rules not named
  Located<AddedTimers> addedTimers{AddedTimers::Skip};  // timed rules the new version adds
  std::vector<Located<std::string>> retroactiveEnter;   // new "pipeline.stage"
  // "plan.toml:12" or "the plan" for messages.
  std::string where(int line) const;
};

// Every problem at once, as "PATH:LINE: what is wrong; what to do".
Result<Plan, std::vector<std::string>> parsePlan(const std::string& text, const std::string& path);
Result<Plan, std::vector<std::string>> readPlan(const std::string& path);

// As kept in the deployment journal, and read back to resume a deployment.
nlohmann::json planJson(const Plan& plan);
Result<Plan> planFromJson(const std::string& text);

}  // namespace voronka::deploy
