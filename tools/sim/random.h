// The simulation's random numbers: std::mt19937_64 for the raw bits (its
// output is fixed by the C++ standard) and our own distributions on top.
// std::uniform_real_distribution, std::exponential_distribution and friends
// are not: libstdc++, libc++ and MSVC turn the same bits into different
// numbers, and libstdc++ has changed its own between versions. A seed must
// give the same forecast on every machine, so we do the arithmetic here.
#pragma once

#include <cstdint>
#include <random>

namespace voronka::sim {

class Random {
 public:
  explicit Random(uint64_t seed) : bits_(seed) {}
  // In [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(bits_() >> 11) * 0x1.0p-53; }
  // True with probability p.
  bool chance(double p) { return uniform() < p; }
  // A standard normal deviate (Box–Muller, one of the pair).
  double normal();
  // Exponential with this median (mean = median / ln 2).
  double exponentialMedian(double median);
  // Log-normal with this median and 90th percentile.
  double lognormal(double median, double p90);

 private:
  std::mt19937_64 bits_;
};

// Independent seeds for repeated runs from one user seed (splitmix64).
uint64_t runSeed(uint64_t seed, uint64_t run);

}  // namespace voronka::sim
