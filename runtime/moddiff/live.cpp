#include "runtime/moddiff/live.h"

#include <limits>

namespace voronka::moddiff {

LiveCounts readLiveCounts(store::Store& store) {
  LiveCounts counts;
  counts.timersOf.emplace();
  auto tx = store.begin();
  for (const store::StageCount& s : tx->dealsPerStage()) counts.dealsIn[{s.pipeline, s.stage}] += s.deals;
  // Every pending timer, earliest first; a timer of a `then` counts for the
  // rule whose block scheduled it.
  for (const store::TimerRecord& t : tx->dueTimers(std::numeric_limits<int64_t>::max(), 1u << 30)) {
    if (t.kind != store::TimerKind::TaskOverdue && t.rule >= 0) ++(*counts.timersOf)[t.rule];
  }
  return counts;
}

void applyLiveCounts(ModuleDiff& diff, const bc::Module& oldModule, const LiveCounts& counts) {
  std::map<int32_t, int64_t> dealsInPipeline;
  for (const auto& [where, n] : counts.dealsIn) dealsInPipeline[where.first] += n;
  auto lookup = [](const auto& map, const auto& key) -> int64_t {
    auto it = map.find(key);
    return it != map.end() ? it->second : 0;
  };
  for (Change& ch : diff.changes) {
    if (ch.oldPipeline >= 0 && ch.oldPipeline < static_cast<int32_t>(oldModule.pipelines.size())) {
      ch.deals = ch.oldStage >= 0 ? lookup(counts.dealsIn, std::pair(ch.oldPipeline, ch.oldStage))
                                  : lookup(dealsInPipeline, ch.oldPipeline);
    }
    if (!ch.oldRules.empty() && counts.timersOf) {
      int64_t n = 0;
      for (int32_t r : ch.oldRules) n += lookup(*counts.timersOf, r);
      ch.timers = n;
    }
  }
}

}  // namespace voronka::moddiff
