#include "runtime/deploy/deploy.h"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "runtime/bytecode/container.h"
#include "runtime/deploy/check_plan.h"
#include "runtime/deploy/version_id.h"
#include "runtime/moddiff/moddiff.h"
#include "runtime/moddiff/render.h"

namespace voronka::deploy {

namespace {

using Seconds = std::chrono::duration<double>;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void claimVersion(store::Transaction& tx, const std::string& version, const std::string& source) {
  tx.putMeta("active_version", version);
  // What a Voronka before versions reads: the same hash.
  tx.putMeta("module_checksum", version);
  tx.putMeta("module_path", source);
}

void addTotals(DeployOutcome& out, const DealChange& c) {
  ++out.deals;
  out.timersKept += c.timersKept;
  out.timersRecomputed += c.timersRecomputed;
  out.timersCancelled += c.timersCancelled;
  out.enterRun += c.enterRun ? 1 : 0;
  out.effects += c.effects;
  out.fieldsDropped += c.fieldsDropped;
}

}  // namespace

nlohmann::json DeployOutcome::json() const {
  const char* names[] = {"deployed", "first version", "already current", "refused"};
  nlohmann::json changesJson = nlohmann::json::array();
  for (const auto& c : changes) changesJson.push_back(c.json());
  return {{"status", names[static_cast<int>(status)]},
          {"dry_run", dryRun},
          {"from", fromVersion},
          {"to", toVersion},
          {"deployment", deployment},
          {"resumed", resumed},
          {"problems", problems},
          {"diff", diff},
          {"deals", deals},
          {"timers_kept", timersKept},
          {"timers_recomputed", timersRecomputed},
          {"timers_cancelled", timersCancelled},
          {"enter_run", enterRun},
          {"effects", effects},
          {"fields_dropped", fieldsDropped},
          {"failures", failures},
          {"changes", changesJson},
          {"seconds", seconds},
          {"longest_chunk_seconds", longestChunkSeconds}};
}

std::optional<std::string> keptModuleBytes(store::Transaction& tx, const std::string& version, int64_t now) {
  if (auto kept = tx.module(version)) return kept->bytes;
  std::optional<std::string> path = tx.meta("module_path");
  if (!path) return std::nullopt;
  std::string bytes = readFile(*path);
  if (bytes.empty() || moduleVersionOf(bytes) != version) return std::nullopt;
  tx.putModule({version, bytes, *path, now});
  return bytes;
}

Result<DeployOutcome> deployModule(store::Store& store, const std::string& moduleBytes, const std::string& source,
                                   const Plan& plan, engine::Clock& clock, const DeployOptions& options) {
  auto started = std::chrono::steady_clock::now();
  bc::Module target;
  try {
    target = bc::load(moduleBytes);
  } catch (const std::exception& e) {
    return fail(fmt::format("{}: not a module this Voronka can run: {}", source, e.what()));
  }
  DeployOutcome out;
  out.dryRun = options.dryRun;
  out.toVersion = moduleVersionOf(moduleBytes);
  int64_t now = clock.now();

  auto tx = store.begin();
  std::string active = tx->meta("active_version").value_or("");
  std::optional<store::DeploymentRecord> running;
  if (std::string id = tx->meta("deploying").value_or(""); !id.empty()) running = tx->deployment(std::stoll(id));
  if (running && running->toVersion != out.toVersion) {
    return fail(fmt::format(
        "deployment {} (from {} to {}) was interrupted and some deals still run on {}: finish it first by deploying "
        "version {} again (the store keeps it), then deploy this one",
        running->id, running->fromVersion, running->toVersion, running->fromVersion, running->toVersion));
  }
  out.fromVersion = running ? running->fromVersion : active;
  bool noDeals = tx->counts().deals == 0;
  if (!running && (active.empty() || noDeals || active == out.toVersion)) {
    out.status = active == out.toVersion ? DeployOutcome::Status::AlreadyCurrent : DeployOutcome::Status::FirstVersion;
    if (!options.dryRun && !options.checkOnly) {
      tx->putModule({out.toVersion, moduleBytes, source, now});
      claimVersion(*tx, out.toVersion, source);
      if (active != out.toVersion) {
        out.deployment = tx->addDeployment(
            {0, now, now, options.by, active, out.toVersion, planJson(plan).dump(), "done", out.json().dump()});
      }
      tx->commit();
    }
    return out;
  }

  std::optional<std::string> oldBytes = keptModuleBytes(*tx, out.fromVersion, now);
  if (!oldBytes) {
    return fail(fmt::format(
        "the store's deals run on version {}, whose module the store does not keep (it was written before Voronka "
        "kept versions): serve that module once (`voronka serve OLD.funnelc`), or put it back where the store "
        "remembers it ({}), then deploy again",
        out.fromVersion, tx->meta("module_path").value_or("?")));
  }
  bc::Module old;
  try {
    old = bc::load(*oldBytes);
  } catch (const std::exception& e) {
    return fail(fmt::format("version {} kept in the store does not load: {}", out.fromVersion, e.what()));
  }
  VersionMap map(old, target, plan);
  out.problems = checkPlan(map, plan, {tx->dealsPerStage(), tx->timersPerRule()});
  if (!out.problems.empty()) {
    out.status = DeployOutcome::Status::Refused;
    out.diff = moddiff::renderText(moddiff::diffModules(old, target));
    if (!options.dryRun && !options.checkOnly) {  // a refusal is journaled too: who tried what
      out.deployment = tx->addDeployment({0, now, now, options.by, out.fromVersion, out.toVersion,
                                          planJson(plan).dump(), "refused", out.json().dump()});
      tx->commit();
    }
    return out;
  }
  if (options.checkOnly) return out;
  if (!options.dryRun) {
    if (running) {
      out.deployment = running->id;
      out.resumed = true;
    } else {
      tx->putModule({out.toVersion, moduleBytes, source, now});
      out.deployment = tx->addDeployment(
          {0, now, 0, options.by, out.fromVersion, out.toVersion, planJson(plan).dump(), "running", ""});
      tx->putMeta("deploying", std::to_string(out.deployment));
      claimVersion(*tx, out.toVersion, source);
    }
    tx->commit();
  }
  tx.reset();

  engine::EngineOptions engineOptions;
  engineOptions.moduleVersion = out.toVersion;
  engine::Engine engine(target, store, clock, engineOptions);
  std::string cause = out.dryRun ? "deploy:dry-run" : fmt::format("deploy:{}", out.deployment);
  int64_t position = 0;
  for (;;) {
    std::vector<store::DealPosition> chunk;
    {
      auto reader = store.begin();
      chunk = reader->dealsNotOn(out.toVersion, position, options.chunk);
    }
    if (chunk.empty()) break;
    auto chunkStarted = std::chrono::steady_clock::now();
    if (!options.dryRun) store.beginBatch();
    for (const store::DealPosition& d : chunk) {
      bool runEnter = true;
      for (int attempt = 0; attempt < 2; ++attempt) {
        auto dealTx = store.begin();
        try {
          DealChange change = migrateDeal(*dealTx, d.id, map, engine, runEnter, cause + ":" + d.id, clock.now());
          if (!options.dryRun) dealTx->commit();
          addTotals(out, change);
          if (options.dryRun && out.changes.size() < options.listChanges) out.changes.push_back(change);
          break;
        } catch (const store::StoreError&) {
          throw;
        } catch (const std::exception& e) {
          dealTx.reset();  // rolled back: the deal is still on its old version
          out.failures.push_back(fmt::format("{}: {}", d.id, e.what()));
          // Moved without its retroactive rules, so that no deal stays behind.
          if (!runEnter || options.dryRun) break;
          runEnter = false;
        }
      }
    }
    if (!options.dryRun) store.endBatch();
    out.longestChunkSeconds =
        std::max(out.longestChunkSeconds, Seconds(std::chrono::steady_clock::now() - chunkStarted).count());
    position = chunk.back().position;
    if (options.betweenChunks) options.betweenChunks();
  }
  out.seconds = Seconds(std::chrono::steady_clock::now() - started).count();
  if (!options.dryRun) {
    auto done = store.begin();
    if (auto entry = done->deployment(out.deployment)) {
      entry->finishedAt = clock.now();
      entry->status = "done";
      entry->result = out.json().dump();
      done->putDeployment(*entry);
    }
    done->putMeta("deploying", "");
    done->commit();
  }
  return out;
}

}  // namespace voronka::deploy
