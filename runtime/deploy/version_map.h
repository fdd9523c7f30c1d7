// What each position of one module version is in another: pipelines and
// stages (by name, or as the plan maps them), fields, enum members, users,
// task types, events, rules (by key, rule_keys.h) and `then` descriptors. A
// deal's records are positions, so moving a deal between versions is
// rewriting each one through this map.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/bytecode/module.h"
#include "runtime/deploy/plan.h"
#include "runtime/store/records.h"

namespace voronka::deploy {

using StageRef = std::pair<int32_t, int32_t>;  // pipeline, stage

class VersionMap {
 public:
  VersionMap(const bc::Module& from, const bc::Module& to, const Plan& plan);

  const bc::Module& from() const { return from_; }
  const bc::Module& to() const { return to_; }
  const Plan& plan() const { return plan_; }

  // The new stage of an old one: the plan's mapping, else the same name.
  std::optional<StageRef> stage(int32_t pipeline, int32_t stage) const;
  // True when the stage is mapped by the plan rather than by its name.
  bool mappedByPlan(int32_t pipeline, int32_t stage) const;
  // A field's value in the new version: nullopt when the field is gone or its
  // type changed, or the value names an enum member or user that is gone.
  std::optional<std::pair<int32_t, store::FieldValue>> field(int32_t field, const store::FieldValue& value) const;
  int32_t user(int32_t user) const;          // kNo: gone
  int32_t taskType(int32_t taskType) const;  // kNo: gone
  int32_t event(int32_t event) const;        // kNo: gone
  int32_t rule(int32_t rule) const;          // kNo: gone
  int32_t thenAction(int32_t action) const;  // kNo: gone
  // The old rule's timers fall due at other times in the new version.
  bool timingChanged(int32_t rule) const;
  const std::string& ruleKey(int32_t rule) const { return fromKeys_[static_cast<size_t>(rule)]; }
  // What the plan does with the timers of a changed rule (nullopt: it does not say).
  std::optional<TimerPolicy> policy(int32_t rule) const;
  bool retroactiveEnter(int32_t pipeline, int32_t stage) const;
  // Timed rules of the new version (anchored at the stage entry) that no old
  // rule becomes: their keys, and those a deal in a stage of the new version
  // would have started on entering it.
  const std::vector<std::string>& addedTimedRules() const { return addedKeys_; }
  std::vector<int32_t> addedTimedRulesOf(int32_t pipeline, int32_t stage) const;

  // "pipeline.stage" of either version.
  static std::string stagePath(const bc::Module& m, int32_t pipeline, int32_t stage);
  static std::optional<StageRef> findStage(const bc::Module& m, const std::string& path);

 private:
  const bc::Module& from_;
  const bc::Module& to_;
  const Plan& plan_;
  std::vector<std::vector<std::optional<StageRef>>> stages_;  // [pipeline][stage]
  std::vector<std::vector<bool>> byPlan_;
  std::vector<int32_t> fields_, users_, taskTypes_, events_, rules_, thens_;
  std::vector<std::string> fromKeys_;
  std::vector<bool> timingChanged_;
  std::vector<int32_t> added_;
  std::vector<std::string> addedKeys_;
  std::vector<std::vector<bool>> retroactive_;  // [new pipeline][new stage]
};

}  // namespace voronka::deploy
