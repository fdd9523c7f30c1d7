// Deploying a new version over a live SQLite store (docs/versions.md): N deals
// (100k by default) made by the old version's engine, each with three pending
// timers (300k), then `deploy::deployModule` onto a version where a stage is
// renamed (mapped by the plan), one timer rule changed (recomputed) and one
// kept. Prints deals/s and the longest chunk: the longest time a server that
// applies events between chunks would make them wait. POST /v1/modules today
// stops event processing for the whole migration (docs/versions.md), so its
// pause is the total.
//
//   deploy_bench [DEALS]
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "bench/furniture_events.h"
#include "runtime/bytecode/container.h"
#include "runtime/deploy/deploy.h"
#include "runtime/deploy/version_id.h"
#include "runtime/engine/engine.h"
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
  store::SqliteStore s(path, {store::Synchronous::Full});
  auto plan = deploy::parsePlan("[stages]\n\"p.b\" = \"p.b2\"\n[timers]\n\"p.a:timer#1\" = \"recompute\"\n", "plan");
  deploy::DeployOptions options;
  auto started = Clock::now();
  auto done = deploy::deployModule(s, v2, "v2.funnelc", *plan, clock, options);
  double total = since(started);
  if (!done) throw std::runtime_error(done.error());
  std::cout << fmt::format(
      "deploy (SQLite, synchronous FULL, {} deals per commit): {} deals in {:.2f}s = {:.0f} deals/s; timers {} kept, "
      "{} recomputed, {} cancelled; longest chunk (pause to events between chunks) {:.1f} ms; POST /v1/modules "
      "pauses events for the whole run ({:.2f}s)\n",
      options.chunk, done->deals, total, static_cast<double>(done->deals) / total, done->timersKept,
      done->timersRecomputed, done->timersCancelled, done->longestChunkSeconds * 1000, total);
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
