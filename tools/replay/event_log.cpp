// An event log run through a module, the way `voronka run` runs one: the
// clock follows the events' "at" and timers fire in order as it moves.
#include <fmt/format.h>

#include "runtime/engine/engine.h"
#include "runtime/engine/values.h"
#include "runtime/engine/wire.h"
#include "tools/replay/replay.h"

namespace voronka::replay {

LogRun runEventLog(const bc::Module& module, store::Store& store, const std::string& path, std::istream& in,
                   int64_t start, std::optional<std::string> until, std::vector<std::string>& warnings,
                   const RecordedAt& recordedAt) {
  engine::VirtualClock clock(start);
  engine::Engine eng(module, store, clock);  // throws on an unknown time zone
  const Calendar& calendar = eng.calendar(0);
  engine::Names names(module);
  LogRun run;
  bool clockSet = false;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto warn = [&](const std::string& what) {
      warnings.push_back(fmt::format("{}:{}: {}", path, number, what));
      ++run.badLines;
    };
    nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
    if (!event.is_object()) {
      warn("not a JSON object; the line is skipped");
      continue;
    }
    Result<std::optional<int64_t>> time = engine::wireTime(event, calendar);
    if (!time) {
      warn(time.error() + "; the line is skipped");
      continue;
    }
    std::optional<int64_t> at = *time;
    if (recordedAt && event.contains("id") && event["id"].is_string()) {
      if (std::optional<int64_t> recorded = recordedAt(event["id"].get<std::string>())) at = recorded;
    }
    if (at && (!clockSet || *at >= clock.now())) {
      if (clockSet) eng.runDue(*at);
      clock.set(*at);
      clockSet = true;
    }
    if (event.contains("deal") && event["deal"].is_string()) run.deals.insert(event["deal"].get<std::string>());
    engine::Outcome outcome = engine::applyWireEvent(eng, names, event);
    if (!outcome.ok()) warn(fmt::format("{}: {}", engine::statusName(outcome.status), outcome.message));
    eng.runDue(clock.now());
  }
  if (until) {
    std::optional<int64_t> end = engine::parseIsoDateTime(*until, calendar);
    if (!end)
      throw std::invalid_argument(fmt::format("--until \"{}\" is not a date and time like 2026-12-01T10:00", *until));
    eng.runDue(*end);
  }
  return run;
}

}  // namespace voronka::replay
