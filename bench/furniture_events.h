// Shared by the runtime benchmarks: compiling a funnel file into a module,
// and the events of one deal's whole life in the furniture example
// (examples/furniture), as the CRM would send them.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "runtime/bytecode/module.h"

namespace voronka::bench {

// The source tree (for examples/ and stdlib/).
std::filesystem::path sourceDir();

// Checks and lowers a funnel file; throws std::runtime_error when it has errors.
bc::Module compileFunnelFile(const std::filesystem::path& path);

// Eleven events from deal_created to the deal won, ids prefixed by the deal's.
std::vector<nlohmann::json> furnitureLife(const std::string& deal);

}  // namespace voronka::bench
