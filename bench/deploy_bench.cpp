// Deploying a new version over a live SQLite store (docs/versions.md): N deals
// (100k by default) made by the old version's engine, each with three pending
// timers (300k), then `deploy::deployModule` onto a version where a stage is
// renamed (mapped by the plan), one timer rule changed (recomputed) and one
// kept. Prints deals/s and the longest chunk. Then the same deployment as
// POST /v1/modules makes it on a copy of the store: on a server's writer
// thread (runtime/server/live_deploy.h) while a client sends events one
// after another to random deals, printing the longest an event waited.
//
//   deploy_bench [DEALS]
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include "bench/furniture_events.h"
#include "runtime/bytecode/container.h"
#include "runtime/deploy/deploy.h"
#include "runtime/deploy/version_id.h"
#include "runtime/engine/engine.h"
#include "runtime/server/live_deploy.h"
#include "runtime/server/writer.h"
#include "runtime/store/sqlite_store.h"

namespace voronka {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const char* kAccount = "account \"Bench\" { timezone \"Europe/Moscow\" }\n";

std::string funnel(bool v2) {
  return std::string(kAccount) + fmt::format(R"(
pipeline p "P" {{
  stage a "A" initial {{
    after {} {{ note "first" }}
    after 10d {{ note "second" }}
    every 30d {{ note "third" }}
    on link_clicked {{ note "clicked" }}
  }}
  stage {} "B" {{
    after 1d {{ note "b1" }}
    after 2d {{ note "b2" }}
    after 3d {{ note "b3" }}
  }}
  won "W"
  lost "L" reasons {{ "x" other "y" }}
}}
)",
                                             v2 ? "5d" : "3d", v2 ? "b2" : "b");
}

std::string moduleBytes(const fs::path& dir, const std::string& name, const std::string& source) {
  fs::path file = dir / (name + ".funnel");
  std::ofstream(file) << source;
  return bc::serialize(bench::compileFunnelFile(file));
}

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The deployment through the API: on the writer thread, between events.
void liveDeploy(const std::string& path, const std::string& v1, const std::string& v2, const deploy::Plan& plan,
                engine::Clock& clock, int64_t deals) {
  store::SqliteStore s(path, {store::Synchronous::Full});
  auto m1 = std::make_shared<const bc::Module>(bc::load(v1));
  std::string version1 = deploy::moduleVersionOf(v1);
  engine::Engine e(*m1, s, clock, engine::EngineOptions{.moduleVersion = version1});
  server::LiveVersions versions({m1, std::make_shared<engine::Names>(*m1), version1});
  server::Metrics metrics;
  server::EventWriter writer(e, versions, s, clock, metrics);

  std::atomic<bool> done{false};
  std::atomic<double> longest{0}, longestWhileMoving{0};
  std::atomic<bool> moving{false};  // started: the deals move
  std::atomic<int64_t> sent{0};
  std::thread client([&] {
    std::mt19937 rng(7);
    while (!done) {
      nlohmann::json event = {{"id", fmt::format("e{}", sent.load())},
                              {"deal", fmt::format("deal-{}", rng() % static_cast<uint64_t>(deals))},
                              {"type", "link_clicked"}};
      bool whileMoving = moving;  // sent after the start: the deals are moving
      auto sentAt = Clock::now();
      auto result = writer.apply({event});
      double waited = since(sentAt);
      longest = std::max(longest.load(), waited);
      if (whileMoving) longestWhileMoving = std::max(longestWhileMoving.load(), waited);
      if (!result[0].outcome.ok()) throw std::runtime_error("event refused: " + result[0].outcome.message);
      ++sent;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  double before = longest;
  auto started = Clock::now();
  writer.migrate([&]() -> std::unique_ptr<server::LiveMigration> {
    auto r = deploy::startDeployment(s, v2, "v2.funnelc", plan, clock, {});
    if (!r || !r->migration) throw std::runtime_error(r ? "nothing to move" : r.error());
    auto target = r->migration->target();
    return std::make_unique<server::LiveDeployment>(target, r->outcome.toVersion, std::move(r->migration), s, clock,
                                                    metrics, server::LiveDeployOptions{});
  });
  double start = since(started);  // the plan checked against every deal and timer, the journal entry
  moving = true;
  while (writer.migrating()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  double total = since(started);
  done = true;
  client.join();
  writer.stop();
  std::cout << fmt::format(
      "deploy through POST /v1/modules (events go on): {} deals in {:.2f}s = {:.0f} deals/s while {} events were "
      "applied; the longest an event waited: {:.1f} ms while the deals moved, {:.1f} ms in all (its start, the plan "
      "checked against every deal and timer, took {:.1f} ms; before the deployment: {:.1f} ms)\n",
      metrics.deployment.dealsMoved.load(), total, static_cast<double>(metrics.deployment.dealsMoved.load()) / total,
      sent.load(), longestWhileMoving.load() * 1000, longest.load() * 1000, start * 1000, before * 1000);
}

int run(int64_t deals) {
  fs::path dir = fs::temp_directory_path() / fmt::format("voronka_deploy_bench_{}", getpid());
  fs::create_directories(dir);
  std::string v1 = moduleBytes(dir, "v1", funnel(false)), v2 = moduleBytes(dir, "v2", funnel(true));
  std::string path = (dir / "store.db").string();
  engine::VirtualClock clock(1772431200);
  {
    store::SqliteStore s(path, {store::Synchronous::Normal});
    auto first = deploy::deployModule(s, v1, "v1.funnelc", {}, clock, {});
    if (!first) throw std::runtime_error(first.error());
    bc::Module m1 = bc::load(v1);
    engine::EngineOptions options;
    options.moduleVersion = deploy::moduleVersionOf(v1);
    engine::Engine e(m1, s, clock, options);
    auto started = Clock::now();
    for (int64_t d = 0; d < deals; d += 1000) {
      s.beginBatch();
      for (int64_t i = d; i < std::min(deals, d + 1000); ++i) {
        engine::NewDeal deal;
        deal.id = fmt::format("deal-{}", i);
        deal.pipeline = 0;
        deal.stage = i % 10 == 0 ? 1 : 0;  // one in ten in the renamed stage
        e.createDeal(fmt::format("c{}", i), deal);
      }
      s.endBatch();
    }
    auto tx = s.begin();
    store::StoreCounts c = tx->counts();
    std::cout << fmt::format("store: {} deals, {} pending timers (made in {:.1f}s)\n", c.deals, c.timersPending,
                             since(started));
  }
  std::string livePath = (dir / "live.db").string();
  fs::copy_file(path, livePath);
  store::SqliteStore s(path, {store::Synchronous::Full});
  auto plan = deploy::parsePlan("[stages]\n\"p.b\" = \"p.b2\"\n[timers]\n\"p.a:timer#1\" = \"recompute\"\n", "plan");
  deploy::DeployOptions options;
  auto started = Clock::now();
  auto done = deploy::deployModule(s, v2, "v2.funnelc", *plan, clock, options);
  double total = since(started);
  if (!done) throw std::runtime_error(done.error());
  std::cout << fmt::format(
      "deploy (SQLite, synchronous FULL, {} deals per commit): {} deals in {:.2f}s = {:.0f} deals/s; timers {} kept, "
      "{} recomputed, {} cancelled; longest chunk {:.1f} ms\n",
      options.chunk, done->deals, total, static_cast<double>(done->deals) / total, done->timersKept,
      done->timersRecomputed, done->timersCancelled, done->longestChunkSeconds * 1000);
  liveDeploy(livePath, v1, v2, *plan, clock, deals);
  fs::remove_all(dir);
  return done->deals == deals ? 0 : 1;
}

}  // namespace
}  // namespace voronka

int main(int argc, char** argv) {
  int64_t deals = argc > 1 ? std::stoll(argv[1]) : 100'000;
  try {
    return voronka::run(deals);
  } catch (const std::exception& e) {
    std::cerr << "deploy_bench: " << e.what() << "\n";
    return 2;
  }
}
