// A store remembers the versions it runs (runtime/deploy): its deals refer to
// pipelines, stages and rules by position in their version's module. A
// server started with another module deploys it first, as the plan says, or
// refuses with what the plan lacks.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "runtime/deploy/deploy.h"
#include "runtime/deploy/plan.h"
#include "runtime/engine/clock.h"
#include "runtime/store/store.h"

namespace voronka::server {

// Puts the module on the store (its first version, the same one again, or a
// deployment that moves every deal onto it). Returns what was done, for the
// operator; fails saying why (the plan falls short: each problem on a line).
// Store failures throw StoreError.
Result<std::string> claimStoreForModule(store::Store& store, const std::string& moduleBytes,
                                        const std::string& modulePath, const deploy::Plan& plan, engine::Clock& clock,
                                        const std::string& by = "serve");

// A deployment onto this module that a crash interrupted, started again with
// its journaled plan to go on while the server serves (live_deploy.h); null
// when there is none (claimStoreForModule then does what is to be done).
std::unique_ptr<deploy::Migration> resumeDeployment(store::Store& store, const std::string& moduleBytes,
                                                    const std::string& modulePath, engine::Clock& clock);

}  // namespace voronka::server
