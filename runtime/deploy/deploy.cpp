#include "runtime/deploy/deploy.h"

#include <fmt/format.h>

#include <chrono>

#include "common/read_file.h"
#include "runtime/bytecode/container.h"
#include "runtime/deploy/check_plan.h"
#include "runtime/deploy/version_id.h"
#include "runtime/moddiff/moddiff.h"
#include "runtime/moddiff/render.h"

namespace voronka::deploy {

namespace {

using Seconds = std::chrono::duration<double>;

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
  out.addedTimersStarted += c.addedTimersStarted;
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
          {"deals_in_store", dealsInStore},
          {"timers_kept", timersKept},
          {"timers_recomputed", timersRecomputed},
          {"timers_cancelled", timersCancelled},
          {"enter_run", enterRun},
          {"effects", effects},
          {"fields_dropped", fieldsDropped},
          {"failures", failures},
          {"changes", changesJson},
          {"seconds", seconds},
          {"longest_chunk_seconds", longestChunkSeconds},
          {"added_timers", addedTimers},
          {"added_timers_policy", addedTimersPolicy},
          {"added_timers_started", addedTimersStarted}};
}

std::optional<std::string> keptModuleBytes(store::Transaction& tx, const std::string& version, int64_t now) {
  if (auto kept = tx.module(version)) return kept->bytes;
  std::optional<std::string> path = tx.meta("module_path");
  if (!path) return std::nullopt;
  Result<std::string> bytes = readWholeFile(*path);  // gone or changed since: nothing to keep
  if (!bytes || bytes->empty() || moduleVersionOf(*bytes) != version) return std::nullopt;
  tx.putModule({version, *bytes, *path, now});
  return std::move(*bytes);
}

Result<Started> startDeployment(store::Store& store, const std::string& moduleBytes, const std::string& source,
                                const Plan& givenPlan, engine::Clock& clock, const DeployOptions& options) {
  auto target = std::make_shared<bc::Module>();
  try {
    *target = bc::load(moduleBytes);
  } catch (const std::exception& e) {
    return fail(fmt::format("{}: not a module this Voronka can run: {}", source, e.what()));
  }
  Started started;
  DeployOutcome& out = started.outcome;
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
  // An interrupted deployment goes on as it was journaled: its plan decided
  // the deals already moved, so it decides the others too.
  Plan plan = givenPlan;
  if (running) {
    auto journaled = planFromJson(running->plan);
    if (!journaled)
      return fail(fmt::format("deployment {}: its journaled plan does not read: {}", running->id, journaled.error()));
    plan = std::move(*journaled);
  }
  out.fromVersion = running ? running->fromVersion : active;
  out.addedTimersPolicy = addedTimersName(plan.addedTimers.value);
  // Deals per stage rather than counts(): a server waits for this read, and
  // counts() also counts every event the store ever applied.
  std::vector<store::StageCount> dealsPerStage = tx->dealsPerStage();
  for (const store::StageCount& c : dealsPerStage) out.dealsInStore += c.deals;
  bool noDeals = out.dealsInStore == 0;
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
    return started;
  }

  std::optional<std::string> oldBytes = keptModuleBytes(*tx, out.fromVersion, now);
  if (!oldBytes) {
    return fail(fmt::format(
        "the store's deals run on version {}, whose module the store does not keep (it was written before Voronka "
        "kept versions): serve that module once (`voronka serve OLD.funnelc`), or put it back where the store "
        "remembers it ({}), then deploy again",
        out.fromVersion, tx->meta("module_path").value_or("?")));
  }
  auto old = std::make_shared<bc::Module>();
  try {
    *old = bc::load(*oldBytes);
  } catch (const std::exception& e) {
    return fail(fmt::format("version {} kept in the store does not load: {}", out.fromVersion, e.what()));
  }
  {
    VersionMap map(*old, *target, plan);
    out.problems = checkPlan(map, plan, {std::move(dealsPerStage), tx->timersPerRule()});
    if (!out.problems.empty()) {
      out.status = DeployOutcome::Status::Refused;
      out.diff = moddiff::renderText(moddiff::diffModules(*old, *target));
      if (!options.dryRun && !options.checkOnly) {  // a refusal is journaled too: who tried what
        out.deployment = tx->addDeployment({0, now, now, options.by, out.fromVersion, out.toVersion,
                                            planJson(plan).dump(), "refused", out.json().dump()});
        tx->commit();
      }
      return started;
    }
    out.addedTimers = map.addedTimedRules();
  }
  if (options.checkOnly) return started;
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
  started.migration = std::make_unique<Migration>(store, clock, std::move(old), std::move(target), std::move(plan),
                                                  std::move(out), options);
  started.outcome = started.migration->progress();
  return started;
}

Migration::Migration(store::Store& store, engine::Clock& clock, std::shared_ptr<const bc::Module> from,
                     std::shared_ptr<const bc::Module> to, Plan plan, DeployOutcome started, DeployOptions options)
    : store_(store),
      clock_(clock),
      from_(std::move(from)),
      to_(std::move(to)),
      plan_(std::move(plan)),
      options_(std::move(options)),
      out_(std::move(started)),
      started_(std::chrono::steady_clock::now()) {
  map_ = std::make_unique<VersionMap>(*from_, *to_, plan_);
  engine::EngineOptions engineOptions;
  engineOptions.moduleVersion = out_.toVersion;
  engine_ = std::make_unique<engine::Engine>(*to_, store_, clock_, engineOptions);
  cause_ = out_.dryRun ? "deploy:dry-run" : fmt::format("deploy:{}", out_.deployment);
}

Migration::~Migration() = default;

bool Migration::move(const std::string& deal) {
  bool runEnter = true;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto dealTx = store_.begin();
    try {
      if (options_.lockDeal) options_.lockDeal(deal);
      DealChange change = migrateDeal(*dealTx, deal, *map_, *engine_, runEnter, cause_ + ":" + deal, clock_.now());
      if (!out_.dryRun) dealTx->commit();
      addTotals(out_, change);
      if (out_.dryRun && out_.changes.size() < options_.listChanges) out_.changes.push_back(change);
      return true;
    } catch (const store::StoreError&) {
      throw;
    } catch (const std::exception& e) {
      dealTx.reset();  // rolled back: the deal is still on its old version
      out_.failures.push_back(fmt::format("{}: {}", deal, e.what()));
      // Moved without its retroactive rules, so that no deal stays behind.
      if (!runEnter || out_.dryRun) return false;
      runEnter = false;
    }
  }
  return false;
}

bool Migration::moveIfBehind(const std::string& deal) {
  {
    auto tx = store_.begin();
    std::optional<store::DealRecord> d = tx->deal(deal);
    if (!d || d->moduleVersion == out_.toVersion) return false;
  }
  if (!move(deal))
    throw std::runtime_error(fmt::format("deal \"{}\" could not be moved onto version {}: {}", deal, out_.toVersion,
                                         out_.failures.empty() ? "?" : out_.failures.back()));
  return true;
}

bool Migration::moveNext(size_t max, std::chrono::steady_clock::duration budget) {
  std::vector<store::DealPosition> chunk;
  {
    auto reader = store_.begin();
    chunk = reader->dealsNotOn(out_.toVersion, position_, max);
  }
  if (chunk.empty()) return false;
  auto chunkStarted = std::chrono::steady_clock::now();
  for (const store::DealPosition& d : chunk) {
    move(d.id);
    position_ = d.position;
    if (std::chrono::steady_clock::now() - chunkStarted >= budget) break;
  }
  out_.longestChunkSeconds =
      std::max(out_.longestChunkSeconds, Seconds(std::chrono::steady_clock::now() - chunkStarted).count());
  return true;
}

void Migration::saveProgress(store::Transaction& tx) {
  if (out_.dryRun) return;
  if (auto entry = tx.deployment(out_.deployment)) {
    entry->result = out_.json().dump();
    tx.putDeployment(*entry);
  }
}

DeployOutcome Migration::finish() {
  out_.seconds = Seconds(std::chrono::steady_clock::now() - started_).count();
  if (!out_.dryRun) {
    auto done = store_.begin();
    if (auto entry = done->deployment(out_.deployment)) {
      entry->finishedAt = clock_.now();
      entry->status = "done";
      entry->result = out_.json().dump();
      done->putDeployment(*entry);
    }
    done->putMeta("deploying", "");
    done->commit();
  }
  return out_;
}

Result<DeployOutcome> deployModule(store::Store& store, const std::string& moduleBytes, const std::string& source,
                                   const Plan& plan, engine::Clock& clock, const DeployOptions& options) {
  auto began = std::chrono::steady_clock::now();
  Result<Started> started = startDeployment(store, moduleBytes, source, plan, clock, options);
  if (!started) return fail(started.error());
  if (!started->migration) return std::move(started->outcome);
  Migration& migration = *started->migration;
  for (;;) {
    if (!options.dryRun) store.beginBatch();
    bool more = migration.moveNext(options.chunk, std::chrono::steady_clock::duration::max());
    if (!options.dryRun) store.endBatch();
    if (!more) break;
    if (options.betweenChunks) options.betweenChunks();
  }
  DeployOutcome out = migration.finish();
  out.seconds = Seconds(std::chrono::steady_clock::now() - began).count();
  return out;
}

}  // namespace voronka::deploy
