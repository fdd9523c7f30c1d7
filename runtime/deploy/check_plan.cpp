#include "runtime/deploy/check_plan.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "runtime/deploy/rule_keys.h"

namespace voronka::deploy {

namespace {

std::string siteOf(const bc::Module& m, int32_t rule) {
  const bc::RuleDef& r = m.rules[static_cast<size_t>(rule)];
  return fmt::format("{}:{}", r.file == bc::kNo ? "line" : m.str(r.file), r.line);
}

}  // namespace

std::vector<std::string> checkPlan(const VersionMap& map, const Plan& plan, const LiveCounts& live) {
  std::vector<std::string> problems;
  const bc::Module& from = map.from();
  const bc::Module& to = map.to();
  for (const auto& [old, target] : plan.stages) {
    if (!VersionMap::findStage(from, old))
      problems.push_back(fmt::format("{}: the running version has no stage \"{}\"", plan.where(target.line), old));
    if (!VersionMap::findStage(to, target.value))
      problems.push_back(fmt::format("{}: the new version has no stage \"{}\" to map \"{}\" to",
                                     plan.where(target.line), target.value, old));
  }
  for (const auto& s : plan.retroactiveEnter) {
    if (!VersionMap::findStage(to, s.value))
      problems.push_back(fmt::format("{}: the new version has no stage \"{}\"", plan.where(s.line), s.value));
  }
  std::vector<std::string> keys = ruleKeys(from);
  std::set<std::string> fromKeys(keys.begin(), keys.end());
  for (const auto& [key, p] : plan.timers) {
    if (!fromKeys.count(key))
      problems.push_back(
          fmt::format("{}: the running version has no rule \"{}\" (keys look like "
                      "\"pipeline.stage:timer#1\"; `voronka diff` lists them)",
                      plan.where(p.line), key));
  }
  // Every deal must land in a stage of the new version.
  for (const store::StageCount& c : live.dealsPerStage) {
    if (c.deals == 0 || c.pipeline < 0 || static_cast<size_t>(c.pipeline) >= from.pipelines.size()) continue;
    if (map.stage(c.pipeline, c.stage)) continue;
    std::string path = VersionMap::stagePath(from, c.pipeline, c.stage);
    if (map.mappedByPlan(c.pipeline, c.stage)) continue;  // reported above: the target does not exist
    problems.push_back(fmt::format(
        "stage \"{}\" is gone from the new version and {} deal{} {} in it: map it to a stage of the new version "
        "in the plan's [stages], like \"{}\" = \"PIPELINE.STAGE\"",
        path, c.deals, c.deals == 1 ? "" : "s", c.deals == 1 ? "is" : "are", path));
  }
  // Every pending timer of a rule whose timing changed needs a policy.
  std::map<int32_t, int64_t> pending;  // rule → its timers, `then` ones included
  for (const store::RuleTimerCount& t : live.timersPerRule) pending[t.rule] += t.timers;
  for (auto [rule, timers] : pending) {
    if (rule < 0 || static_cast<size_t>(rule) >= from.rules.size() || !map.timingChanged(rule)) continue;
    if (map.policy(rule)) continue;
    const std::string& key = map.ruleKey(rule);
    problems.push_back(fmt::format(
        "rule \"{}\" ({}) now waits \"{}\" instead of \"{}\" and {} timer{} of it {} pending: say under the "
        "plan's [timers] \"{}\" = \"keep\" (the due time stays), \"recompute\" (from its anchor) or \"cancel\"",
        key, siteOf(from, rule), timingOf(to, map.rule(rule)), timingOf(from, rule), timers, timers == 1 ? "" : "s",
        timers == 1 ? "is" : "are", key));
  }
  return problems;
}

}  // namespace voronka::deploy
