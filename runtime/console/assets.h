// The console's static files (runtime/console/assets), built into the binary
// by embed_assets.cmake: nothing is read from disk or fetched at run time.
#pragma once

#include <string_view>
#include <vector>

namespace voronka::console {

struct Asset {
  std::string_view name;  // its path under assets/: "console.js"
  std::string_view contentType;
  std::string_view bytes;
};

const std::vector<Asset>& assets();

}  // namespace voronka::console
