#include "tools/sim/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace voronka::sim {

namespace {

constexpr int64_t kDay = 86400;

std::string localDate(const Calendar& calendar, int64_t utc) {
  auto [y, m, d] = Calendar::civil(calendar.localDay(utc));
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

double round2(double x) { return std::round(x * 100) / 100; }

}  // namespace

nlohmann::json percentiles(std::vector<double> values) {
  if (values.empty()) return {{"mean", 0}, {"p10", 0}, {"p50", 0}, {"p90", 0}};
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (double v : values) sum += v;
  auto at = [&](double q) {
    double rank = q * static_cast<double>(values.size() - 1);
    size_t low = static_cast<size_t>(rank);
    size_t high = std::min(low + 1, values.size() - 1);
    return values[low] + (values[high] - values[low]) * (rank - static_cast<double>(low));
  };
  return {{"mean", round2(sum / static_cast<double>(values.size()))},
          {"p10", round2(at(0.1))},
          {"p50", round2(at(0.5))},
          {"p90", round2(at(0.9))}};
}

nlohmann::json summarize(const bc::Module& m, const Rates& rates, const SimOptions& options, const Calendar& calendar,
                         const std::vector<RunResult>& runs) {
  const double n = static_cast<double>(runs.size());
  nlohmann::json report = {{"deals", options.deals},
                           {"horizon_days", options.horizon / kDay},
                           {"seed", options.seed},
                           {"runs", runs.size()},
                           {"start", localDate(calendar, rates.start)},
                           {"percentiles", "over the runs, each with its own seed drawn from --seed"}};
  nlohmann::json pipelines = nlohmann::json::array();
  for (size_t p = 0; p < m.pipelines.size(); ++p) {
    nlohmann::json stages = nlohmann::json::array();
    int64_t any = 0;
    for (size_t s = 0; s < m.pipelines[p].stages.size(); ++s) {
      StageTally total;
      for (const RunResult& r : runs) {
        total.entered += r.stages[p][s].entered;
        total.toNext += r.stages[p][s].toNext;
        total.toWon += r.stages[p][s].toWon;
      }
      any += total.entered;
      const bc::StageDef& stage = m.pipelines[p].stages[s];
      static const char* kKinds[] = {"working", "won", "lost"};
      nlohmann::json row = {{"stage", m.str(stage.name)},
                            {"title", m.str(stage.title)},
                            {"kind", kKinds[static_cast<int>(stage.kind)]},
                            {"deals_in", round2(static_cast<double>(total.entered) / n)}};
      if (stage.kind == bc::StageKind::Working) {
        double in = static_cast<double>(std::max<int64_t>(total.entered, 1));
        row["to_next"] = std::round(static_cast<double>(total.toNext) / in * 10000) / 10000;
        row["to_won"] = std::round(static_cast<double>(total.toWon) / in * 10000) / 10000;
      }
      stages.push_back(std::move(row));
    }
    if (any == 0) continue;
    pipelines.push_back(
        {{"pipeline", m.str(m.pipelines[p].name)}, {"title", m.str(m.pipelines[p].title)}, {"stages", stages}});
  }
  report["pipelines"] = std::move(pipelines);

  auto over = [&](auto get) {
    std::vector<double> v;
    for (const RunResult& r : runs) v.push_back(static_cast<double>(get(r)));
    return percentiles(std::move(v));
  };
  report["won"] = over([](const RunResult& r) { return r.won; });
  report["lost"] = over([](const RunResult& r) { return r.lost; });
  report["open"] = over([](const RunResult& r) { return r.open; });
  if (rates.revenueField >= 0) {
    report["revenue_field"] = m.str(m.fields[rates.revenueField].name);
    report["revenue"] = over([](const RunResult& r) {
      double sum = 0;
      for (double w : r.revenuePerWeek) sum += w;
      return sum;
    });
  }
  nlohmann::json weeks = nlohmann::json::array();
  size_t weekCount = runs.empty() ? 0 : runs[0].wonPerWeek.size();
  for (size_t w = 0; w < weekCount; ++w) {
    nlohmann::json week = {{"week", w + 1},
                           {"from", localDate(calendar, rates.start + static_cast<int64_t>(w) * 7 * kDay)},
                           {"won", over([&](const RunResult& r) { return r.wonPerWeek[w]; })}};
    if (rates.revenueField >= 0) week["revenue"] = over([&](const RunResult& r) { return r.revenuePerWeek[w]; });
    weeks.push_back(std::move(week));
  }
  report["weeks"] = std::move(weeks);

  std::map<std::string, double> reasons;
  for (const RunResult& r : runs) {
    for (const auto& [reason, count] : r.lostReasons) reasons[reason] += static_cast<double>(count) / n;
  }
  nlohmann::json lost = nlohmann::json::array();
  for (const auto& [reason, mean] : reasons) lost.push_back({{"reason", reason}, {"deals", round2(mean)}});
  report["lost_reasons"] = std::move(lost);

  // Workload: tasks per manager per day over every day of the horizon
  // (weekends and holidays included), and the busy day: p90 of the days.
  const size_t days = static_cast<size_t>(std::max<int64_t>(1, options.horizon / kDay));
  std::map<std::string, std::vector<double>> perDay;
  for (const RunResult& r : runs) {
    for (const auto& [manager, counts] : r.tasksPerDay) perDay[manager];
  }
  for (auto& [manager, values] : perDay) {
    for (const RunResult& r : runs) {
      auto it = r.tasksPerDay.find(manager);
      for (size_t d = 0; d < days; ++d) {
        values.push_back(it != r.tasksPerDay.end() && d < it->second.size() ? static_cast<double>(it->second[d]) : 0);
      }
    }
  }
  nlohmann::json workload = nlohmann::json::array();
  for (auto& [manager, values] : perDay) {
    nlohmann::json p = percentiles(values);
    workload.push_back({{"manager", manager.empty() ? "(nobody)" : manager},
                        {"tasks_per_day", p["mean"]},
                        {"p90_day", p["p90"]},
                        {"busiest_day", *std::max_element(values.begin(), values.end())}});
  }
  report["workload"] = std::move(workload);
  uint64_t events = 0, refused = 0;
  for (const RunResult& r : runs) {
    events += r.events;
    refused += r.refused;
  }
  report["engine"] = {{"events", events}, {"refused", refused}};
  return report;
}

void printText(const nlohmann::json& r, std::ostream& out) {
  auto range = [](const nlohmann::json& p, int decimals) {
    return fmt::format("{:.{}f} (p10 {:.{}f}, p50 {:.{}f}, p90 {:.{}f})", p["mean"].get<double>(), decimals,
                       p["p10"].get<double>(), decimals, p["p50"].get<double>(), decimals, p["p90"].get<double>(),
                       decimals);
  };
  out << fmt::format("{} deals over {} days from {}, seed {}, {} runs (percentiles over the runs)\n",
                     r["deals"].get<int64_t>(), r["horizon_days"].get<int64_t>(), r["start"].get<std::string>(),
                     r["seed"].get<uint64_t>(), r["runs"].get<size_t>());
  for (const auto& p : r["pipelines"]) {
    out << fmt::format("\n{} \"{}\"\n", p["pipeline"].get<std::string>(), p["title"].get<std::string>());
    out << fmt::format("  {:<24} {:>10} {:>8} {:>8}\n", "stage", "deals in", "to next", "to won");
    for (const auto& s : p["stages"]) {
      std::string next = s.contains("to_next") ? fmt::format("{:.1f}%", s["to_next"].get<double>() * 100) : "";
      std::string won = s.contains("to_won") ? fmt::format("{:.1f}%", s["to_won"].get<double>() * 100) : "";
      out << fmt::format("  {:<24} {:>10.1f} {:>8} {:>8}\n", s["stage"].get<std::string>(), s["deals_in"].get<double>(),
                         next, won);
    }
  }
  out << fmt::format("\nwon:  {}\nlost: {}\nopen: {}\n", range(r["won"], 1), range(r["lost"], 1), range(r["open"], 1));
  bool revenue = r.contains("revenue");
  if (revenue) out << fmt::format("revenue ({}): {}\n", r["revenue_field"].get<std::string>(), range(r["revenue"], 0));
  out << "\nwon per week" << (revenue ? " and revenue" : "") << " (mean, p10–p90)\n";
  for (const auto& w : r["weeks"]) {
    const auto& won = w["won"];
    out << fmt::format("  week {:>2} {}  {:>7.1f} ({:.0f}–{:.0f})", w["week"].get<int>(), w["from"].get<std::string>(),
                       won["mean"].get<double>(), won["p10"].get<double>(), won["p90"].get<double>());
    if (revenue) {
      const auto& v = w["revenue"];
      out << fmt::format("  {:>12.0f} ({:.0f}–{:.0f})", v["mean"].get<double>(), v["p10"].get<double>(),
                         v["p90"].get<double>());
    }
    out << "\n";
  }
  if (!r["lost_reasons"].empty()) {
    out << "\nlost reasons (mean deals per run)\n";
    for (const auto& l : r["lost_reasons"]) {
      out << fmt::format("  {:>8.1f}  {}\n", l["deals"].get<double>(),
                         l["reason"].get<std::string>().empty() ? "(none)" : l["reason"].get<std::string>());
    }
  }
  if (!r["workload"].empty()) {
    out << "\nworkload: tasks per manager per calendar day (mean; p90 and the busiest day)\n";
    for (const auto& w : r["workload"]) {
      out << fmt::format("  {:<16} {:>6.2f}  p90 {:.0f}  busiest {:.0f}\n", w["manager"].get<std::string>(),
                         w["tasks_per_day"].get<double>(), w["p90_day"].get<double>(), w["busiest_day"].get<double>());
    }
  }
  out << fmt::format("\nengine: {} events handled, {} not applied (guards, failed actions)\n",
                     r["engine"]["events"].get<uint64_t>(), r["engine"]["refused"].get<uint64_t>());
}

std::string svgChart(const nlohmann::json& r) {
  const auto& weeks = r["weeks"];
  double top = 1;
  for (const auto& w : weeks) top = std::max(top, w["won"]["p90"].get<double>());
  const int width = 640, height = 320, left = 50, bottom = 40, right = 10, topPad = 30;
  const double plotW = width - left - right, plotH = height - bottom - topPad;
  const double step = plotW / static_cast<double>(std::max<size_t>(weeks.size(), 1));
  auto y = [&](double v) { return topPad + plotH - v / top * plotH; };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" "
      "font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{}\" y=\"18\" font-size=\"13\">Won deals per week: mean, p10–p90 over {} runs ({} deals, seed "
      "{})</text>\n",
      width, height, left, r["runs"].get<size_t>(), r["deals"].get<int64_t>(), r["seed"].get<uint64_t>());
  svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n", left, y(0), width - right,
                     y(0));
  svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n", left, topPad, left, y(0));
  for (int t = 0; t <= 4; ++t) {
    double v = top * t / 4;
    svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:.0f}</text>\n", left - 4, y(v) + 4, v);
  }
  for (size_t i = 0; i < weeks.size(); ++i) {
    const auto& won = weeks[i]["won"];
    double x = left + step * static_cast<double>(i);
    double mean = won["mean"].get<double>();
    svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#4a7ab5\"/>\n",
                       x + step * 0.15, y(mean), step * 0.7, y(0) - y(mean));
    double cx = x + step / 2;
    svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#222\"/>\n", cx,
                       y(won["p10"].get<double>()), cx, y(won["p90"].get<double>()));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", cx, height - bottom + 14,
                       weeks[i]["week"].get<int>());
  }
  svg +=
      fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">week</text>\n</svg>\n", left + plotW / 2, height - 8);
  return svg;
}

}  // namespace voronka::sim
