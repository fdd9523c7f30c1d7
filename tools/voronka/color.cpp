#include "tools/voronka/color.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace voronka::tool {

bool useColor(std::string_view option, int fd) {
  if (option == "always") return true;
  if (option == "never") return false;
  const char* noColor = std::getenv("NO_COLOR");
  if (noColor && *noColor) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string(term) == "dumb") return false;
  return isatty(fd);
}

}  // namespace voronka::tool
