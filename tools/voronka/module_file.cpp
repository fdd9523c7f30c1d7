#include "tools/voronka/module_file.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "runtime/bytecode/container.h"

namespace voronka::tool {

std::optional<ModuleFile> loadModuleFile(const std::string& path, int& exitCode) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << fmt::format("voronka: error: cannot read {}\n", path);
    exitCode = 2;
    return std::nullopt;
  }
  std::ostringstream s;
  s << in.rdbuf();
  ModuleFile file;
  file.bytes = s.str();
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
