// A module diff for people (text grouped by pipeline and stage) and for
// programs (JSON, shape in docs/diff.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "runtime/moddiff/moddiff.h"

namespace voronka::moddiff {

std::string renderText(const ModuleDiff& diff);
nlohmann::json renderJson(const ModuleDiff& diff);

}  // namespace voronka::moddiff
