#include "runtime/server/module_identity.h"

#include <fmt/format.h>

#include "runtime/deploy/deploy.h"
#include "runtime/deploy/version_id.h"
#include "runtime/engine/values.h"

namespace voronka::server {

Result<std::string> claimStoreForModule(store::Store& store, const std::string& moduleBytes,
                                        const std::string& modulePath, const deploy::Plan& plan, engine::Clock& clock,
                                        const std::string& by) {
  // A module the store ran before and moved away from, served without a
  // plan, is most likely an old command line started again (after a
  // deployment through the API): it would roll the deals back in silence.
  if (plan.path.empty()) {
    auto tx = store.begin();
    std::string active = tx->meta("active_version").value_or("");
    std::string version = deploy::moduleVersionOf(moduleBytes);
    if (!active.empty() && version != active && tx->meta("deploying").value_or("").empty() && tx->module(version)) {
      std::string since = "";
      for (const store::DeploymentRecord& d : tx->deployments(100)) {
        if (d.toVersion != active || d.status != "done") continue;
        since = fmt::format(" since deployment {} (by {}, at {})", d.id, d.by, engine::isoUtc(d.startedAt));
        break;
      }
      return fail(fmt::format(
          "the store runs version {}{}; {} is version {}, which it ran before: serving it would move every deal "
          "back. Serve the module the store runs, or roll back on purpose: `voronka deploy {} --store …` or serve it "
          "with --plan plan.toml (docs/versions.md); nothing was changed",
          active, since, modulePath, version, modulePath));
    }
  }
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

std::unique_ptr<deploy::Migration> resumeDeployment(store::Store& store, const std::string& moduleBytes,
                                                    const std::string& modulePath, engine::Clock& clock) {
  {
    auto tx = store.begin();
    std::string id = tx->meta("deploying").value_or("");
    if (id.empty()) return nullptr;
    std::optional<store::DeploymentRecord> running = tx->deployment(std::stoll(id));
    if (!running || running->toVersion != deploy::moduleVersionOf(moduleBytes)) return nullptr;
  }
  deploy::DeployOptions options;
  options.by = "serve";
  Result<deploy::Started> started = deploy::startDeployment(store, moduleBytes, modulePath, {}, clock, options);
  if (!started || !started->migration) return nullptr;
  return std::move(started->migration);
}

}  // namespace voronka::server
