#include "runtime/console/login_throttle.h"

#include <algorithm>

namespace voronka::console {

namespace {

bool stale(int64_t lastFailure, int64_t blockedUntil, int64_t now) {
  return now - std::max(lastFailure, blockedUntil) >= LoginThrottle::kForgetSeconds;
}

}  // namespace

int64_t LoginThrottle::wait(const std::string& address, int64_t now) {
  std::lock_guard lock(mutex_);
  auto it = records_.find(address);
  if (it == records_.end()) return 0;
  return std::max<int64_t>(0, it->second.blockedUntil - now);
}

int64_t LoginThrottle::failed(const std::string& address, int64_t now) {
  std::lock_guard lock(mutex_);
  auto it = records_.find(address);
  if (it != records_.end() && stale(it->second.lastFailure, it->second.blockedUntil, now)) {
    records_.erase(it);
    it = records_.end();
  }
  if (it == records_.end()) {
    if (records_.size() >= kMaxAddresses) forgetOld(now);
    it = records_.emplace(address, Record{}).first;
  }
  Record& r = it->second;
  if (r.failures == 0 || now - r.windowStart >= kWindowSeconds) {
    r.failures = 0;
    r.windowStart = now;
  }
  r.lastFailure = now;
  if (++r.failures < kFailures) return 0;
  int64_t block = r.blocks >= 6 ? kMaxBlockSeconds : std::min(kMaxBlockSeconds, kFirstBlockSeconds << r.blocks);
  ++r.blocks;
  r.failures = 0;
  r.blockedUntil = now + block;
  return block;
}

void LoginThrottle::succeeded(const std::string& address) {
  std::lock_guard lock(mutex_);
  records_.erase(address);
}

void LoginThrottle::forgetOld(int64_t now) {
  for (auto it = records_.begin(); it != records_.end();) {
    it = stale(it->second.lastFailure, it->second.blockedUntil, now) ? records_.erase(it) : std::next(it);
  }
  if (records_.size() < kMaxAddresses) return;
  // Still full (many addresses failing at once): the one that failed longest ago goes.
  auto oldest = std::min_element(records_.begin(), records_.end(), [](const auto& a, const auto& b) {
    return a.second.lastFailure < b.second.lastFailure;
  });
  records_.erase(oldest);
}

std::string throttleKey(const std::string& scope, const std::string& address) {
  // A tenant id never holds a space (tenants file): "shop 203.0.113.5" is one tenant's.
  return scope.empty() ? address : scope + " " + address;
}

LoginThrottle& processLoginThrottle() {
  static LoginThrottle throttle;
  return throttle;
}

}  // namespace voronka::console
