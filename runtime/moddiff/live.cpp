#include "runtime/moddiff/live.h"

#include <limits>
#include <map>

namespace voronka::moddiff {

void countLive(ModuleDiff& diff, const bc::Module& oldModule, store::Store& store) {
  std::map<std::pair<int32_t, int32_t>, int64_t> dealsIn;
  std::map<int32_t, int64_t> dealsInPipeline;
  std::map<int32_t, int64_t> timersOf;  // by rule
  {
    auto tx = store.begin();
    for (const store::StageCount& s : tx->dealsPerStage()) {
      dealsIn[{s.pipeline, s.stage}] += s.deals;
      dealsInPipeline[s.pipeline] += s.deals;
    }
    // Every pending timer, earliest first; a timer of a `then` counts for
    // the rule whose block scheduled it.
    for (const store::TimerRecord& t : tx->dueTimers(std::numeric_limits<int64_t>::max(), 1u << 30)) {
      if (t.kind != store::TimerKind::TaskOverdue && t.rule >= 0) ++timersOf[t.rule];
    }
  }
  for (Change& ch : diff.changes) {
    if (ch.oldPipeline >= 0 && ch.oldPipeline < static_cast<int32_t>(oldModule.pipelines.size())) {
      ch.deals = ch.oldStage >= 0 ? dealsIn[{ch.oldPipeline, ch.oldStage}] : dealsInPipeline[ch.oldPipeline];
    }
    if (!ch.oldRules.empty()) {
      int64_t n = 0;
      for (int32_t r : ch.oldRules) n += timersOf[r];
      ch.timers = n;
    }
  }
}

}  // namespace voronka::moddiff
