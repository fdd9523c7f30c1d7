// Rates drawn from statistics (`voronka sim --stats FILE | --store S`): the
// output of `voronka stats --format json` turned into a rates file's
// entries. Per working stage, one choice: go on to the next stage (a manual
// move) with the share that did, be lost with the share lost there (split
// over the loss reasons as recorded), or stay; the delay log-normal with the
// stage's median and p90 time in stage.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "common/result.h"
#include "runtime/bytecode/module.h"
#include "tools/sim/rates.h"

namespace voronka::sim {

// `source` names the statistics in messages (a file, a store).
Result<Rates> ratesFromStats(const bc::Module& module, const nlohmann::json& stats, const std::string& source,
                             int64_t start);

}  // namespace voronka::sim
