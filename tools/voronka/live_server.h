// `voronka diff --live http://HOST:PORT`: the deals per stage of a running
// `voronka serve`, read from its API (GET /v1/pipelines). The API does not
// say which rule each pending timer belongs to, so only deals are counted.
#pragma once

#include <optional>
#include <string>

#include "runtime/bytecode/module.h"
#include "runtime/moddiff/live.h"

namespace voronka::tool {

// nullopt after printing "voronka: error: …" when the server cannot be
// asked, refuses, or runs a funnel whose pipelines and stages are not those
// of `old` in the same order.
std::optional<moddiff::LiveCounts> liveCountsFromServer(const std::string& url, const std::string& token,
                                                        const bc::Module& old);

}  // namespace voronka::tool
