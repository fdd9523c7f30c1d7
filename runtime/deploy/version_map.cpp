#include "runtime/deploy/version_map.h"

#include <unordered_map>

#include "runtime/deploy/rule_keys.h"

namespace voronka::deploy {

using bc::kNo;

namespace {

// Index in `to` of every entry of `from` with the same name (kNo: none).
template <typename Def>
std::vector<int32_t> byName(const bc::Module& from, const std::vector<Def>& fromDefs, const bc::Module& to,
                            const std::vector<Def>& toDefs) {
  std::unordered_map<std::string, int32_t> index;
  for (size_t i = 0; i < toDefs.size(); ++i) index.emplace(to.str(toDefs[i].name), static_cast<int32_t>(i));
  std::vector<int32_t> out;
  for (const Def& d : fromDefs) {
    auto it = index.find(from.str(d.name));
    out.push_back(it == index.end() ? kNo : it->second);
  }
  return out;
}

int32_t at(const std::vector<int32_t>& table, int32_t i) {
  return i < 0 || static_cast<size_t>(i) >= table.size() ? kNo : table[static_cast<size_t>(i)];
}

}  // namespace

std::string VersionMap::stagePath(const bc::Module& m, int32_t pipeline, int32_t stage) {
  const bc::PipelineDef& p = m.pipelines[static_cast<size_t>(pipeline)];
  return m.str(p.name) + "." + m.str(p.stages[static_cast<size_t>(stage)].name);
}

std::optional<StageRef> VersionMap::findStage(const bc::Module& m, const std::string& path) {
  size_t dot = path.find('.');
  if (dot == std::string::npos) return std::nullopt;
  for (size_t p = 0; p < m.pipelines.size(); ++p) {
    if (m.str(m.pipelines[p].name) != path.substr(0, dot)) continue;
    const auto& stages = m.pipelines[p].stages;
    for (size_t s = 0; s < stages.size(); ++s) {
      if (m.str(stages[s].name) == path.substr(dot + 1)) return StageRef{p, s};
    }
  }
  return std::nullopt;
}

VersionMap::VersionMap(const bc::Module& from, const bc::Module& to, const Plan& plan)
    : from_(from), to_(to), plan_(plan) {
  for (size_t p = 0; p < from.pipelines.size(); ++p) {
    stages_.emplace_back();
    byPlan_.emplace_back();
    for (size_t s = 0; s < from.pipelines[p].stages.size(); ++s) {
      std::string path = stagePath(from, static_cast<int32_t>(p), static_cast<int32_t>(s));
      auto mapped = plan.stages.find(path);
      bool planned = mapped != plan.stages.end();
      stages_[p].push_back(findStage(to, planned ? mapped->second.value : path));
      byPlan_[p].push_back(planned);
    }
  }
  fields_ = byName(from, from.fields, to, to.fields);
  for (size_t f = 0; f < fields_.size(); ++f) {
    // A field whose type changed keeps no value: the old one would be misread.
    if (fields_[f] != kNo && from.fields[f].type != to.fields[static_cast<size_t>(fields_[f])].type) fields_[f] = kNo;
  }
  users_ = byName(from, from.users, to, to.users);
  taskTypes_ = byName(from, from.taskTypes, to, to.taskTypes);
  events_ = byName(from, from.events, to, to.events);

  fromKeys_ = ruleKeys(from);
  std::vector<std::string> toKeys = ruleKeys(to);
  std::unordered_map<std::string, int32_t> toRule;
  for (size_t r = 0; r < toKeys.size(); ++r) toRule.emplace(toKeys[r], static_cast<int32_t>(r));
  thens_.assign(from.actions.size(), kNo);
  // A rule of a renamed (mapped) stage is the rule of the stage it maps to:
  // its key is matched with the new stage's name.
  std::vector<std::string> matchKeys = fromKeys_;
  for (size_t r = 0; r < from.rules.size(); ++r) {
    const bc::RuleDef& rule = from.rules[r];
    if (rule.stage == kNo) continue;
    std::optional<StageRef> target = stage(rule.pipeline, rule.stage);
    if (!target) continue;
    std::string oldPrefix = stagePath(from, rule.pipeline, rule.stage) + ":";
    std::string& key = matchKeys[r];
    key = stagePath(to, target->first, target->second) + ":" + key.substr(oldPrefix.size());
  }
  for (size_t r = 0; r < fromKeys_.size(); ++r) {
    auto it = toRule.find(matchKeys[r]);
    int32_t target = it == toRule.end() ? kNo : it->second;
    rules_.push_back(target);
    timingChanged_.push_back(target != kNo && timingOf(from, static_cast<int32_t>(r)) != timingOf(to, target));
    if (target == kNo) continue;
    // `then` chains pair up in the order they are written.
    std::vector<int32_t> oldThens = thenActionsOf(from, static_cast<int32_t>(r));
    std::vector<int32_t> newThens = thenActionsOf(to, target);
    for (size_t i = 0; i < oldThens.size() && i < newThens.size(); ++i)
      thens_[static_cast<size_t>(oldThens[i])] = newThens[i];
  }
  // Timed rules anchored at the stage entry that no old rule becomes.
  std::vector<bool> paired(to.rules.size(), false);
  for (int32_t target : rules_) {
    if (target != kNo) paired[static_cast<size_t>(target)] = true;
  }
  int32_t enter = kNo;
  for (size_t e = 0; e < to.events.size(); ++e) {
    if (to.events[e].kind == bc::EventKind::Enter) enter = static_cast<int32_t>(e);
  }
  for (size_t r = 0; r < to.rules.size(); ++r) {
    const bc::RuleDef& rule = to.rules[r];
    bool anchoredAtEntry = rule.event == kNo || (rule.event == enter && rule.timing != bc::TimingKind::None);
    if (paired[r] || !anchoredAtEntry || rule.timing == bc::TimingKind::None) continue;
    added_.push_back(static_cast<int32_t>(r));
    addedKeys_.push_back(toKeys[r]);
  }
  for (const auto& p : to.pipelines) retroactive_.emplace_back(p.stages.size(), false);
  for (const auto& s : plan.retroactiveEnter) {
    if (auto ref = findStage(to, s.value))
      retroactive_[static_cast<size_t>(ref->first)][static_cast<size_t>(ref->second)] = true;
  }
}

std::optional<StageRef> VersionMap::stage(int32_t pipeline, int32_t stage) const {
  if (pipeline < 0 || static_cast<size_t>(pipeline) >= stages_.size()) return std::nullopt;
  const auto& stages = stages_[static_cast<size_t>(pipeline)];
  if (stage < 0 || static_cast<size_t>(stage) >= stages.size()) return std::nullopt;
  return stages[static_cast<size_t>(stage)];
}

bool VersionMap::mappedByPlan(int32_t pipeline, int32_t stage) const {
  return byPlan_[static_cast<size_t>(pipeline)][static_cast<size_t>(stage)];
}

std::optional<std::pair<int32_t, store::FieldValue>> VersionMap::field(int32_t field,
                                                                       const store::FieldValue& value) const {
  int32_t target = at(fields_, field);
  if (target == kNo) return std::nullopt;
  store::FieldValue v = value;
  switch (v.tag) {
    case bc::Tag::Enum: {
      // Members by name, in the new field's own enum.
      const bc::FieldDef& newField = to_.fields[static_cast<size_t>(target)];
      if (v.aux >= from_.enums.size() || newField.enumId == kNo) return std::nullopt;
      const bc::EnumDef& oldEnum = from_.enums[v.aux];
      if (v.i < 0 || static_cast<size_t>(v.i) >= oldEnum.members.size()) return std::nullopt;
      const std::string& member = from_.str(oldEnum.members[static_cast<size_t>(v.i)]);
      const bc::EnumDef& newEnum = to_.enums[static_cast<size_t>(newField.enumId)];
      v.aux = static_cast<uint16_t>(newField.enumId);
      v.i = -1;
      for (size_t i = 0; i < newEnum.members.size(); ++i) {
        if (to_.str(newEnum.members[i]) == member) v.i = static_cast<int64_t>(i);
      }
      if (v.i < 0) return std::nullopt;
      break;
    }
    case bc::Tag::User:
      v.i = user(static_cast<int32_t>(v.i));
      if (v.i == kNo) return std::nullopt;
      break;
    case bc::Tag::Stage: {
      std::optional<StageRef> s = stage(v.aux, static_cast<int32_t>(v.i));
      if (!s) return std::nullopt;
      v.aux = static_cast<uint16_t>(s->first);
      v.i = s->second;
      break;
    }
    default: break;
  }
  return std::pair{target, v};
}

int32_t VersionMap::user(int32_t u) const { return at(users_, u); }
int32_t VersionMap::taskType(int32_t t) const { return at(taskTypes_, t); }
int32_t VersionMap::event(int32_t e) const { return at(events_, e); }
int32_t VersionMap::rule(int32_t r) const { return at(rules_, r); }

std::vector<int32_t> VersionMap::addedTimedRulesOf(int32_t pipeline, int32_t stage) const {
  std::vector<int32_t> out;
  for (int32_t r : added_) {
    const bc::RuleDef& rule = to_.rules[static_cast<size_t>(r)];
    if (rule.pipeline == pipeline && (rule.stage == stage || rule.stage == kNo)) out.push_back(r);
  }
  return out;
}
int32_t VersionMap::thenAction(int32_t a) const { return at(thens_, a); }

bool VersionMap::timingChanged(int32_t r) const {
  return r >= 0 && static_cast<size_t>(r) < timingChanged_.size() && timingChanged_[static_cast<size_t>(r)];
}

std::optional<TimerPolicy> VersionMap::policy(int32_t r) const {
  auto it = plan_.timers.find(ruleKey(r));
  if (it != plan_.timers.end()) return it->second.value;
  if (plan_.changedTimers) return plan_.changedTimers->value;
  return std::nullopt;
}

bool VersionMap::retroactiveEnter(int32_t pipeline, int32_t stage) const {
  return retroactive_[static_cast<size_t>(pipeline)][static_cast<size_t>(stage)];
}

}  // namespace voronka::deploy
