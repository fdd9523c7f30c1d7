#include "runtime/crm/shared_rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <thread>

#include "runtime/store/pg_db.h"

namespace voronka::crm {

namespace {

constexpr int64_t kMaxWait = 2'000'000;  // µs: look again at least this often
// Below RateLimiter's kSafety: the calls of several processes, each granted
// in turn, reach the CRM with more jitter between grant and arrival than one
// process's do (measured: 0.9 let two calls in 400 through at 3 workers).
constexpr double kSharedSafety = 0.8;

}  // namespace

// The database's clock in µs: `clock_timestamp()`, not the transaction's start.
#define NOW_US "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"

struct SharedRateLimiter::Statements {
  explicit Statements(store::pg::Conn& c)
      : seed(c, "INSERT INTO meta (key, value) VALUES ($1, '0') ON CONFLICT (key) DO NOTHING",
             "making the CRM's rate cell"),
        take(c,
             "UPDATE meta SET value = (GREATEST(value::bigint, " NOW_US
             ") + $2)::text "
             "WHERE key = $1 AND GREATEST(value::bigint, " NOW_US ") - " NOW_US " <= $3 RETURNING 1",
             "taking a turn of the CRM's rate"),
        wait(c, "SELECT GREATEST(value::bigint, " NOW_US ") - " NOW_US " - $2 FROM meta WHERE key = $1",
             "reading the CRM's rate"),
        hold(c, "UPDATE meta SET value = GREATEST(value::bigint, " NOW_US " + $2)::text WHERE key = $1",
             "holding the CRM's calls off") {}
  store::pg::Statement seed, take, wait, hold;
};

SharedRateLimiter::SharedRateLimiter(double perSecond, int burst, const std::string& conninfo, std::string key)
    : RateLimiter(perSecond, burst), key_(std::move(key)) {
  double rate = std::max(perSecond, 0.01) * kSharedSafety;
  interval_ = static_cast<int64_t>(std::ceil(1e6 / rate));
  // The same bucket as RateLimiter's: floor(burst · safety) calls at once.
  int64_t capacity = burst <= 1 ? 1 : std::max<int64_t>(1, static_cast<int64_t>(std::floor(burst * kSharedSafety)));
  tolerance_ = (capacity - 1) * interval_;
  conn_ = std::make_unique<store::pg::Conn>(conninfo);
  st_ = std::make_unique<Statements>(*conn_);
  store::pg::Query(st_->seed).bind(key_).run();
}

SharedRateLimiter::~SharedRateLimiter() = default;

int64_t SharedRateLimiter::tryTake() {
  if (conn_->broken()) conn_->reconnect();
  store::pg::Query take(st_->take);
  take.bind(key_).bind(interval_).bind(tolerance_);
  if (take.step()) return 0;
  store::pg::Query wait(st_->wait);
  wait.bind(key_).bind(tolerance_);
  if (!wait.step()) {  // the cell is gone (the meta row deleted): make it again
    store::pg::Query(st_->seed).bind(key_).run();
    return 1;
  }
  return std::clamp<int64_t>(wait.i64(0), 1, kMaxWait);
}

void SharedRateLimiter::acquire() {
  for (;;) {
    int64_t waitUs = 0;
    try {
      std::lock_guard lock(mutex_);
      waitUs = tryTake();
    } catch (const std::exception& e) {
      // The database is away: this process keeps to the limit on its own.
      if (!warned_.exchange(true))
        std::cerr << "voronka serve: crm: the shared rate limit cannot be read (" << e.what()
                  << "); this worker keeps to crm.toml's rate on its own until it can\n";
      RateLimiter::acquire();
      return;
    }
    warned_ = false;
    if (waitUs == 0) return;
    std::this_thread::sleep_for(std::chrono::microseconds(waitUs));
  }
}

bool SharedRateLimiter::tryAcquire() {
  std::lock_guard lock(mutex_);
  return tryTake() == 0;
}

void SharedRateLimiter::holdOff(double seconds) {
  RateLimiter::holdOff(seconds);
  try {
    std::lock_guard lock(mutex_);
    if (conn_->broken()) conn_->reconnect();
    store::pg::Query(st_->hold).bind(key_).bind(static_cast<int64_t>(seconds * 1e6)).run();
  } catch (const std::exception&) {}  // this process holds off at least
}

}  // namespace voronka::crm
