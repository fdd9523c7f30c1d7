// Time for the engine: the real clock in production, a virtual one in tests
// (which only moves when told to).
#pragma once

#include <chrono>
#include <cstdint>

namespace voronka::engine {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now() = 0;  // UTC seconds since 1970
};

class RealClock : public Clock {
 public:
  int64_t now() override {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class VirtualClock : public Clock {
 public:
  explicit VirtualClock(int64_t start) : now_(start) {}
  int64_t now() override { return now_; }
  void set(int64_t t) { now_ = t; }
  void advance(int64_t seconds) { now_ += seconds; }

 private:
  int64_t now_;
};

}  // namespace voronka::engine
