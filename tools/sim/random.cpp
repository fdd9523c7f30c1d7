#include "tools/sim/random.h"

#include <cmath>

namespace voronka::sim {

namespace {
constexpr double kTwoPi = 6.283185307179586;
constexpr double kZ90 = 1.2815515655446004;  // the standard normal's 90th percentile
}  // namespace

double Random::normal() {
  double u1 = 1.0 - uniform();  // (0, 1]: log is finite
  double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

double Random::exponentialMedian(double median) { return -std::log(1.0 - uniform()) * median / std::log(2.0); }

double Random::lognormal(double median, double p90) {
  double sigma = std::log(p90 / median) / kZ90;
  return median * std::exp(sigma * normal());
}

uint64_t runSeed(uint64_t seed, uint64_t run) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (run + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace voronka::sim
