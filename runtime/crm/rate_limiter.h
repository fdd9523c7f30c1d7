// The CRM's request limit, kept on Voronka's side so that the CRM never has
// to refuse: amoCRM allows 7 requests per second per account (a window),
// Bitrix24 a leaky bucket (2 per second, 50 at once). Every call of one
// account — the relay's and the webhooks' lookups — takes its turn here.
// The limiter runs slightly below the CRM's figures (kSafety), so that
// network jitter cannot make two seconds' calls arrive in one.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>

namespace voronka::crm {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr double kSafety = 0.9;

  // `perSecond` on average; `burst` calls may go at once (1: at most
  // perSecond in any second, as amoCRM counts).
  RateLimiter(double perSecond, int burst);
  virtual ~RateLimiter() = default;

  // Blocks until a call may go, then counts it.
  virtual void acquire();
  // The CRM said "too many" (429, 503): no call before `seconds` from now.
  virtual void holdOff(double seconds);

 private:
  std::mutex mutex_;
  double perSecond_;
  int burst_;
  std::chrono::duration<double> window_;  // the window mode's length
  size_t windowCalls_;
  std::deque<Clock::time_point> recent_;  // window mode: the calls of the last window
  double level_ = 0;                      // bucket mode: calls not yet drained
  Clock::time_point drainedAt_ = Clock::now();
  Clock::time_point heldUntil_ = Clock::time_point::min();
};

}  // namespace voronka::crm
