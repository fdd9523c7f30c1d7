#include "runtime/server/module_identity.h"

#include <fmt/format.h>

#include "runtime/deploy/deploy.h"

namespace voronka::server {

Result<std::string> claimStoreForModule(store::Store& store, const std::string& moduleBytes,
                                        const std::string& modulePath, const deploy::Plan& plan, engine::Clock& clock,
                                        const std::string& by) {
  deploy::DeployOptions options;
  options.by = by;
  auto outcome = deploy::deployModule(store, moduleBytes, modulePath, plan, clock, options);
  if (!outcome) return fail(outcome.error());
  using Status = deploy::DeployOutcome::Status;
  switch (outcome->status) {
    case Status::FirstVersion: return fmt::format("version {} is the store's first", outcome->toVersion);
    case Status::AlreadyCurrent: return fmt::format("the store runs version {}", outcome->toVersion);
    case Status::Refused: {
      std::string message = fmt::format(
          "the store runs version {}, and the plan does not say how to move its deals onto {} ({}); nothing was "
          "changed:",
          outcome->fromVersion, outcome->toVersion, modulePath);
      for (const auto& p : outcome->problems) message += "\n  " + p;
      if (!outcome->diff.empty()) message += "\nwhat changed (voronka diff):\n" + outcome->diff;
      message +=
          "\nwrite those into a plan file and pass it with --plan plan.toml (see `voronka deploy --dry-run` and "
          "docs/versions.md), or serve the module the store runs";
      return fail(message);
    }
    case Status::Deployed: break;
  }
  return fmt::format("deployed version {} over {}{}: {} deals moved (timers {} kept, {} recomputed, {} cancelled)",
                     outcome->toVersion, outcome->fromVersion,
                     outcome->resumed ? ", finishing an interrupted deployment" : "", outcome->deals,
                     outcome->timersKept, outcome->timersRecomputed, outcome->timersCancelled);
}

}  // namespace voronka::server
