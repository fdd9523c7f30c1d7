#include "runtime/crm/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <thread>

namespace voronka::crm {

RateLimiter::RateLimiter(double perSecond, int burst)
    : perSecond_(std::max(perSecond, 0.01)),
      burst_(std::max(burst, 1)),
      window_(1.0 / kSafety),
      windowCalls_(static_cast<size_t>(std::max(1.0, std::floor(perSecond_)))) {}

void RateLimiter::acquire() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    Clock::time_point now = Clock::now();
    Clock::time_point until = heldUntil_;
    if (burst_ <= 1) {
      while (!recent_.empty() && now - recent_.front() >= window_) recent_.pop_front();
      if (recent_.size() >= windowCalls_)
        until = std::max(until, recent_.front() + std::chrono::duration_cast<Clock::duration>(window_));
    } else {
      double drained = std::chrono::duration<double>(now - drainedAt_).count() * perSecond_ * kSafety;
      level_ = std::max(0.0, level_ - drained);
      drainedAt_ = now;
      double capacity = std::max(1.0, std::floor(burst_ * kSafety));
      if (level_ + 1 > capacity) {
        auto wait = std::chrono::duration<double>((level_ + 1 - capacity) / (perSecond_ * kSafety));
        until = std::max(until, now + std::chrono::duration_cast<Clock::duration>(wait));
      }
    }
    if (until <= now) {
      if (burst_ <= 1) {
        recent_.push_back(now);
      } else {
        level_ += 1;
      }
      return;
    }
    // Sleep without the lock, then look again: another thread may have gone first.
    lock.unlock();
    std::this_thread::sleep_until(until);
    lock.lock();
  }
}

void RateLimiter::holdOff(double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  heldUntil_ = std::max(heldUntil_, until);
}

}  // namespace voronka::crm
