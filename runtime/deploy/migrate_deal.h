// One deal moved onto the new version, inside the caller's transaction: its
// stage, fields, users, history, visits, tasks and timers rewritten through
// the VersionMap, each changed timer as the plan says, then what the new
// version owes it (Engine::adopt: timers recomputed, retroactive `on enter`).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "runtime/deploy/version_map.h"
#include "runtime/engine/engine.h"

namespace voronka::deploy {

struct DealChange {
  std::string deal;
  std::string fromStage, toStage;  // "pipeline.stage"
  int timersKept = 0, timersRecomputed = 0, timersCancelled = 0;
  int fieldsDropped = 0;
  bool enterRun = false;
  int effects = 0;             // outbox entries the retroactive rules made
  int addedTimersStarted = 0;  // timers of timed rules the new version adds ([timers] added)
  nlohmann::json json() const;
};

// Throws std::runtime_error when the deal cannot be moved (its stage has no
// place in the new version, the enter rules cascade too deep); the caller
// rolls the transaction back.
DealChange migrateDeal(store::Transaction& tx, const std::string& dealId, const VersionMap& map, engine::Engine& target,
                       bool runEnter, const std::string& cause, int64_t now);

}  // namespace voronka::deploy
