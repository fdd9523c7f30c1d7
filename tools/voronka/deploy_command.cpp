// `voronka deploy NEW --store S [--plan plan.toml] [--dry-run]`: puts a new
// version of the funnel on a store and moves its deals onto it as the plan
// says (docs/versions.md). The store must not be served meanwhile (its lock
// says so); a running server takes a new version through POST /v1/modules
// or a restart with the new module.
#include <fmt/format.h>

#include <iostream>

#include "compiler/lower/lower.h"
#include "runtime/bytecode/container.h"
#include "runtime/deploy/deploy.h"
#include "runtime/server/open_store.h"
#include "tools/voronka/commands.h"
#include "tools/voronka/compile_inputs.h"
#include "tools/voronka/deploy_report.h"
#include "tools/voronka/module_file.h"

namespace voronka::tool {

namespace {

struct DeployCommandOptions {
  std::string module;
  std::string store = "sqlite:voronka.db";
  std::string plan;
  bool dryRun = false;
  std::string format = "text";
};

// The module's bytes: a .funnelc as it is, a funnel source compiled.
std::optional<std::string> moduleBytes(const std::string& path, int& status) {
  if (path.ends_with(".funnelc")) {
    std::optional<ModuleFile> file = loadModuleFile(path, status);
    if (!file) return std::nullopt;
    return file->bytes;
  }
  CompiledInputs in = compileInputs({path}, "", /*union_=*/true);
  if (in.exitCode) {
    status = in.exitCode;
    return std::nullopt;
  }
  try {
    return bc::serialize(lower::lowerProgram(*in.checked.front(), in.compilation->sources()));
  } catch (const std::exception& e) {
    std::cerr << "voronka: error: " << e.what() << "\n";
    status = 1;
    return std::nullopt;
  }
}

int runDeploy(const DeployCommandOptions& o) {
  int status = 0;
  std::optional<std::string> bytes = moduleBytes(o.module, status);
  if (!bytes) return status;
  deploy::Plan plan;
  if (!o.plan.empty()) {
    auto read = deploy::readPlan(o.plan);
    if (!read) {
      for (const auto& e : read.error()) std::cerr << e << "\n";
      std::cerr << "voronka: error: fix the plan (docs/versions.md describes it)\n";
      return 2;
    }
    plan = std::move(*read);
  }
  auto opened = server::openStore(o.store, store::Synchronous::Full);
  if (!opened) {
    std::cerr << "voronka: error: " << opened.error().message << "\n";
    return opened.error().kind == server::ServeError::Kind::Refused ? 1 : 2;
  }
  engine::RealClock clock;
  deploy::DeployOptions options;
  options.by = "cli";
  options.dryRun = o.dryRun;
  try {
    auto outcome = deploy::deployModule(*opened->store, *bytes, o.module, plan, clock, options);
    if (!outcome) {
      std::cerr << "voronka: error: " << outcome.error() << "\n";
      return 1;
    }
    if (o.format == "json") {
      std::cout << outcome->json().dump(2) << "\n";
    } else {
      printDeployOutcome(std::cout, *outcome);
    }
    return outcome->status == deploy::DeployOutcome::Status::Refused ? 1 : 0;
  } catch (const std::exception& e) {  // StoreError
    std::cerr << "voronka: error: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace

Runner addDeployCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "deploy", "Put a new version of the funnel on a store and move its deals onto it, as a migration plan says");
  auto o = std::make_shared<DeployCommandOptions>();
  cmd->add_option("module", o->module, "The new version: a .funnelc file, or a .funnel file to compile")->required();
  cmd->add_option("--store", o->store,
                  "The store: sqlite:PATH (default sqlite:voronka.db) or postgres:CONNINFO; not served meanwhile");
  cmd->add_option("--plan", o->plan, "plan.toml: removed stages mapped, changed timers' policy, retroactive on enter");
  cmd->add_flag("--dry-run", o->dryRun,
                "Move every deal in a transaction that is rolled back; report what would change");
  cmd->add_option("--format", o->format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
  cmd->footer(
      "Stages map by name; a removed stage holding deals needs [stages] in the plan; each changed timer rule\n"
      "with pending timers needs keep, recompute or cancel under [timers]; [enter] retroactive runs `on enter`\n"
      "for deals already in a stage; [timers] added = skip (default), from_entry or from_now says whether timed\n"
      "rules the new version adds start for deals already in their stage. The plan is checked whole before\n"
      "anything changes. Rollback is a deploy\n"
      "of the previous version. docs/versions.md has the plan's format.\n"
      "Exit status: 0 deployed (or nothing to do), 1 refused (the plan falls short, or the store is served),\n"
      "2 usage, plan or I/O error.");
  return [o]() { return runDeploy(*o); };
}

}  // namespace voronka::tool
