// Whether the store takes writes, as the writer last found it: the single
// writer records each commit's success or failure, GET /readyz reads it.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

namespace voronka::server {

class WriteHealth {
 public:
  void succeeded() { failing_ = false; }
  void failed(std::string why) {
    std::lock_guard lock(mutex_);
    lastError_ = std::move(why);
    failing_ = true;
  }
  bool failing() const { return failing_; }
  std::string lastError() const {
    std::lock_guard lock(mutex_);
    return lastError_;
  }

 private:
  std::atomic<bool> failing_{false};
  mutable std::mutex mutex_;
  std::string lastError_;
};

}  // namespace voronka::server
