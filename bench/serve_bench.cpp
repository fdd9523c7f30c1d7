// voronka serve end to end, over HTTP on loopback: the furniture example's
// events posted by 8 clients to an in-process server on SQLite.
//   1. saturation: how many events per second are acknowledged (durable);
//   2. half that load, paced: p50 and p99 latency from the moment a request
//      was due to be sent until its answer (so a stall counts against us).
// For synchronous=FULL and NORMAL. Prints a small table.
#include <fmt/format.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "bench/furniture_events.h"
#include "runtime/bytecode/container.h"
#include "runtime/engine/clock.h"
#include "runtime/server/server.h"
#include "runtime/store/sqlite_store.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace voronka;

namespace {

constexpr int kClients = 8;

struct Run {
  double eventsPerSecond = 0;
  std::vector<double> latenciesMs;
  int errors = 0;
};

// Each client walks its own deals through their lives; `pace` is the gap
// between its requests (zero: as fast as answers come).
Run drive(int port, double seconds, std::chrono::nanoseconds pace, const std::string& prefix) {
  Run run;
  std::mutex mutex;
  std::atomic<int64_t> done{0};
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client http("127.0.0.1", port);
      http.set_keep_alive(true);
      http.set_tcp_nodelay(true);
      std::vector<double> mine;
      int errors = 0;
      auto due = Clock::now();
      for (int d = 0; Clock::now() < deadline; ++d) {
        for (const auto& event : bench::furnitureLife(fmt::format("{}-{}-{}", prefix, c, d))) {
          if (pace.count() > 0) {
            std::this_thread::sleep_until(due);
          } else {
            due = Clock::now();
          }
          auto res = http.Post("/v1/events", event.dump(), "application/json");
          auto end = Clock::now();
          if (!res || res->status >= 300) ++errors;
          mine.push_back(std::chrono::duration<double, std::milli>(end - due).count());
          ++done;
          due += pace;
          if (Clock::now() >= deadline) break;
        }
      }
      std::lock_guard lock(mutex);
      run.latenciesMs.insert(run.latenciesMs.end(), mine.begin(), mine.end());
      run.errors += errors;
    });
  }
  for (auto& t : clients) t.join();
  run.eventsPerSecond = static_cast<double>(done) / std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(run.latenciesMs.begin(), run.latenciesMs.end());
  return run;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())))];
}

void measure(const bc::Module& module, store::Synchronous sync, const char* name, double seconds) {
  fs::path dir = fs::temp_directory_path() / fmt::format("voronka_serve_bench_{}", getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    store::SqliteStore store((dir / "bench.db").string(), store::SqliteOptions{sync});
    engine::RealClock clock;
    server::ServerOptions options;
    options.port = 0;
    server::Server srv(module, store, clock, options);
    int port = srv.start();
    Run full = drive(port, seconds, std::chrono::nanoseconds(0), "sat");
    double half = full.eventsPerSecond / 2;
    auto pace = std::chrono::nanoseconds(static_cast<int64_t>(1e9 * kClients / half));
    Run paced = drive(port, seconds, pace, "half");
    srv.stop();
    if (std::getenv("VORONKA_BENCH_DETAIL")) {
      for (const Run* r : {&full, &paced}) {
        std::cout << fmt::format("  p50 {:.2f} p90 {:.2f} p95 {:.2f} p99 {:.2f} p99.9 {:.2f} max {:.2f}\n",
                                 percentile(r->latenciesMs, 0.5), percentile(r->latenciesMs, 0.9),
                                 percentile(r->latenciesMs, 0.95), percentile(r->latenciesMs, 0.99),
                                 percentile(r->latenciesMs, 0.999), r->latenciesMs.empty() ? 0 : r->latenciesMs.back());
      }
    }
    std::cout << fmt::format("{:<8} {:>10.0f} {:>12.0f} {:>10.2f} {:>10.2f} {:>8}\n", name, full.eventsPerSecond,
                             paced.eventsPerSecond, percentile(paced.latenciesMs, 0.5),
                             percentile(paced.latenciesMs, 0.99), full.errors + paced.errors);
  }
  fs::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
  bc::Module module =
      bc::load(bc::serialize(bench::compileFunnelFile(bench::sourceDir() / "examples/furniture/furniture.funnel")));
  std::cout << fmt::format("voronka serve over HTTP, {} clients, furniture example, {} s per phase\n", kClients,
                           seconds);
  std::cout << fmt::format("{:<8} {:>10} {:>12} {:>10} {:>10} {:>8}\n", "sync", "max ev/s", "half ev/s", "p50 ms",
                           "p99 ms", "errors");
  measure(module, store::Synchronous::Full, "FULL", seconds);
  measure(module, store::Synchronous::Normal, "NORMAL", seconds);
  return 0;
}
