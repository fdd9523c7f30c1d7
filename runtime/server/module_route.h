// POST /v1/modules: a new version of the funnel for a running server
// (docs/versions.md). Always needs an API token. The body is JSON:
//   {"module": BASE64 of the .funnelc, "plan": TOML text, "dry_run": bool}
// A dry run answers 200 with what would change. Otherwise the plan is
// checked against the store (422 with what it lacks, nothing changed), and
// when it holds, 202: the server finishes what is in flight, moves the deals
// and comes back on the new version (`accept` hands the request over).
#pragma once

#include <functional>
#include <string>

#include "runtime/deploy/plan.h"
#include "runtime/engine/clock.h"
#include "runtime/server/extra_routes.h"
#include "runtime/store/store.h"

namespace voronka::server {

struct ModuleUpload {
  std::string bytes;
  deploy::Plan plan;
  std::string by;  // "token:1a2b3c4d": a fingerprint of the token, never the token
};

struct ModuleRouteSettings {
  bool tokensConfigured = false;
  std::string refusal;  // not empty: deploying through the API is refused, saying this
};

ExtraRoute moduleRoute(store::Store& store, engine::Clock& clock, ModuleRouteSettings settings,
                       std::function<void(ModuleUpload)> accept);

}  // namespace voronka::server
