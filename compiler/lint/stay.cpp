// delay-exceeds-stay: a delayed rule that waits longer than any deal stays
// in the stage. Leaving cancels the visit's timers, so it never runs.
//
// How long deals stay is bounded by *movers*: rules anchored at the stage
// entry with no `when`, `once`, `unless` or `while` whose every path moves or
// closes the deal (to a stage without `require` guards, which could reject
// the move). An `on enter` mover bounds the stay to nothing; `after D` to D,
// plus a day for `at HH:MM` and the longest closed spell of the calendar for
// `within workhours`. Working days are bounded from above by whole weeks of
// the calendar plus all its holidays. Delays of the rule that never runs are
// counted from below, so the lint only speaks when it is sure.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "compiler/analysis/blocks.h"
#include "compiler/analysis/values.h"
#include "compiler/lint/context.h"

namespace voronka::lint {
namespace {

using lang::EventKind;
constexpr int64_t kDay = 86400;
constexpr int64_t kForever = std::numeric_limits<int64_t>::max() / 4;

// What a calendar adds to a wait: the longest spell without working hours.
struct CalendarBounds {
  int64_t closedSpell = kForever;  // `within workhours` may push a time this much later
  int workingWeekdays = 0;
  int64_t holidayDays = 0;

  explicit CalendarBounds(const check::CalendarInfo& cal) {
    std::vector<std::pair<int64_t, int64_t>> windows;  // minutes since Monday 00:00
    for (int d = 0; d < 7; ++d) {
      if (!cal.windows[d].empty()) ++workingWeekdays;
      for (const auto& [from, to] : cal.windows[d]) windows.emplace_back(d * 1440 + from, d * 1440 + to);
    }
    std::vector<std::pair<int32_t, int32_t>> holidays = cal.holidays;
    std::sort(holidays.begin(), holidays.end());
    // Holidays a week or less apart may join into one closed spell.
    int64_t longestRun = 0;
    for (size_t i = 0; i < holidays.size();) {
      int64_t from = holidays[i].first, to = holidays[i].second;
      holidayDays += holidays[i].second - holidays[i].first + 1;
      size_t j = i + 1;
      while (j < holidays.size() && holidays[j].first - to <= 7) {
        to = std::max<int64_t>(to, holidays[j].second);
        holidayDays += holidays[j].second - holidays[j].first + 1;
        ++j;
      }
      longestRun = std::max(longestRun, to - from + 1);
      i = j;
    }
    if (windows.empty()) return;
    std::sort(windows.begin(), windows.end());
    int64_t gap = windows.front().first + 7 * 1440 - windows.back().second;  // across Sunday night
    for (size_t i = 1; i < windows.size(); ++i) gap = std::max(gap, windows[i].first - windows[i - 1].second);
    closedSpell = 2 * gap * 60 + longestRun * kDay;
  }
};

int64_t lowerBound(const ast::Duration& d) { return d.seconds + (d.workdays > 0 ? (d.workdays - 1) * kDay : 0); }

int64_t upperBound(const ast::Duration& d, const CalendarBounds& cal) {
  if (d.workdays <= 0) return d.seconds;
  if (cal.workingWeekdays == 0) return kForever;
  int64_t weeks = (d.workdays + cal.workingWeekdays - 1) / cal.workingWeekdays + 1;
  return d.seconds + weeks * 7 * kDay + cal.holidayDays * kDay;
}

struct Bound {
  int64_t seconds = kForever;
  const check::RuleInfo* mover = nullptr;
};

class Stay {
 public:
  explicit Stay(LintContext& ctx) : ctx_(ctx) {}

  void run() {
    for (const auto& r : ctx_.program.rules) {
      const ast::Rule& rule = *r.rule;
      int64_t ruleStart = 0;  // earliest run after the entry, in seconds
      bool timed = rule.timing.kind == ast::TimingKind::After || rule.timing.kind == ast::TimingKind::Every;
      if (timed) ruleStart = lowerBound(rule.timing.delay);
      if (timed && ruleStart > 0) check(r, ruleStart, rule.timing.range, 0, false);
      // `then after` steps count from the rule's own start.
      forEachAction(rule.body, [&](const ast::Action& a, const ActionContext& where) {
        if (a.kind != ast::ActionKind::Then || where.thenHasWorkdays) return;
        const auto& then = a.as<ast::ThenAction>();
        int64_t start = ruleStart + where.thenDelay;  // when the chain reaches this step
        check(r, start + lowerBound(then.delay), a.range, start, true);
      });
    }
  }

 private:
  // Reports `rule` (or its `then` step) when it starts after every deal left.
  // `before`: when the step's chain started (a step is reported only where
  // the chain crosses the bound, not again for each later step).
  void check(const check::RuleInfo& rule, int64_t earliest, SourceRange where, int64_t before, bool step) {
    std::optional<Bound> first;
    StageRef firstStage;
    bool any = false;
    for (StageRef at : ctx_.flow.stagesOf(rule)) {
      if (!ctx_.flow.reachable(at) || at.stage >= ctx_.flow.pipeline(at.pipeline).workingCount()) continue;
      any = true;
      Bound b = bound(at, &rule);
      if (!(earliest > b.seconds) || (step && before > b.seconds)) return;
      if (!first) {
        first = b;
        firstStage = at;
      }
    }
    if (!any || !first) return;
    const ast::Rule& mover = *first->mover->rule;
    std::string wait = step ? fmt::format("{} after the stage entry", showDuration(earliest))
                            : ctx_.text(rule.rule->timing.delay.range);
    std::string within =
        first->seconds == 0 ? "moments (an `on enter` rule moves them on at once)" : showDuration(first->seconds);
    ctx_.sink.emit(diag::DelayExceedsStay, where, wait, ctx_.flow.stage(firstStage).name, within)
        .note(mover.timing.kind == ast::TimingKind::None ? mover.range : mover.timing.range,
              "this rule moves every deal on by then");
  }

  // The longest a deal can stay in `at`, from the movers other than `self`.
  Bound bound(StageRef at, const check::RuleInfo* self) {
    Bound best;
    CalendarBounds cal = calendar(at.pipeline);
    for (const check::RuleInfo* r : ctx_.flow.rulesAt(at)) {
      if (r == self) continue;
      const ast::Rule& rule = *r->rule;
      const check::EventInfo* e = ctx_.flow.event(*r);
      bool atEntry = !e || e->builtin == lang::EventKind::Enter;
      if (!atEntry || rule.when || rule.once || rule.unless || rule.from) continue;
      int64_t upper;
      switch (rule.timing.kind) {
        case ast::TimingKind::None:
          if (!e) continue;
          upper = 0;
          break;
        case ast::TimingKind::After:
          upper = upperBound(rule.timing.delay, cal);
          if (rule.timing.atTime) upper += kDay;
          break;
        case ast::TimingKind::Every:
          if (rule.timing.whileCondition) continue;
          upper = upperBound(rule.timing.delay, cal);
          break;
        default: continue;
      }
      if (rule.withinWorkhours) upper = upper >= kForever - cal.closedSpell ? kForever : upper + cal.closedSpell;
      if (upper >= best.seconds || !movesEveryDeal(*r, at)) continue;
      best = Bound{upper, r};
    }
    return best;
  }

  // Every path moves the deal somewhere else, and nothing can refuse it.
  bool movesEveryDeal(const check::RuleInfo& r, StageRef at) const {
    bool truncated = false;
    std::vector<BlockPath> paths = immediatePaths(r.rule->body, truncated);
    if (truncated) return false;
    for (const BlockPath& path : paths) {
      const ast::Action* move = nullptr;
      for (const ast::Action* a : path.actions) {
        if (isMove(*a)) move = a;
      }
      if (!move) return false;
      std::optional<StageRef> to = ctx_.flow.target(r, *move, at);
      if (!to) return false;
      const check::StageInfo& target = ctx_.flow.stage(*to);
      if (target.decl && !target.decl->guards.empty()) return false;
    }
    return true;
  }

  CalendarBounds calendar(int pipeline) const {
    int index = ctx_.flow.pipeline(pipeline).calendar;
    if (index < 0 || static_cast<size_t>(index) >= ctx_.program.calendars.size()) {
      return CalendarBounds(check::CalendarInfo{});
    }
    return CalendarBounds(ctx_.program.calendars[index]);
  }

  LintContext& ctx_;
};

}  // namespace

void lintDelaysBeyondStay(LintContext& ctx) { Stay(ctx).run(); }

}  // namespace voronka::lint
