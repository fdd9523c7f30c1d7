#include "runtime/deploy/rule_keys.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace voronka::deploy {

using bc::kNo;

std::vector<std::string> ruleKeys(const bc::Module& m) {
  std::vector<std::string> keys;
  std::map<std::string, int> seen;
  for (const bc::RuleDef& r : m.rules) {
    const bc::PipelineDef& p = m.pipelines[static_cast<size_t>(r.pipeline)];
    std::string stage = r.stage == kNo ? "*" : m.str(p.stages[static_cast<size_t>(r.stage)].name);
    std::string on = r.event == kNo ? "timer" : m.str(m.events[static_cast<size_t>(r.event)].name);
    std::string base = fmt::format("{}.{}:{}", m.str(p.name), stage, on);
    keys.push_back(fmt::format("{}#{}", base, ++seen[base]));
  }
  return keys;
}

namespace {

void collectThens(const bc::Module& m, int32_t function, std::vector<int32_t>& out, int depth) {
  if (function == kNo || depth > 64) return;
  for (uint32_t ins : m.functions[static_cast<size_t>(function)].code) {
    if (bc::opOf(ins) != bc::Op::Act) continue;
    int32_t a = bc::bxOf(ins);
    const bc::ActionDesc& action = m.actions[static_cast<size_t>(a)];
    if (action.kind != bc::ActionKind::Then) continue;
    if (std::find(out.begin(), out.end(), a) != out.end()) continue;
    out.push_back(a);
    collectThens(m, action.function, out, depth + 1);
  }
}

const char* shiftName(bc::WorkhoursShift s) {
  switch (s) {
    case bc::WorkhoursShift::None: return "";
    case bc::WorkhoursShift::Later: return " within workhours later";
    case bc::WorkhoursShift::Earlier: return " within workhours earlier";
  }
  return "";
}

// As the funnel writes it: 5d, 4h, 30m, 45s.
std::string delay(int64_t seconds, int32_t workdays) {
  if (workdays > 0) return fmt::format("{} workdays", workdays);
  for (auto [unit, size] : {std::pair{"d", 86400}, {"h", 3600}, {"m", 60}}) {
    if (seconds != 0 && seconds % size == 0) return fmt::format("{}{}", seconds / size, unit);
  }
  return fmt::format("{}s", seconds);
}

}  // namespace

std::vector<int32_t> thenActionsOf(const bc::Module& m, int32_t rule) {
  std::vector<int32_t> out;
  collectThens(m, m.rules[static_cast<size_t>(rule)].body, out, 0);
  return out;
}

std::string timingOf(const bc::Module& m, int32_t rule) {
  const bc::RuleDef& r = m.rules[static_cast<size_t>(rule)];
  std::string text;
  switch (r.timing) {
    case bc::TimingKind::None: break;
    case bc::TimingKind::After: text = "after " + delay(r.delaySeconds, r.delayWorkdays); break;
    case bc::TimingKind::Every: text = "every " + delay(r.delaySeconds, r.delayWorkdays); break;
    case bc::TimingKind::At: {
      text = "at";
      for (int32_t f : r.atFields) text += " " + m.str(m.fields[static_cast<size_t>(f)].name);
      break;
    }
  }
  if (!text.empty()) {
    if (r.atMinutes != kNo) text += fmt::format(" at {:02}:{:02}", r.atMinutes / 60, r.atMinutes % 60);
    text += shiftName(r.workhours);
    if (r.lateSkip) text += " late skip";
    if (r.whileCondition != kNo) text += " while …";
    if (r.unlessEvent != kNo) text += " unless " + m.str(m.events[static_cast<size_t>(r.unlessEvent)].name);
  }
  for (int32_t a : thenActionsOf(m, rule)) {
    const bc::ActionDesc& then = m.actions[static_cast<size_t>(a)];
    text += fmt::format("{}then after {}{}", text.empty() ? "" : "; ", delay(then.dueSeconds, then.dueWorkdays),
                        shiftName(then.workhours));
  }
  return text;
}

}  // namespace voronka::deploy
