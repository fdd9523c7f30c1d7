#include "tools/sim/runs.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <optional>
#include <thread>

#include "tools/sim/random.h"

namespace voronka::sim {

Result<std::vector<RunResult>> simulateRuns(const bc::Module& module, const Rates& rates, const SimOptions& options,
                                            int runs, int jobs) {
  // Each run builds its own engine and store and reads the module and the
  // rates only, so runs share nothing they write.
  std::vector<std::optional<Result<RunResult>>> results(static_cast<size_t>(std::max(runs, 0)));
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (int r = next++; r < runs && !failed; r = next++) {
      SimOptions own = options;
      own.seed = runSeed(options.seed, static_cast<uint64_t>(r));
      auto& slot = results[static_cast<size_t>(r)];
      try {
        slot = simulate(module, rates, own);
      } catch (const std::exception& e) {  // out of memory, most likely: said, not a crash of the thread
        slot.emplace(fail(std::string("run ") + std::to_string(r + 1) + ": " + e.what()));  // in place: no Result moved
      }
      if (!*slot) failed = true;  // no new runs: the report needs them all
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < std::min(jobs, runs); ++j) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  std::vector<RunResult> out;
  out.reserve(results.size());
  for (auto& result : results) {
    if (!result) continue;  // not started: a run before it failed
    if (!*result) return fail(result->error());
    out.push_back(std::move(**result));
  }
  return out;
}

int defaultJobs(int runs) {
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(cores, 1, std::max(runs, 1));
}

}  // namespace voronka::sim
