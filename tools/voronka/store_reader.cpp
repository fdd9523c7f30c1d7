#include "tools/voronka/store_reader.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

namespace voronka::tool {

std::unique_ptr<store::SqliteStore> openStoreForReading(const std::string& flag, const std::string& spec) {
  std::string file = spec.rfind("sqlite:", 0) == 0 ? spec.substr(7) : spec;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    std::cerr << fmt::format("voronka: error: {} {}: there is no such store file\n", flag, spec);
    return nullptr;
  }
  try {
    store::SqliteOptions options;
    options.readOnly = true;
    return std::make_unique<store::SqliteStore>(file, options);
  } catch (const std::exception& e) {
    std::cerr << fmt::format("voronka: error: {} {}: {}\n", flag, spec, e.what());
    return nullptr;
  }
}

}  // namespace voronka::tool
