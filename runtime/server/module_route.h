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
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/deploy/deploy.h"
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

// The parts of the route that shared workers' (worker_deploy.h) share.
struct ModuleUpload {
  std::string bytes;  // the .funnelc
  deploy::Plan plan;
  bool dryRun = false;
  deploy::DeployOptions options;  // `by` the token's fingerprint
};
// Checks that a token was sent and reads the body: the upload, or the answer.
Result<ModuleUpload, ExtraReply> readModuleUpload(const ExtraRequest& req, bool tokensConfigured,
                                                  const std::string& refusal = "");
// A dry run, answered (it changes nothing).
ExtraReply dryRunReply(store::Store& store, engine::Clock& clock, const ModuleUpload& upload);
// What keeps the module's engine from starting here (a time zone this machine
// does not know), before anything is journaled.
std::optional<std::string> moduleCannotRun(const std::string& bytes, store::Store& store, engine::Clock& clock);
// The answer to a start (nullopt: not started); a started deployment is
// reported, and its 202 says `how` it goes on.
ExtraReply startedReply(const std::optional<Result<deploy::DeployOutcome>>& started, const std::string& how,
                        const std::function<void(const std::string&)>& report);
std::string movingMessage(int64_t deployment);
ExtraReply moduleRouteError(int status, const std::string& code, const std::string& message,
                            const std::vector<std::string>& problems = {});

}  // namespace voronka::server
