#include "compiler/driver/standard_library.h"

#include <algorithm>
#include <cstdlib>

namespace voronka::driver {

namespace fs = std::filesystem;

fs::path defaultStdlibDir() {
  if (const char* env = std::getenv("VORONKA_STDLIB")) return env;
  return VORONKA_STDLIB_DIR;
}

std::optional<fs::path> standardModuleFile(const std::string& usePath) {
  if (usePath.rfind("std.", 0) != 0 || usePath.size() <= 4) return std::nullopt;
  fs::path rel;
  std::string rest = usePath.substr(4);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t dot = rest.find('.', start);
    rel /= rest.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  rel += ".funnel";
  return rel;
}

std::vector<std::string> standardModules(const fs::path& stdlibDir) {
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::is_directory(stdlibDir, ec)) return names;
  for (auto it = fs::recursive_directory_iterator(stdlibDir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file() || it->path().extension() != ".funnel") continue;
    fs::path rel = it->path().lexically_relative(stdlibDir);
    rel.replace_extension();
    std::string name = "std";
    for (const auto& part : rel) {
      name += '.';
      name += part.string();
    }
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace voronka::driver
