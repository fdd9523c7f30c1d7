// A deployment's outcome as text for people (`voronka deploy`, `voronka serve`).
#pragma once

#include <ostream>

#include "runtime/deploy/deploy.h"

namespace voronka::tool {

void printDeployOutcome(std::ostream& out, const deploy::DeployOutcome& outcome);

}  // namespace voronka::tool
