// Three versions of one funnel for the live deployment tests: v2 says
// another note when the timer fires and on link_clicked; in v3 the timer
// rule of `a` is gone (its timers are cancelled when a deal moves).
#pragma once

#include <string>

#include "tests/runtime/engine_support.h"

namespace voronka::deploy_versions {

inline const std::string kV1 = testing::program(testing::kMoscow, "", R"(
    stage a "A" {
      after 1d { note "v1 timer" }
      on link_clicked { note "v1 click" }
    })");
inline const std::string kV2 = testing::program(testing::kMoscow, "", R"(
    stage a "A" {
      after 1d { note "v2 timer" }
      on link_clicked { note "v2 click" }
    })");
inline const std::string kV3 = testing::program(testing::kMoscow, "", R"(
    stage a "A" {
      on link_clicked { note "v3 click" }
    })");

}  // namespace voronka::deploy_versions
