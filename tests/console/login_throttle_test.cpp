// Failed console logins per client address (runtime/console/login_throttle.h):
// five a minute, then a block that doubles each time, forgotten on success.
#include "runtime/console/login_throttle.h"

#include <gtest/gtest.h>

namespace voronka::console {
namespace {

using T = LoginThrottle;

// Fails `n` logins from `address` at `now`; returns the last failure's wait.
int64_t failTimes(LoginThrottle& t, const std::string& address, int n, int64_t now) {
  int64_t wait = 0;
  for (int i = 0; i < n; ++i) wait = t.failed(address, now);
  return wait;
}

TEST(LoginThrottle, FiveFailuresInAMinuteBlockTheAddressOnly) {
  LoginThrottle t;
  EXPECT_EQ(failTimes(t, "203.0.113.5", T::kFailures - 1, 1000), 0);
  EXPECT_EQ(t.wait("203.0.113.5", 1000), 0);
  EXPECT_EQ(t.failed("203.0.113.5", 1010), T::kFirstBlockSeconds);
  EXPECT_EQ(t.wait("203.0.113.5", 1010), 60);
  EXPECT_EQ(t.wait("203.0.113.5", 1050), 20);
  EXPECT_EQ(t.wait("203.0.113.5", 1070), 0);
  EXPECT_EQ(t.wait("198.51.100.7", 1010), 0);  // another client is not held up
}

TEST(LoginThrottle, FailuresFurtherApartThanAMinuteDoNotBlock) {
  LoginThrottle t;
  for (int i = 0; i < 20; ++i) {
    failTimes(t, "203.0.113.5", T::kFailures - 1, 1000 + i * T::kWindowSeconds);
    EXPECT_EQ(t.wait("203.0.113.5", 1000 + i * T::kWindowSeconds), 0) << i;
  }
}

TEST(LoginThrottle, EachBlockLastsTwiceTheOneBeforeUpToAnHour) {
  LoginThrottle t;
  int64_t now = 1000;
  for (int64_t expected : {60, 120, 240, 480, 960, 1920, 3600, 3600, 3600}) {
    EXPECT_EQ(failTimes(t, "203.0.113.5", T::kFailures, now), expected);
    now += expected;  // the block ends; the guessing goes on at once
    EXPECT_EQ(t.wait("203.0.113.5", now), 0);
  }
  // An hour without a failure after the block ends: the next block is the first again.
  now += T::kForgetSeconds;
  EXPECT_EQ(failTimes(t, "203.0.113.5", T::kFailures, now), T::kFirstBlockSeconds);
}

TEST(LoginThrottle, ASuccessfulLoginForgetsTheFailures) {
  LoginThrottle t;
  failTimes(t, "203.0.113.5", T::kFailures - 1, 1000);
  t.succeeded("203.0.113.5");
  EXPECT_EQ(failTimes(t, "203.0.113.5", T::kFailures - 1, 1001), 0);
  EXPECT_EQ(t.failed("203.0.113.5", 1001), T::kFirstBlockSeconds);
  // Blocks so far are forgotten too: the next block is the first again.
  t.succeeded("203.0.113.5");
  EXPECT_EQ(t.wait("203.0.113.5", 1001), 0);
  EXPECT_EQ(failTimes(t, "203.0.113.5", T::kFailures, 1002), T::kFirstBlockSeconds);
}

TEST(LoginThrottle, ManyAddressesStayWithinTheBound) {
  LoginThrottle t;
  // One past the bound: the address that failed longest ago is dropped, the newest is kept.
  for (size_t i = 0; i <= T::kMaxAddresses; ++i) t.failed("a" + std::to_string(i), static_cast<int64_t>(i));
  failTimes(t, "blocked", T::kFailures, 200000);
  EXPECT_EQ(t.wait("blocked", 200000), T::kFirstBlockSeconds);
}

}  // namespace
}  // namespace voronka::console
