// Subcommands of the `voronka` binary. Each registers its options on the CLI
// and returns the process exit code when run: 0 success, 1 problems found,
// 2 usage or I/O error.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

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

}  // namespace voronka::tool
