// A unified diff of two texts (`voronka fmt --diff`), readable by `patch` and `git apply`.
#pragma once

#include <string>
#include <string_view>

namespace voronka::format {

// Empty when the texts are equal. `context` lines surround each change.
std::string unifiedDiff(std::string_view before, std::string_view after, std::string_view path, int context = 3);

}  // namespace voronka::format
