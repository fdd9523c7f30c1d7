#include "tools/scenario/deal_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "tools/scenario/effect_text.h"

namespace voronka::scenario {

namespace {

constexpr size_t kLastEffects = 5;

std::string timerText(const bc::Module& m, const store::TimerRecord& t, const std::vector<store::TaskRecord>& tasks) {
  switch (t.kind) {
    case store::TimerKind::Rule: return fmt::format("the rule at line {}", m.rules[static_cast<size_t>(t.rule)].line);
    case store::TimerKind::Then:
      return fmt::format("`then after` at line {}", m.actions[static_cast<size_t>(t.action)].line);
    case store::TimerKind::TaskOverdue:
      for (const auto& task : tasks) {
        if (task.id == t.task) return fmt::format("task \"{}\" falls overdue", shortText(task.text, 60));
      }
      return "a task falls overdue";
  }
  return "a timer";
}

}  // namespace

std::vector<std::string> describeDeal(const bc::Module& m, store::Transaction& tx, const std::string& id,
                                      const Calendar& account) {
  std::vector<std::string> out;
  std::optional<store::DealRecord> deal = tx.deal(id);
  if (!deal) return out;
  const bc::PipelineDef& pipeline = m.pipelines[deal->pipeline];
  out.push_back(fmt::format("deal {} is in {}.{} since {} (times in {})", id, m.str(pipeline.name),
                            m.str(pipeline.stages[deal->stage].name), account.formatDateTime(deal->enteredAt),
                            account.timezone()));

  std::vector<store::TaskRecord> tasks = tx.tasksOf(id);
  std::vector<store::TimerRecord> timers;
  for (const auto& t : tx.timersOf(id)) {
    bool live =
        t.kind == store::TimerKind::TaskOverdue
            ? std::any_of(tasks.begin(), tasks.end(), [&](const auto& task) { return task.id == t.task && !task.done; })
            : t.epoch == deal->epoch;  // a timer of an earlier visit never fires
    if (live) timers.push_back(t);
  }
  std::sort(timers.begin(), timers.end(), [](const auto& a, const auto& b) { return a.due < b.due; });
  out.push_back(timers.empty() ? "pending timers: none" : "pending timers:");
  for (const auto& t : timers) {
    out.push_back(fmt::format("  {}  {}", account.formatDateTime(t.due), timerText(m, t, tasks)));
  }

  std::vector<store::EffectRecord> effects = tx.effectsOf(id);
  size_t first = effects.size() > kLastEffects ? effects.size() - kLastEffects : 0;
  out.push_back(effects.empty() ? "effects so far: none"
                : first == 0    ? "effects so far:"
                                : fmt::format("last {} of {} effects:", kLastEffects, effects.size()));
  for (size_t i = first; i < effects.size(); ++i) {
    const store::EffectRecord& e = effects[i];
    nlohmann::json payload = nlohmann::json::parse(e.payload, nullptr, false);
    std::string line = fmt::format("  {}  {}", account.formatDateTime(e.createdAt),
                                   payload.is_object() ? effectLabel(e.kind, payload) : e.kind);
    if (e.notBefore > e.createdAt) line += fmt::format(" (goes out {})", account.formatDateTime(e.notBefore));
    out.push_back(std::move(line));
  }
  return out;
}

}  // namespace voronka::scenario
