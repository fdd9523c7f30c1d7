// What `voronka sim` prints: the runs summed up as one JSON document, and
// that document as text for people and as an SVG chart.
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "runtime/bytecode/module.h"
#include "runtime/calendar/calendar.h"
#include "tools/sim/rates.h"
#include "tools/sim/simulation.h"

namespace voronka::sim {

// Mean and the 10th, 50th and 90th percentiles (linear between ranks).
nlohmann::json percentiles(std::vector<double> values);

// Conversion per stage pools the runs (deals that went on / deals that were
// in the stage, over every run); won deals and revenue per week, the totals
// and the workload carry percentiles over the runs.
nlohmann::json summarize(const bc::Module& module, const Rates& rates, const SimOptions& options,
                         const Calendar& calendar, const std::vector<RunResult>& runs);

void printText(const nlohmann::json& report, std::ostream& out);
// Won deals per week: bars at the mean, whiskers from p10 to p90.
std::string svgChart(const nlohmann::json& report);

}  // namespace voronka::sim
