#include "runtime/engine/stage_rules.h"

namespace voronka::engine {

StageRules::StageRules(const bc::Module& m) : events_(static_cast<int32_t>(m.events.size())) {
  // `enter` as Processing::eventIndex finds it: the first event of its kind.
  int32_t enter = bc::kNo;
  for (size_t i = 0; i < m.events.size() && enter == bc::kNo; ++i) {
    if (m.events[i].kind == bc::EventKind::Enter) enter = static_cast<int32_t>(i);
  }
  auto timedFromEntry = [&](const bc::RuleDef& rule) {
    return rule.event == bc::kNo || (rule.event == enter && rule.timing != bc::TimingKind::None);
  };
  auto timedAtFields = [&](const bc::RuleDef& rule) {
    return rule.timing == bc::TimingKind::At && (rule.event == bc::kNo || rule.event == enter);
  };
  size_t stages = 0;
  for (const bc::PipelineDef& p : m.pipelines) {
    firstStage_.push_back(stages);
    stages += p.stages.size();
  }
  ranges_.reserve(stages * listsPerStage());
  for (const bc::PipelineDef& p : m.pipelines) {
    for (const bc::StageDef& stage : p.stages) {
      for (size_t which = 0; which < listsPerStage(); ++which) {
        Range r;
        r.begin = static_cast<uint32_t>(rules_.size());
        for (int32_t index : stage.rules) {
          const bc::RuleDef& rule = m.rules[static_cast<size_t>(index)];
          bool listed = which < static_cast<size_t>(events_) + 1    ? rule.event == static_cast<int32_t>(which) - 1
                        : which == static_cast<size_t>(events_) + 1 ? timedFromEntry(rule)
                                                                    : timedAtFields(rule);
          if (listed) rules_.push_back(index);
        }
        r.end = static_cast<uint32_t>(rules_.size());
        ranges_.push_back(r);
      }
    }
  }
}

}  // namespace voronka::engine
