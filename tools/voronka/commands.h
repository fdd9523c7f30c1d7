// Subcommands of the `voronka` binary. Each registers its options on the CLI
// and returns the process exit code when run: 0 success, 1 problems found,
// 2 usage or I/O error.
#pragma once

#include <CLI/CLI.hpp>
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

namespace voronka::tool {

using Runner = std::function<int()>;

Runner addCheckCommand(CLI::App& app);
Runner addExplainCommand(CLI::App& app);
Runner addBuildCommand(CLI::App& app);
Runner addDisasmCommand(CLI::App& app);
Runner addTestCommand(CLI::App& app);
Runner addRunCommand(CLI::App& app);
Runner addDiffCommand(CLI::App& app);
Runner addReplayCommand(CLI::App& app);
Runner addFmtCommand(CLI::App& app);
Runner addLspCommand(CLI::App& app);
Runner addGraphCommand(CLI::App& app);
Runner addServeCommand(CLI::App& app);
Runner addCrmCommand(CLI::App& app);
Runner addDeployCommand(CLI::App& app);
Runner addSimCommand(CLI::App& app);
Runner addStatsCommand(CLI::App& app);

// Levenshtein distance, for "did you mean" on an unknown command.
inline size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace voronka::tool
