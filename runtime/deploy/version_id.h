// A module version's identity: the content hash of its .funnelc bytes. The
// same FNV-1a the store kept as `module_checksum` before versions, so a store
// of schema version 2 knows the version its deals run on.
#pragma once

#include <string>
#include <string_view>

namespace voronka::deploy {

// 16 lowercase hex digits.
std::string moduleVersionOf(std::string_view moduleBytes);

}  // namespace voronka::deploy
