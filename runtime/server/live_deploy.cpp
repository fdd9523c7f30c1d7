#include "runtime/server/live_deploy.h"

#include <fmt/format.h>

#include <set>

namespace voronka::server {

LiveDeployment::LiveDeployment(std::shared_ptr<const bc::Module> module, std::string version,
                               std::unique_ptr<deploy::Migration> migration, store::Store& store, engine::Clock& clock,
                               Metrics& metrics, LiveDeployOptions options)
    : module_(std::move(module)),
      names_(std::make_shared<engine::Names>(*module_)),
      version_(std::move(version)),
      migration_(std::move(migration)),
      store_(store),
      metrics_(metrics),
      options_(std::move(options)),
      engine_(*module_, store, clock, engine::EngineOptions{.moduleVersion = version_}) {
  if (!migration_) return;
  metrics_.deployment.id = migration_->progress().deployment;
  metrics_.deployment.dealsMoved = 0;
  metrics_.deployment.longestWaitMicros = 0;
  metrics_.deployment.dealsAtStart = migration_->progress().dealsInStore;
  metrics_.deployment.running = 1;
}

void LiveDeployment::beforeDeal(const std::string& deal) {
  if (migration_) migration_->moveIfBehind(deal);
}

void LiveDeployment::beforeTimers(int64_t now, size_t count) {
  if (!migration_) return;
  // Moving a deal may cancel its timers, bringing later ones into the first
  // `count`: look again until every deal among them has moved.
  for (;;) {
    std::set<std::string> deals;
    {
      auto tx = store_.begin();
      for (const store::TimerRecord& t : tx->dueTimers(now, count)) deals.insert(t.deal);
    }
    bool moved = false;
    for (const std::string& deal : deals) moved = migration_->moveIfBehind(deal) || moved;
    if (!moved) return;
  }
}

void LiveDeployment::batchStarting() {
  if (migration_) checkpoint_ = migration_->checkpoint();
}

void LiveDeployment::batchFailed() {
  if (migration_ && checkpoint_) migration_->restore(*checkpoint_);
}

bool LiveDeployment::step() {
  if (!migration_) return false;
  batchStarting();
  bool more = false;
  try {
    store_.beginBatch();
    more = migration_->moveNext(options_.chunk, options_.budget);
    {
      auto tx = store_.begin();
      migration_->saveProgress(*tx);
      tx->commit();
    }
    store_.endBatch();
  } catch (...) {
    batchFailed();
    throw;
  }
  metrics_.deployment.dealsMoved = migration_->progress().deals;
  if (more) return true;
  deploy::DeployOutcome out = migration_->finish();
  metrics_.deployment.running = 0;
  if (options_.onDone) {
    options_.onDone(fmt::format(
        "deployed version {} over {} (POST /v1/modules, deployment {}) while serving: {} deals moved (timers {} kept, "
        "{} recomputed, {} cancelled), {:.2f}s; the longest an event waited meanwhile: {:.1f} ms",
        out.toVersion, out.fromVersion, out.deployment, out.deals, out.timersKept, out.timersRecomputed,
        out.timersCancelled, out.seconds, static_cast<double>(metrics_.deployment.longestWaitMicros.load()) / 1e3));
  }
  return false;
}

}  // namespace voronka::server
