#include "runtime/stats/store_stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>

namespace voronka::stats {

namespace {

struct StageFigures {
  int64_t in = 0, toNext = 0, toWon = 0, lostHere = 0;
  std::vector<int64_t> durations;  // of visits that ended
  int64_t stillIn = 0;
  int64_t overdueTasks = 0;
};

// A history record without its texts: a million of them are read at a time.
struct Move {
  int32_t fromPipeline, fromStage, toPipeline, toStage;
  int64_t at;
  bool created;
};

// What the history needs to know of a deal now.
struct DealNow {
  int32_t pipeline = -1, stage = -1;
  bool won = false;
};

// The value below which a fraction q of the sorted values lie (nearest rank).
int64_t quantile(const std::vector<int64_t>& sorted, double q) {
  size_t rank = static_cast<size_t>(q * static_cast<double>(sorted.size()) + 0.999999);
  return sorted[std::min(sorted.size(), std::max<size_t>(rank, 1)) - 1];
}

double fraction(int64_t part, int64_t whole) {
  return whole == 0 ? 0.0
                    : static_cast<double>(static_cast<int64_t>(
                          10000.0 * static_cast<double>(part) / static_cast<double>(whole) + 0.5)) /
                          10000;
}

std::string hours(int64_t seconds) {
  if (seconds < 3600) return fmt::format("{}m", seconds / 60);
  if (seconds < 2 * 86400) return fmt::format("{:.1f}h", seconds / 3600.0);
  return fmt::format("{:.1f}d", seconds / 86400.0);
}

// Adds a key to a short list once (a deal's stages: a handful).
bool addOnce(std::vector<int64_t>& seen, int64_t key) {
  if (std::find(seen.begin(), seen.end(), key) != seen.end()) return false;
  seen.push_back(key);
  return true;
}

}  // namespace

nlohmann::json storeStats(const bc::Module& m, store::Transaction& tx, int64_t now, Period period) {
  std::vector<std::vector<StageFigures>> figures(m.pipelines.size());
  for (size_t p = 0; p < m.pipelines.size(); ++p) figures[p].resize(m.pipelines[p].stages.size());
  std::vector<std::map<std::string, int64_t>> reasons(m.pipelines.size());
  auto valid = [&](int32_t p, int32_t s) {
    return p >= 0 && static_cast<size_t>(p) < m.pipelines.size() && s >= 0 &&
           static_cast<size_t>(s) < m.pipelines[p].stages.size();
  };
  auto kindOf = [&](int32_t p, int32_t s) { return m.pipelines[p].stages[s].kind; };

  std::unordered_map<std::string, DealNow> deals;
  std::unordered_map<std::string, std::string> lostReasons;  // of deals lost now
  tx.forEachDeal([&](const store::DealRecord& d) {
    DealNow& now = deals[d.id];
    now.pipeline = d.pipeline;
    now.stage = d.stage;
    now.won = valid(d.pipeline, d.stage) && kindOf(d.pipeline, d.stage) == bc::StageKind::Won;
    if (valid(d.pipeline, d.stage) && kindOf(d.pipeline, d.stage) == bc::StageKind::Lost)
      lostReasons[d.id] = d.lostReason;
  });

  int64_t unknown = 0;
  std::vector<int64_t> in, toNext, lostHere;  // one deal's stages, counted once each
  auto key = [](int32_t p, int32_t s) { return (static_cast<int64_t>(p) << 32) | static_cast<uint32_t>(s); };
  // One deal's history, in the order recorded.
  auto visitDeal = [&](const std::string& id, std::vector<Move>& history) {
    auto found = deals.find(id);
    if (found == deals.end()) return;  // history of a deal the store no longer has
    const DealNow& deal = found->second;
    std::stable_sort(history.begin(), history.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
    in.clear();
    toNext.clear();
    lostHere.clear();
    for (size_t i = 0; i < history.size(); ++i) {
      const Move& h = history[i];
      if (!valid(h.toPipeline, h.toStage)) {
        ++unknown;
        continue;
      }
      StageFigures& f = figures[h.toPipeline][h.toStage];
      if (period.contains(h.at)) {
        if (addOnce(in, key(h.toPipeline, h.toStage))) {
          ++f.in;
          if (deal.won) ++f.toWon;
        }
        if (i + 1 < history.size()) {
          f.durations.push_back(history[i + 1].at - h.at);
        } else {
          ++f.stillIn;
        }
      }
      // A move out of a stage counts for the visit it ended, if that began in the period.
      int64_t visitBegan = i > 0 ? history[i - 1].at : h.at;
      if (!h.created && valid(h.fromPipeline, h.fromStage) && period.contains(visitBegan)) {
        const bc::StageDef& target = m.pipelines[h.toPipeline].stages[h.toStage];
        if (h.fromPipeline == h.toPipeline && h.toStage == h.fromStage + 1 &&
            kindOf(h.fromPipeline, h.fromStage) == bc::StageKind::Working) {
          if (addOnce(toNext, key(h.fromPipeline, h.fromStage))) ++figures[h.fromPipeline][h.fromStage].toNext;
        }
        if (target.kind == bc::StageKind::Lost && addOnce(lostHere, key(h.fromPipeline, h.fromStage)))
          ++figures[h.fromPipeline][h.fromStage].lostHere;
      }
    }
    auto lost = lostReasons.find(id);
    if (lost != lostReasons.end() && !history.empty() && period.contains(history.back().at))
      ++reasons[deal.pipeline][lost->second];
  };

  std::string current;
  std::vector<Move> history;
  tx.forEachHistory([&](const store::HistoryRecord& h) {
    if (h.deal != current) {
      if (!history.empty()) visitDeal(current, history);
      history.clear();
      current = h.deal;
    }
    history.push_back({h.fromPipeline, h.fromStage, h.toPipeline, h.toStage, h.at, h.how == "created"});
  });
  if (!history.empty()) visitDeal(current, history);

  for (const store::TaskRecord& t : tx.openTasksDueBefore(now)) {
    auto found = deals.find(t.deal);
    if (found == deals.end() || !valid(found->second.pipeline, found->second.stage)) continue;
    ++figures[found->second.pipeline][found->second.stage].overdueTasks;
  }

  nlohmann::json pipelines = nlohmann::json::array();
  static const char* kKinds[] = {"working", "won", "lost"};
  for (size_t p = 0; p < m.pipelines.size(); ++p) {
    nlohmann::json stages = nlohmann::json::array();
    for (size_t s = 0; s < m.pipelines[p].stages.size(); ++s) {
      StageFigures& f = figures[p][s];
      const bc::StageDef& stage = m.pipelines[p].stages[s];
      nlohmann::json row = {
          {"stage", m.str(stage.name)}, {"title", m.str(stage.title)}, {"kind", kKinds[static_cast<int>(stage.kind)]},
          {"deals_in", f.in},           {"still_in", f.stillIn},       {"overdue_tasks", f.overdueTasks}};
      if (stage.kind == bc::StageKind::Working) {
        row["to_next"] = fraction(f.toNext, f.in);
        row["to_won"] = fraction(f.toWon, f.in);
        row["lost_here"] = f.lostHere;
        std::sort(f.durations.begin(), f.durations.end());
        nlohmann::json time = {{"visits", f.durations.size()}};
        if (!f.durations.empty()) {
          time["median"] = quantile(f.durations, 0.5);
          time["p90"] = quantile(f.durations, 0.9);
        }
        row["time_in_stage"] = std::move(time);
      }
      stages.push_back(std::move(row));
    }
    nlohmann::json lost = nlohmann::json::array();
    for (const auto& [reason, count] : reasons[p]) lost.push_back({{"reason", reason}, {"deals", count}});
    pipelines.push_back({{"pipeline", m.str(m.pipelines[p].name)},
                         {"title", m.str(m.pipelines[p].title)},
                         {"stages", std::move(stages)},
                         {"loss_reasons", std::move(lost)}});
  }
  nlohmann::json out = {{"deals", static_cast<int64_t>(deals.size())}, {"pipelines", std::move(pipelines)}};
  if (unknown > 0) out["unknown_history"] = unknown;  // records naming stages the module does not have
  out["not_recorded"] =
      "the store keeps a loss reason only while a deal is lost: loss reasons count the deals lost now; overdue "
      "tasks are counted at the stage their deal is in now";
  return out;
}

void printStatsText(const nlohmann::json& stats, std::ostream& out) {
  out << fmt::format("{} deals\n", stats["deals"].get<int64_t>());
  for (const auto& p : stats["pipelines"]) {
    out << fmt::format("\n{} \"{}\"\n", p["pipeline"].get<std::string>(), p["title"].get<std::string>());
    out << fmt::format("  {:<20} {:>8} {:>8} {:>8} {:>9} {:>9} {:>8} {:>9} {:>8}\n", "stage", "deals in", "to next",
                       "to won", "median", "p90", "still in", "lost here", "overdue");
    for (const auto& s : p["stages"]) {
      std::string next, won, median, p90, lost;
      if (s.contains("to_next")) {
        next = fmt::format("{:.1f}%", s["to_next"].get<double>() * 100);
        won = fmt::format("{:.1f}%", s["to_won"].get<double>() * 100);
        lost = std::to_string(s["lost_here"].get<int64_t>());
        const auto& t = s["time_in_stage"];
        if (t.contains("median")) {
          median = hours(t["median"].get<int64_t>());
          p90 = hours(t["p90"].get<int64_t>());
        }
      }
      out << fmt::format("  {:<20} {:>8} {:>8} {:>8} {:>9} {:>9} {:>8} {:>9} {:>8}\n", s["stage"].get<std::string>(),
                         s["deals_in"].get<int64_t>(), next, won, median, p90, s["still_in"].get<int64_t>(), lost,
                         s["overdue_tasks"].get<int64_t>());
    }
    if (!p["loss_reasons"].empty()) {
      out << "  loss reasons (deals lost now):\n";
      for (const auto& l : p["loss_reasons"]) {
        std::string reason = l["reason"].get<std::string>();
        out << fmt::format("    {:>6}  {}\n", l["deals"].get<int64_t>(), reason.empty() ? "(none)" : reason);
      }
    }
  }
  if (stats.contains("unknown_history")) {
    out << fmt::format("\n{} history records name stages this module does not have; they are left out\n",
                       stats["unknown_history"].get<int64_t>());
  }
  out << "\nnote: " << stats["not_recorded"].get<std::string>() << "\n";
}

void printStatsCsv(const nlohmann::json& stats, std::ostream& out) {
  out << "pipeline,stage,kind,deals_in,to_next,to_won,lost_here,time_visits,time_median_s,time_p90_s,still_in,"
         "overdue_tasks\n";
  for (const auto& p : stats["pipelines"]) {
    for (const auto& s : p["stages"]) {
      std::string working;
      if (s.contains("to_next")) {
        const auto& t = s["time_in_stage"];
        working = fmt::format("{},{},{},{},{},{}", s["to_next"].get<double>(), s["to_won"].get<double>(),
                              s["lost_here"].get<int64_t>(), t["visits"].get<int64_t>(),
                              t.contains("median") ? std::to_string(t["median"].get<int64_t>()) : "",
                              t.contains("p90") ? std::to_string(t["p90"].get<int64_t>()) : "");
      } else {
        working = ",,,,,";
      }
      // Names are identifiers: no commas or quotes to escape.
      out << fmt::format("{},{},{},{},{},{},{}\n", p["pipeline"].get<std::string>(), s["stage"].get<std::string>(),
                         s["kind"].get<std::string>(), s["deals_in"].get<int64_t>(), working,
                         s["still_in"].get<int64_t>(), s["overdue_tasks"].get<int64_t>());
    }
  }
}

}  // namespace voronka::stats
