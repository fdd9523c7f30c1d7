#include "tools/voronka/store_reader.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "runtime/server/open_store.h"
#include "runtime/store/pg_store.h"
#include "runtime/store/sqlite_store.h"

namespace voronka::tool {

std::unique_ptr<store::Store> openStoreForReading(const std::string& flag, const std::string& spec) {
  bool uri = spec.rfind("postgres://", 0) == 0 || spec.rfind("postgresql://", 0) == 0;
  if (uri || spec.rfind("postgres:", 0) == 0 || spec.rfind("postgresql:", 0) == 0) {
    std::string conninfo = uri ? spec : spec.substr(spec.find(':') + 1);
    if (conninfo.empty()) {
      std::cerr << fmt::format("voronka: error: {} {}: give the connection string, like postgres:dbname=voronka\n",
                               flag, spec);
      return nullptr;
    }
    try {
      return std::make_unique<store::PostgresStore>(conninfo, store::PostgresOptions{.readOnly = true});
    } catch (const std::exception& e) {
      std::cerr << fmt::format("voronka: error: {} {}: {}\n", flag, server::printableStore(spec), e.what());
      return nullptr;
    }
  }
  std::string file = spec.rfind("sqlite:", 0) == 0 ? spec.substr(7) : spec;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    std::cerr << fmt::format("voronka: error: {} {}: {}\n", flag, spec,
                             std::filesystem::is_directory(file, ec) ? "it is a directory, not a store file"
                                                                     : "there is no such store file");
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
