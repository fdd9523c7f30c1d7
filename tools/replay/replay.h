// `voronka replay`: a recorded event history run through a new version of a
// funnel on a virtual clock, and per deal what would happen differently —
// the moves, tasks, outbox effects and notes — from what happened (a run of
// the same history through the old version, or what a store recorded).
//
// Both sides are read the same way, from a Store after the fact
// (happenings.cpp), so a run and a live store compare like for like.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/bytecode/module.h"
#include "runtime/store/store.h"

namespace voronka::replay {

// One thing that happened to a deal, as the store keeps it.
struct Happening {
  int64_t at = 0;
  int order = 0;        // stage, task, effect, note: within one instant
  std::string what;     // stage, task, effect, note
  std::string text;     // for people
  std::string compare;  // what must be equal for two happenings to be the same
  bool operator==(const Happening& o) const { return at == o.at && what == o.what && compare == o.compare; }
};
using Happenings = std::map<std::string, std::vector<Happening>>;  // by deal, in time order

// What the store holds for these deals; names come from the module that
// wrote it (its deals, tasks and history refer to its tables by position).
// `stageNames` renames stages ("pipeline.stage" → "pipeline.stage"): the old
// side of a replay speaks of a renamed stage by its new name.
using StageNames = std::map<std::string, std::string>;
Happenings collectHappenings(store::Store& store, const bc::Module& module, const std::set<std::string>& deals,
                             const StageNames& stageNames = {});
std::set<std::string> dealIds(store::Store& store);

// Runs a JSON-lines event log (the format of `voronka run --events`)
// through `module` on `store`, the clock starting at `start` and following
// the events' "at"; timers fire as it moves, and up to `until` at the end.
// Returns the deals the log names. Bad lines are counted in `badLines` and
// reported through `warn` with their line number.
struct LogRun {
  std::set<std::string> deals;
  int badLines = 0;
};
// `recordedAt`, when given, says when a store applied an event (by its id):
// that time is the event's, whatever its "at" says, as the store's records
// of what happened carry it.
// Throws std::runtime_error when the engine cannot start (an unknown time zone).
using RecordedAt = std::function<std::optional<int64_t>(const std::string& eventId)>;
LogRun runEventLog(const bc::Module& module, store::Store& store, const std::string& path, std::istream& events,
                   int64_t start, std::optional<std::string> until, std::vector<std::string>& warnings,
                   const RecordedAt& recordedAt = {});

struct DealDifference {
  std::string deal;
  std::vector<std::pair<char, Happening>> lines;  // '-' happened, not with the new version; '+' the reverse
};

std::vector<DealDifference> compare(const Happenings& before, const Happenings& after);

std::string renderText(const std::vector<DealDifference>& diffs, size_t dealsCompared);
nlohmann::json renderJson(const std::vector<DealDifference>& diffs, size_t dealsCompared);

}  // namespace voronka::replay
