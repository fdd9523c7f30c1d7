// POST /v1/modules: a new version of the funnel for a running server
// (docs/versions.md). Always needs an API token. The body is JSON:
//   {"module": BASE64 of the .funnelc, "plan": TOML text, "dry_run": bool}
// A dry run answers 200 with what would change. Otherwise the writer thread
// checks the plan against the store (422 with what it lacks, nothing
// changed), and when it holds starts the deployment and answers 202: events
// go on while the deals move (live_deploy.h). GET /v1/deployments and
// /v1/deployments/ID show the journal, a running deployment's progress
// included.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "runtime/deploy/plan.h"
#include "runtime/engine/clock.h"
#include "runtime/server/extra_routes.h"
#include "runtime/store/store.h"

namespace voronka::server {

struct ModuleRouteSettings {
  bool tokensConfigured = false;
  std::string refusal;  // not empty: deploying through the API is refused, saying this
};

// `store` is the one the server's engine writes through; `report` gets a
// line when a deployment starts and when it is done (on the writer thread).
ExtraRoute moduleRoute(store::Store& store, engine::Clock& clock, ModuleRouteSettings settings,
                       std::function<void(const std::string&)> report);
std::vector<ExtraRoute> deploymentRoutes(store::Store& store);

}  // namespace voronka::server
