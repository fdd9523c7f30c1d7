#include "runtime/server/worker_deploy.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "runtime/bytecode/container.h"
#include "runtime/store/pg_db.h"
#include "runtime/store/pg_lock_keys.h"
#include "runtime/store/pg_store.h"
#include "runtime/store/pg_wake_channel.h"
#include "runtime/store/pg_work_queue.h"

namespace voronka::server {

namespace {

// The deployment lock of a store (its schema): every worker batch holds it
// shared; the start of a deployment holds it alone, so no batch that began
// before the start commits after it with the old version.
constexpr const char* kDeployLockShared =
    "SELECT pg_advisory_xact_lock_shared(" VORONKA_PG_LOCK_DEPLOYMENT ", hashtext(current_schema()))";
constexpr const char* kDeployLock =
    "SELECT pg_advisory_lock(" VORONKA_PG_LOCK_DEPLOYMENT ", hashtext(current_schema()))";

constexpr size_t kFailuresKept = 100;  // in the journal's result

// The journal's counts, added up over every worker's batches.
const char* const kCounts[] = {"deals",     "timers_kept", "timers_recomputed", "timers_cancelled",
                               "enter_run", "effects",     "fields_dropped",    "added_timers_started"};

// What a batch moved, added to the result the journal holds (`stored`,
// empty at first: then the batch's own outcome, its counts the batch's).
std::string addedProgress(const std::string& stored, const deploy::DeployOutcome& before,
                          const deploy::DeployOutcome& after) {
  nlohmann::json was = before.json(), now = after.json();
  nlohmann::json j = nlohmann::json::parse(stored, nullptr, false);
  if (!j.is_object()) {
    j = now;
    for (const char* key : kCounts) j[key] = 0;
    j["failures"] = nlohmann::json::array();
  }
  for (const char* key : kCounts)
    j[key] = j.value(key, int64_t{0}) + (now.value(key, int64_t{0}) - was.value(key, int64_t{0}));
  if (!j["failures"].is_array()) j["failures"] = nlohmann::json::array();
  for (size_t i = before.failures.size(); i < after.failures.size() && j["failures"].size() < kFailuresKept; ++i)
    j["failures"].push_back(after.failures[i]);
  j["longest_chunk_seconds"] = std::max(j.value("longest_chunk_seconds", 0.0), after.longestChunkSeconds);
  return j.dump();
}

// "deal: why" → deal (Migration's failures).
std::string dealOfFailure(const std::string& failure) {
  size_t colon = failure.find(": ");
  return colon == std::string::npos ? failure : failure.substr(0, colon);
}

}  // namespace

struct WorkerDeploy::Statements {
  explicit Statements(store::pg::Conn& c) : db(c) {}
  store::pg::Conn& db;
  store::pg::Statement lockShared{db, kDeployLockShared, "waiting for a deployment to start"};
  store::pg::Statement meta{db, "SELECT key, value FROM meta WHERE key IN ('active_version', 'deploying')",
                            "reading the store's version"};
  // Deals a single server made may have no deal_work row yet: the claim below needs one.
  store::pg::Statement ensureRows{db,
                                  "INSERT INTO deal_work (deal, next_run_at) SELECT d.id, NULL FROM deals d "
                                  "WHERE d.module_version <> $1 AND NOT EXISTS (SELECT 1 FROM deal_work w "
                                  "WHERE w.deal = d.id) ON CONFLICT (deal) DO NOTHING",
                                  "queueing the deals a deployment moves"};
  // The same row lock an event batch claims its deals with: a deal is moved
  // by one worker, never beside one of its events.
  store::pg::Statement claim{db,
                             "SELECT d.seq, d.id FROM deals d JOIN deal_work w ON w.deal = d.id WHERE d.seq > $1 "
                             "AND d.module_version <> $2 AND NOT (d.id = ANY($3::text[])) ORDER BY d.seq LIMIT $4 "
                             "FOR UPDATE OF w SKIP LOCKED",
                             "claiming deals to move onto the new version"};
  store::pg::Statement remaining{db,
                                 "SELECT count(*) FROM (SELECT 1 FROM deals WHERE module_version <> $1 "
                                 "AND NOT (id = ANY($2::text[])) LIMIT 1) r",
                                 "looking for deals not moved yet"};
  store::pg::Statement entry{db, "SELECT result, status, started_at FROM deployments WHERE id = $1 FOR UPDATE",
                             "reading the deployment's progress"};
  store::pg::Statement putResult{db, "UPDATE deployments SET result = $2 WHERE id = $1",
                                 "saving the deployment's progress"};
  store::pg::Statement finish{db, "UPDATE deployments SET result = $2, status = 'done', finished_at = $3 WHERE id = $1",
                              "journaling the deployment done"};
  store::pg::Statement notDeploying{db, "UPDATE meta SET value = '' WHERE key = 'deploying'",
                                    "journaling the deployment done"};
};

WorkerDeploy::WorkerDeploy(store::PostgresStore& store, engine::Clock& clock, std::shared_ptr<const bc::Module> module,
                           std::string version, WorkerDeployOptions options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      module_(std::move(module)),
      names_(std::make_shared<engine::Names>(*module_)),
      version_(std::move(version)),
      engine_(std::make_unique<engine::Engine>(*module_, engineStore(), clock_,
                                               engine::EngineOptions{.moduleVersion = version_})),
      st_(std::make_unique<Statements>(store.connection())) {}

WorkerDeploy::~WorkerDeploy() = default;

store::Store& WorkerDeploy::engineStore() {
  if (options_.engineStore) return *options_.engineStore;
  return store_;
}

void WorkerDeploy::follow() {
  // Held back and sent with the read below: one round trip, the lock first
  // (the read's snapshot is taken once it is granted).
  store::pg::Query(st_->lockShared).defer();
  std::string active, deploying;
  {
    store::pg::Query q(st_->meta);
    while (q.step()) (q.text(0) == "active_version" ? active : deploying) = q.text(1);
  }
  if (!active.empty() && active != version_) switchTo(active);
  int64_t id = deploying.empty() ? 0 : std::stoll(deploying);
  if (id == 0) {
    migration_.reset();
    stuck_.clear();
    if (seen_.running) {  // another worker finished it: its final count
      std::optional<store::DeploymentRecord> done;
      {
        auto tx = store_.begin();
        done = tx->deployment(seen_.deployment);
      }
      nlohmann::json result = nlohmann::json::parse(done ? done->result : "", nullptr, false);
      if (result.is_object()) seen_.moved = result.value("deals", seen_.moved);
      seen_.running = false;
      tell_ = true;
    }
  } else if (!migration_ || migration_->progress().deployment != id) {
    join(id);
  }
  checkpoint_.reset();
  if (migration_) checkpoint_ = migration_->checkpoint();
}

void WorkerDeploy::switchTo(const std::string& active) {
  std::optional<store::ModuleRecord> kept;
  {
    auto tx = store_.begin();
    kept = tx->module(active);
  }
  if (!kept) {
    throw std::runtime_error(
        fmt::format("the store runs version {}, whose module it does not keep: this worker cannot apply it", active));
  }
  auto module = std::make_shared<const bc::Module>(bc::load(kept->bytes));
  auto engine =
      std::make_unique<engine::Engine>(*module, engineStore(), clock_, engine::EngineOptions{.moduleVersion = active});
  module_ = std::move(module);
  names_ = std::make_shared<engine::Names>(*module_);
  engine_ = std::move(engine);
  std::string previous = version_;
  version_ = active;
  migration_.reset();  // a deployment to another version is over
  if (options_.onVersion) options_.onVersion({module_, names_, version_}, true);
  if (options_.report)
    options_.report(fmt::format("{}: applies version {} from now on (it was {})", options_.name, version_, previous));
}

void WorkerDeploy::join(int64_t id) {
  migration_.reset();
  std::optional<store::DeploymentRecord> entry;
  std::optional<std::string> fromBytes;
  {
    auto tx = store_.begin();
    entry = tx->deployment(id);
    if (entry && entry->status == "running") fromBytes = deploy::keptModuleBytes(*tx, entry->fromVersion, clock_.now());
    tx->commit();
  }
  if (!entry || entry->status != "running") return;  // done meanwhile
  if (entry->toVersion != version_) {
    throw std::runtime_error(fmt::format("deployment {} moves deals onto {}, but the store's active version is {}", id,
                                         entry->toVersion, version_));
  }
  if (!fromBytes) {
    throw std::runtime_error(
        fmt::format("deployment {}: the store does not keep version {} its deals come from", id, entry->fromVersion));
  }
  Result<deploy::Plan> plan = deploy::planFromJson(entry->plan);
  if (!plan)
    throw std::runtime_error(fmt::format("deployment {}: its journaled plan does not read: {}", id, plan.error()));
  auto from = std::make_shared<const bc::Module>(bc::load(*fromBytes));
  deploy::DeployOutcome started;
  started.fromVersion = entry->fromVersion;
  started.toVersion = entry->toVersion;
  started.deployment = id;
  started.resumed = true;
  started.addedTimersPolicy = deploy::addedTimersName(plan->addedTimers.value);
  nlohmann::json progress = nlohmann::json::parse(entry->result.empty() ? "{}" : entry->result, nullptr, false);
  if (progress.is_object()) {
    started.dealsInStore = progress.value("deals_in_store", int64_t{0});
    if (progress.contains("failures") && progress["failures"].is_array()) {
      for (const auto& f : progress["failures"])
        if (f.is_string()) stuck_.insert(dealOfFailure(f.get<std::string>()));
    }
  }
  deploy::DeployOptions options;
  options.by = "worker";
  migration_ =
      std::make_unique<deploy::Migration>(store_, clock_, from, module_, std::move(*plan), std::move(started), options);
  cursor_ = 0;
  rowsEnsured_ = false;
  seen_ = {id, progress.is_object() ? progress.value("deals", int64_t{0}) : 0, migration_->progress().dealsInStore,
           true};
  tell_ = true;
  if (options_.onVersion) options_.onVersion({from, std::make_shared<engine::Names>(*from), entry->fromVersion}, false);
  if (options_.report)
    options_.report(fmt::format("{}: moves deals of deployment {} ({} → {}) with the other workers", options_.name, id,
                                entry->fromVersion, entry->toVersion));
}

std::optional<std::string> WorkerDeploy::moveIfBehind(const std::string& deal) {
  if (!migration_) return std::nullopt;
  if (stuck_.count(deal)) {
    return fmt::format("deal \"{}\" could not be moved onto version {} (the deployment's journal says why)", deal,
                       version_);
  }
  try {
    migration_->moveIfBehind(deal);
  } catch (const store::StoreError&) {
    throw;
  } catch (const std::exception& e) {
    stuck_.insert(deal);
    return e.what();
  }
  return std::nullopt;
}

int64_t WorkerDeploy::recordProgress() {
  if (!migration_ || !checkpoint_) return 0;
  const deploy::DeployOutcome& after = migration_->progress();
  const deploy::DeployOutcome& before = checkpoint_->out;
  if (after.deals == before.deals && after.failures.size() == before.failures.size()) return 0;
  store::pg::Query row(st_->entry);
  row.bind(after.deployment);
  if (!row.step()) return 0;
  std::string result = addedProgress(row.text(0), before, after);
  store::pg::Query(st_->putResult).bind(after.deployment).bind(result).run();
  seen_.moved = nlohmann::json::parse(result).value("deals", int64_t{0});
  tell_ = true;
  return after.deals - before.deals;
}

void WorkerDeploy::batchFailed() {
  if (migration_ && checkpoint_) migration_->restore(*checkpoint_);
  checkpoint_.reset();
  tell_ = false;
}

void WorkerDeploy::batchCommitted() {
  if (!tell_) return;
  tell_ = false;
  if (options_.progress) options_.progress(seen_.deployment, seen_.moved, seen_.inStore, seen_.running);
}

bool WorkerDeploy::finishIfDone(int64_t now) {
  std::vector<std::string> stuck(stuck_.begin(), stuck_.end());
  {
    store::pg::Query left(st_->remaining);
    left.bind(version_).bindTexts(stuck);
    if (left.step() && left.i64(0) != 0) return false;  // others hold them, or they wait for the next claim
  }
  int64_t id = migration_->progress().deployment;
  store::pg::Query row(st_->entry);
  row.bind(id);
  if (!row.step() || row.text(1) != "running") return false;  // another worker finished it
  nlohmann::json result = nlohmann::json::parse(row.text(0), nullptr, false);
  if (!result.is_object()) result = migration_->progress().json();
  result["seconds"] = static_cast<double>(now - row.i64(2));
  store::pg::Query(st_->finish).bind(id).bind(result.dump()).bind(now).run();
  store::pg::Query(st_->notDeploying).run();
  seen_.moved = result.value("deals", int64_t{0});
  seen_.running = false;
  tell_ = true;
  if (options_.report) {
    options_.report(fmt::format(
        "deployed version {} over {} (deployment {}) on shared workers while serving: {} deals moved (timers {} kept, "
        "{} recomputed, {} cancelled){}",
        result.value("to", version_), result.value("from", std::string()), id, result.value("deals", int64_t{0}),
        result.value("timers_kept", int64_t{0}), result.value("timers_recomputed", int64_t{0}),
        result.value("timers_cancelled", int64_t{0}),
        stuck.empty() ? std::string() : fmt::format(", {} could not move (see its journal)", stuck.size())));
  }
  return true;
}

WorkerDeploy::Moved WorkerDeploy::moveSome(store::pg::WorkQueue& queue) {
  store_.beginBatch();
  Moved moved;
  bool ensured = rowsEnsured_;
  try {
    follow();
    if (migration_) {
      int64_t now = clock_.now();
      if (!ensured) {
        store::pg::Query(st_->ensureRows).bind(version_).run();
        ensured = true;
      }
      std::vector<std::string> stuck(stuck_.begin(), stuck_.end());
      auto claim = [&] {
        std::vector<std::pair<int64_t, std::string>> deals;
        store::pg::Query q(st_->claim);
        q.bind(cursor_).bind(version_).bindTexts(stuck).bindLimit(options_.chunk);
        while (q.step()) deals.emplace_back(q.i64(0), q.text(1));
        return deals;
      };
      auto deals = claim();
      if (deals.empty() && cursor_ > 0) {  // from the start again: deals others held when the cursor passed
        cursor_ = 0;
        deals = claim();
      }
      if (deals.empty()) {
        finishIfDone(now);
      } else {
        // The claimed deals and their timers read at once, their writes held
        // back until the commit (as an event batch does).
        std::vector<std::string> ids;
        for (const auto& d : deals) ids.push_back(d.second);
        store_.cacheBatch(ids, {});
        auto started = std::chrono::steady_clock::now();
        for (const auto& [seq, deal] : deals) {
          moveIfBehind(deal);  // one that cannot move is journaled among the failures
          cursor_ = seq;
          queue.reschedule(deal, now);  // its timers may have changed
          if (std::chrono::steady_clock::now() - started >= options_.budget) break;
        }
        moved.claimed = deals.size();
        moved.moved = recordProgress();
      }
    }
  } catch (...) {
    batchFailed();
    store_.connection().discardPending();
    PQclear(PQexec(store_.connection().handle(), "ROLLBACK"));
    try {
      store_.endBatch();
    } catch (...) {}
    throw;
  }
  try {
    store_.endBatch();
  } catch (...) {
    batchFailed();
    throw;
  }
  batchCommitted();
  rowsEnsured_ = ensured;
  return moved;
}

// ───────────────────────────── at a worker's start ─────────────────────────────

Result<SharedStartModule> sharedStartModule(store::PostgresStore& store, const std::string& fileVersion,
                                            const std::string& modulePath) {
  auto tx = store.begin();
  std::string active = tx->meta("active_version").value_or("");
  std::string deploying = tx->meta("deploying").value_or("");
  if (active.empty() || active == fileVersion) return SharedStartModule{"", fileVersion, ""};
  std::string under = deploying.empty() ? "" : fmt::format(" (deployment {} is moving deals onto it)", deploying);
  if (!tx->module(fileVersion)) {
    return fail(fmt::format(
        "the store runs version {}{}; {} is version {}, which it has never run, and a worker's start does not "
        "deploy: deploy it through any running worker (POST /v1/modules, docs/versions.md), or start the workers on "
        "the store's version first (any .funnelc the store ran before will do: the worker serves the store's "
        "version); nothing was changed",
        active, under, modulePath, fileVersion));
  }
  std::optional<store::ModuleRecord> kept = tx->module(active);
  if (!kept) {
    return fail(
        fmt::format("the store runs version {}, whose module it does not keep: deploy it again with every "
                    "worker stopped (`voronka deploy NEW.funnelc --store postgres:…`)",
                    active));
  }
  return SharedStartModule{
      kept->bytes, active,
      fmt::format("{} is version {}, which the store ran before; it runs version {} now{}: this worker serves that, "
                  "as the others do",
                  modulePath, fileVersion, active, under)};
}

// ───────────────────────────── POST /v1/modules ─────────────────────────────

namespace {

// A dry run moves each deal in a transaction rolled back, beside the
// workers: it takes the deal's deal_work row first, as they do, or a deal's
// row and its work row could be taken in the two orders (a deadlock).
ExtraReply dryRunBesideWorkers(store::Store& store, engine::Clock& clock, ModuleUpload upload,
                               store::pg::Statement& lockDeal) {
  upload.options.lockDeal = [&lockDeal](const std::string& deal) { store::pg::Query(lockDeal).bind(deal).run(); };
  return dryRunReply(store, clock, upload);
}

ExtraReply startShared(store::Store& store, const std::string& conninfo, engine::Clock& clock,
                       const ModuleUpload& upload, const std::function<void(const std::string&)>& report,
                       store::pg::Statement& lockDeal) {
  if (upload.dryRun) return dryRunBesideWorkers(store, clock, upload, lockDeal);
  std::optional<Result<deploy::DeployOutcome>> started;
  try {
    store::pg::Conn lock(conninfo);  // the lock ends with this connection, a kill -9 included
    lock.exec(kDeployLock, "waiting for the workers' batches to end");
    std::string deploying;
    {
      auto tx = store.begin();
      deploying = tx->meta("deploying").value_or("");
    }
    if (!deploying.empty()) return moduleRouteError(409, "deployment_running", movingMessage(std::stoll(deploying)));
    if (std::optional<std::string> why = moduleCannotRun(upload.bytes, store, clock)) {
      started = fail(*why);
    } else {
      Result<deploy::Started> r =
          deploy::startDeployment(store, upload.bytes, "POST /v1/modules", upload.plan, clock, upload.options);
      if (!r) {
        started = fail(r.error());
      } else {
        started = r->outcome;
        if (r->migration) {  // its progress as it starts: the deals in the store
          auto tx = store.begin();
          r->migration->saveProgress(*tx);
          tx->commit();
        }
      }
    }
    lock.exec(store::pg::notifySql(store::pg::storeSchema(lock)).c_str(), "waking the store's workers");
  } catch (const std::exception& e) {  // the store failed: nothing changed, or the deployment is in the store
    return moduleRouteError(
        503, "not_deployed",
        fmt::format("the deployment did not start: {}; see GET /v1/deployments, send it again", e.what()));
  }
  return startedReply(started,
                      "every worker goes on applying events while the workers move the deals onto the new version, "
                      "each before its next event; GET the location for the progress and the result",
                      report);
}

}  // namespace

ExtraRoute sharedModuleRoute(store::Store& store, std::string conninfo, engine::Clock& clock, bool tokensConfigured,
                             std::function<void(const std::string&)> report) {
  ExtraRoute route;
  route.prefix = "/v1/modules";
  route.exact = true;
  route.needsToken = true;
  auto* pg = dynamic_cast<store::PostgresStore*>(&store);
  if (!pg) throw std::logic_error("sharedModuleRoute: shared workers' store is PostgreSQL");
  auto lockDeal = std::make_shared<store::pg::Statement>(
      pg->connection(), "SELECT 1 FROM deal_work WHERE deal = $1 FOR UPDATE", "waiting for the deal's worker");
  route.handle = [&store, &clock, conninfo = std::move(conninfo), tokensConfigured, report = std::move(report),
                  lockDeal](const ExtraRequest& req, EventWriter&) -> ExtraReply {
    Result<ModuleUpload, ExtraReply> upload = readModuleUpload(req, tokensConfigured);
    if (!upload) return upload.error();
    return startShared(store, conninfo, clock, *upload, report, *lockDeal);
  };
  return route;
}

}  // namespace voronka::server
