// The web console's server time (docs/console.md): a SQLite store with N
// deals (100k by default) on the furniture example, ten stage changes each
// (1M history rows), a task each (a tenth overdue), then the board and the
// stage statistics answered by the console itself (the handler behind
// /console/api/…, JSON included, without HTTP): p50 and p99 over repeated
// requests.
//
//   console_bench [DEALS] [REQUESTS] [STORE]
// With STORE, the store is kept there (and reused when it exists).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "bench/furniture_events.h"
#include "runtime/console/console_app.h"
#include "runtime/engine/clock.h"
#include "runtime/store/sqlite_store.h"

namespace voronka {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int64_t kStart = 1'780'000'000;  // 2026-05-28
constexpr int64_t kDay = 86400;

void fill(store::Store& store, const bc::Module& m, int64_t deals) {
  int32_t budget = -1;
  for (size_t f = 0; f < m.fields.size(); ++f) {
    if (m.str(m.fields[f].name) == "budget") budget = static_cast<int32_t>(f);
  }
  const auto& stages = m.pipelines[0].stages;
  int32_t working = 0;
  while (working < static_cast<int32_t>(stages.size()) && stages[working].kind == bc::StageKind::Working) ++working;
  constexpr int64_t kPerTransaction = 5000;
  for (int64_t first = 0; first < deals; first += kPerTransaction) {
    auto tx = store.begin();
    for (int64_t i = first; i < std::min(deals, first + kPerTransaction); ++i) {
      store::DealRecord d;
      d.id = fmt::format("D-{}", i);
      d.name = fmt::format("Сделка {}", i);
      d.pipeline = 0;
      d.createdAt = kStart + (i % 180) * kDay;
      d.fields.resize(m.fields.size());
      if (budget >= 0) {
        d.fields[budget].tag = bc::Tag::Number;
        d.fields[budget].num = static_cast<double>(10000 + i % 90000);
      }
      d.responsible = static_cast<int32_t>(i % std::max<size_t>(1, m.users.size()));
      if (i % 7 == 0) d.tags = {"VIP"};
      // Ten stage changes: created, then back and forth through the working stages.
      int64_t at = d.createdAt;
      int32_t from = -1, stage = 0;
      for (int step = 0; step < 10; ++step) {
        int32_t to = step == 0 ? 0 : (stage + 1 + static_cast<int32_t>((i + step) % 2)) % working;
        tx->addHistory(
            {d.id, from < 0 ? -1 : 0, from, 0, to, at, step == 0 ? "create" : "e", step == 0 ? "created" : "trigger"});
        from = to;
        stage = to;
        at += (1 + (i * 7 + step) % 48) * 3600;
      }
      d.stage = stage;
      d.enteredAt = at;
      tx->putDeal(d);
      store::TaskRecord t;
      t.deal = d.id;
      t.text = "Позвонить";
      t.createdAt = at;
      t.due = i % 10 == 0 ? kStart : kStart + 400 * kDay;
      tx->addTask(t);
    }
    tx->commit();
  }
}

struct Figures {
  double p50, p99, cpu50;  // cpu50: the median CPU time of the thread (the machine may be shared)
};

double threadCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

Figures measure(const server::WebApp& app, const server::WebRequest& request, int requests) {
  std::vector<double> ms, cpu;
  for (int i = 0; i < requests; ++i) {
    auto start = Clock::now();
    double cpuStart = threadCpuMs();
    server::WebReply reply = app.handle(request);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    cpu.push_back(threadCpuMs() - cpuStart);
    if (reply.status != 200) throw std::runtime_error(fmt::format("{}: {} {}", request.path, reply.status, reply.body));
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  auto rank = [](const std::vector<double>& v, double q) {
    return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
  };
  return {rank(ms, 0.5), rank(ms, 0.99), rank(cpu, 0.5)};
}

int run(int64_t deals, int requests, const std::string& keep) {
  fs::path dir = fs::temp_directory_path() / fmt::format("voronka-console-bench-{}", getpid());
  fs::create_directories(dir);
  fs::path path = keep.empty() ? dir / "store.db" : fs::path(keep);
  bc::Module m = bench::compileFunnelFile(bench::sourceDir() / "examples/furniture/furniture.funnel");
  if (!fs::exists(path)) {
    store::SqliteStore store(path.string(), {.synchronous = store::Synchronous::Normal});
    auto start = Clock::now();
    fill(store, m, deals);
    fmt::print("store: {} deals, {} history rows, {} tasks written in {:.1f} s\n", deals, deals * 10, deals,
               std::chrono::duration<double>(Clock::now() - start).count());
  }
  store::SqliteStore store(path.string(), {.synchronous = store::Synchronous::Normal});
  engine::VirtualClock clock(kStart + 200 * kDay);
  console::ConsoleSettings settings;
  settings.module = &m;
  settings.store = &store;
  settings.storeSpec = "sqlite:" + path.string();
  settings.clock = &clock;
  settings.statsCacheSeconds = 0;  // every board recomputes the p90 per stage: the worst case
  server::WebApp cold = console::consoleApp(settings);
  settings.statsCacheSeconds = 3600;
  server::WebApp warm = console::consoleApp(settings);

  auto session = [&](const server::WebApp& app) {
    server::WebReply r = app.handle({"POST", "/console/api/login", {}, {{"content-type", "application/json"}}, "{}"});
    for (const auto& [name, value] : r.headers) {
      if (name == "Set-Cookie") return value.substr(0, value.find(';'));
    }
    throw std::runtime_error("no session");
  };
  auto get = [](const std::string& cookie, const std::string& path, std::multimap<std::string, std::string> params) {
    return server::WebRequest{"GET", path, std::move(params), {{"cookie", cookie}}, ""};
  };
  std::string coldCookie = session(cold), warmCookie = session(warm);
  fmt::print("{:<52} {:>9} {:>9} {:>9}\n", "page (server time, ms)", "p50", "p99", "cpu p50");
  auto row = [&](const char* what, const server::WebApp& app, const server::WebRequest& request) {
    Figures f = measure(app, request, requests);
    fmt::print("{:<52} {:>9.1f} {:>9.1f} {:>9.1f}\n", what, f.p50, f.p99, f.cpu50);
  };
  row("board (p90 per stage reused, as served)", warm, get(warmCookie, "/console/api/board", {}));
  row("board filtered by responsible and tag", warm,
      get(warmCookie, "/console/api/board", {{"responsible", m.str(m.users[0].name)}, {"tag", "VIP"}}));
  row("board, p90 per stage recomputed (every minute)", cold, get(coldCookie, "/console/api/board", {}));
  row("stage statistics, all time", warm, get(warmCookie, "/console/api/stats", {}));
  row("stage statistics, 30 days", warm,
      get(warmCookie, "/console/api/stats", {{"from", "2026-07-01"}, {"to", "2026-07-30"}}));
  row("deal page", warm, get(warmCookie, "/console/api/deal/D-4242", {}));
  fs::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace voronka

int main(int argc, char** argv) {
  int64_t deals = argc > 1 ? std::stoll(argv[1]) : 100000;
  int requests = argc > 2 ? std::stoi(argv[2]) : 20;
  try {
    return voronka::run(deals, requests, argc > 3 ? argv[3] : "");
  } catch (const std::exception& e) {
    std::cerr << "console_bench: " << e.what() << "\n";
    return 1;
  }
}
