#include "tools/sim/stats_rates.h"

#include <fmt/format.h>

#include <cmath>

namespace voronka::sim {

namespace {

int32_t pipelineNamed(const bc::Module& m, const std::string& name) {
  for (size_t p = 0; p < m.pipelines.size(); ++p) {
    if (m.str(m.pipelines[p].name) == name) return static_cast<int32_t>(p);
  }
  return bc::kNo;
}

int32_t stageNamed(const bc::Module& m, int32_t p, const std::string& name) {
  const auto& stages = m.pipelines[p].stages;
  for (size_t s = 0; s < stages.size(); ++s) {
    if (m.str(stages[s].name) == name) return static_cast<int32_t>(s);
  }
  return bc::kNo;
}

ClientAction move(const std::string& stage, double probability, const Distribution& delay) {
  ClientAction a;
  a.probability = probability;
  a.delay = delay;
  a.choice = "stats";
  a.event = {{"type", "manual_move"}, {"stage", stage}};
  return a;
}

}  // namespace

Result<Rates> ratesFromStats(const bc::Module& m, const nlohmann::json& stats, const std::string& source,
                             int64_t start) {
  Rates rates;
  rates.path = source;
  rates.start = start;
  rates.actions.resize(m.pipelines.size());
  for (size_t p = 0; p < m.pipelines.size(); ++p) rates.actions[p].resize(m.pipelines[p].stages.size());
  bool pipelineChosen = false;
  try {
    for (const auto& pj : stats.at("pipelines")) {
      std::string pipelineName = pj.at("pipeline").get<std::string>();
      int32_t p = pipelineNamed(m, pipelineName);
      if (p == bc::kNo) return fail(fmt::format("{}: the funnel has no pipeline \"{}\"", source, pipelineName));
      const bc::PipelineDef& pipeline = m.pipelines[p];
      // Loss reasons as recorded, else the pipeline's "other" (or first) reason.
      std::vector<std::pair<std::string, double>> reasons;
      double recorded = 0;
      for (const auto& r : pj.at("loss_reasons")) {
        double n = r.at("deals").get<double>();
        recorded += n;
        reasons.emplace_back(r.at("reason").get<std::string>(), n);
      }
      if (recorded == 0) {
        reasons.clear();
        if (!pipeline.reasons.empty()) {
          int32_t which = pipeline.otherReason != bc::kNo ? pipeline.otherReason : 0;
          reasons.emplace_back(m.str(pipeline.reasons[static_cast<size_t>(which)]), 1);
        } else {
          reasons.emplace_back("", 1);
        }
        recorded = 1;
      }
      for (const auto& sj : pj.at("stages")) {
        if (sj.at("kind") != "working") continue;
        std::string stageName = sj.at("stage").get<std::string>();
        int32_t s = stageNamed(m, p, stageName);
        if (s == bc::kNo) {
          return fail(
              fmt::format("{}: pipeline {} of the funnel has no stage \"{}\"", source, pipelineName, stageName));
        }
        double in = sj.at("deals_in").get<double>();
        double decided = in - sj.at("still_in").get<double>();
        if (s == pipeline.initial && in > 0 && !pipelineChosen) {
          rates.pipeline = p;
          pipelineChosen = true;
        }
        if (decided <= 0) continue;
        double next = std::round(sj.at("to_next").get<double>() * in);
        double lost = sj.at("lost_here").get<double>();
        double pNext = next / decided, pLost = lost / decided;
        if (pNext + pLost > 1) {  // a deal that went on, came back and was lost here counts twice
          double total = pNext + pLost;
          pNext /= total;
          pLost /= total;
        }
        Distribution delay;
        const auto& time = sj.at("time_in_stage");
        if (time.contains("median")) {
          double median = std::max(60.0, time.at("median").get<double>());
          double p90 = time.at("p90").get<double>();
          if (p90 > median) {
            delay = {Distribution::Kind::Lognormal, median, p90};
          } else {
            delay.a = median;
          }
        } else {
          delay.a = 86400;
        }
        auto& actions = rates.actions[p][s];
        if (pNext > 0 && static_cast<size_t>(s + 1) < pipeline.stages.size()) {
          actions.push_back(move(m.str(pipeline.stages[s + 1].name), pNext, delay));
        }
        if (pLost > 0 && pipeline.lost != bc::kNo) {
          for (const auto& [reason, count] : reasons) {
            ClientAction a = move(m.str(pipeline.stages[pipeline.lost].name), pLost * count / recorded, delay);
            if (!reason.empty()) a.event["reason"] = reason;
            actions.push_back(std::move(a));
          }
        }
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return fail(fmt::format("{}: not the JSON of `voronka stats --format json`: {}", source, e.what()));
  }
  return rates;
}

}  // namespace voronka::sim
