#include "runtime/deploy/version_id.h"

#include <fmt/format.h>

#include "common/hash.h"

namespace voronka::deploy {

std::string moduleVersionOf(std::string_view moduleBytes) { return fmt::format("{:016x}", fnv1a(moduleBytes)); }

}  // namespace voronka::deploy
