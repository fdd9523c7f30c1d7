// Generates realistic funnel programs for benchmarks: an account, fields,
// teams, templates and several pipelines whose stages carry the usual mix of
// rules (enter tasks and emails, triggers, delays, guards), plus tests.
#pragma once

#include <string>

namespace voronka::bench {

// One self-contained program of roughly `targetLines` lines; `seed` varies names.
std::string generateFunnel(int seed, int targetLines);

}  // namespace voronka::bench
