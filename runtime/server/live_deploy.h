// A deployment through POST /v1/modules, carried out by the server's writer
// thread while events go on (docs/versions.md, "From a running server").
//
// Events are never applied by the old version once the deployment has
// started: the writer applies every event and timer with the new version's
// engine, and a deal still on the old version moves first — its own
// transaction, in the same group commit as the event. So each deal's move is
// serialized with its events, a deal is read by one version at a time, and a
// kill -9 leaves each deal moved or not, never half. The other deals move in
// chunks of at most `chunk` deals and `budget` of time between batches, so an
// event waits at most about one chunk.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "runtime/deploy/deploy.h"
#include "runtime/server/writer.h"

namespace voronka::server {

struct LiveDeployOptions {
  size_t chunk = 256;
  std::chrono::milliseconds budget{20};
  // Called on the writer thread when every deal has moved, with a line for the log.
  std::function<void(const std::string&)> onDone;
};

class LiveDeployment : public LiveMigration {
 public:
  // `migration` null: a version change with no deals to move.
  LiveDeployment(std::shared_ptr<const bc::Module> module, std::string version,
                 std::unique_ptr<deploy::Migration> migration, store::Store& store, engine::Clock& clock,
                 Metrics& metrics, LiveDeployOptions options);

  engine::Engine& engine() override { return engine_; }
  LiveVersions::Version version() override { return {module_, names_, version_}; }
  void beforeDeal(const std::string& deal) override;
  void beforeTimers(int64_t now, size_t count) override;
  bool step() override;
  void batchStarting() override;
  void batchFailed() override;

 private:
  std::shared_ptr<const bc::Module> module_;
  std::shared_ptr<const engine::Names> names_;
  std::string version_;
  std::unique_ptr<deploy::Migration> migration_;
  store::Store& store_;
  Metrics& metrics_;
  LiveDeployOptions options_;
  engine::Engine engine_;
  std::optional<deploy::Migration::Checkpoint> checkpoint_;
};

}  // namespace voronka::server
