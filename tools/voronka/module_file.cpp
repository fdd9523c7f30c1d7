#include "tools/voronka/module_file.h"

#include <fmt/format.h>

#include <iostream>

#include "common/read_file.h"
#include "runtime/bytecode/container.h"

namespace voronka::tool {

std::optional<ModuleFile> loadModuleFile(const std::string& path, int& exitCode) {
  Result<std::string> bytes = readWholeFile(path);
  if (!bytes) {
    std::cerr << fmt::format("voronka: error: cannot read {}: {}\n", path, bytes.error());
    exitCode = 2;
    return std::nullopt;
  }
  ModuleFile file;
  file.bytes = std::move(*bytes);
  try {
    file.module = bc::load(file.bytes);
  } catch (const bc::LoadError& e) {
    std::cerr << fmt::format("voronka: error: {}: {}\n", path, e.what());
    exitCode = 1;
    return std::nullopt;
  }
  return file;
}

}  // namespace voronka::tool
