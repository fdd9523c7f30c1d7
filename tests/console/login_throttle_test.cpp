// Failed console logins per client address (runtime/console/login_throttle.h):
// five a minute, then a block that doubles each time, forgotten on success;
// under `serve --tenants`, counted per tenant's console.
#include "runtime/console/login_throttle.h"

#include <gtest/gtest.h>

#include "runtime/console/console_app.h"
#include "runtime/engine/clock.h"

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

// Two tenants' consoles of one process (`serve --tenants`), as the server mounts them.
struct TenantConsoles {
  engine::VirtualClock clock{1000};
  server::WebApp shop = consoleOf("shop", "shop-token");
  server::WebApp office = consoleOf("office", "office-token");

  server::WebApp consoleOf(const std::string& tenant, const std::string& token) {
    ConsoleSettings s;
    s.clock = &clock;
    s.scope = tenant;
    s.mount = "/t/" + tenant;
    s.tokens.admin = {token};
    return consoleApp(std::move(s));
  }
  static int login(server::WebApp& console, const std::string& address, const std::string& token) {
    server::WebRequest req;
    req.method = "POST";
    req.path = "/console/api/login";
    req.headers = {{"content-type", "application/json"}};
    req.body = nlohmann::json{{"token", token}}.dump();
    req.remoteAddress = address;
    return console.handle(req).status;
  }
};

TEST(LoginThrottle, OneTenantsGuesserDoesNotLockTheAddressOutOfAnotherTenantsConsole) {
  TenantConsoles c;
  const std::string office = "192.0.2.10";  // one office's address, behind which a guesser sits too
  for (int i = 0; i < T::kFailures; ++i) EXPECT_EQ(TenantConsoles::login(c.shop, office, "guess"), 401) << i;
  EXPECT_EQ(TenantConsoles::login(c.shop, office, "shop-token"), 429);      // blocked at the shop's console
  EXPECT_EQ(TenantConsoles::login(c.office, office, "office-token"), 200);  // not at the office's
  EXPECT_EQ(TenantConsoles::login(c.office, office, "guess"), 401);
  EXPECT_EQ(TenantConsoles::login(c.shop, "192.0.2.11", "shop-token"), 200);  // another address is not held up
  c.clock.set(1000 + T::kFirstBlockSeconds);
  EXPECT_EQ(TenantConsoles::login(c.shop, office, "shop-token"), 200);  // the block ends
}

TEST(LoginThrottle, KeysKeepTenantsApartAndASingleServerAsItWas) {
  EXPECT_EQ(throttleKey("", "203.0.113.5"), "203.0.113.5");
  EXPECT_NE(throttleKey("shop", "203.0.113.5"), throttleKey("office", "203.0.113.5"));
  EXPECT_NE(throttleKey("shop", "203.0.113.5"), throttleKey("", "203.0.113.5"));
}

}  // namespace
}  // namespace voronka::console
