// When the commands colour their output: `--color always|never`, or with
// `auto` only on a terminal, and not when NO_COLOR is set (no-color.org) or
// TERM is `dumb`.
#pragma once

#include <string_view>

namespace voronka::tool {

bool useColor(std::string_view option, int fd);

}  // namespace voronka::tool
