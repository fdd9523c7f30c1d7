// The CRM's request limit shared by every `voronka serve --workers shared`
// process of one PostgreSQL store: one budget for the account, not one per
// process (N processes at 7/s each would send 7·N/s and be refused).
//
// The budget is a GCRA ("generic cell rate algorithm") cell in the store's
// meta table (key "crm.rate"): the theoretical arrival time of the next
// call, in microseconds of the database's clock — one clock for every
// worker. A call may go when that time is at most `tolerance` ahead of now;
// going moves it on by one interval (1 / (rate · 0.8): more margin than
// one process's limiter, for the jitter of several). amoCRM (burst 1)
// gets evenly spaced calls, so no second holds more than its 7; Bitrix24's
// bucket a tolerance of its burst. A 429/503 seen by one worker holds every
// worker off. Each call costs one UPDATE; while the database cannot be
// reached, this process falls back to its own limiter (RateLimiter).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "runtime/crm/rate_limiter.h"

namespace voronka::store::pg {
class Conn;
}

namespace voronka::crm {

class SharedRateLimiter : public RateLimiter {
 public:
  // Connects to the store (throws StoreError when it cannot). `key` names the
  // account's cell (several accounts may share a store).
  SharedRateLimiter(double perSecond, int burst, const std::string& conninfo, std::string key = "crm.rate");
  ~SharedRateLimiter() override;

  void acquire() override;
  void holdOff(double seconds) override;
  // Takes a turn if one is free now, without waiting (throws StoreError
  // when the database cannot be reached).
  bool tryAcquire();

  // Microseconds between calls, and how far ahead the cell may run.
  int64_t interval() const { return interval_; }
  int64_t tolerance() const { return tolerance_; }

 private:
  // One try: 0 when the call may go (counted), else microseconds to wait.
  int64_t tryTake();

  std::atomic<bool> warned_{false};  // said once that the database is away
  std::mutex mutex_;                 // one connection: one caller of this process at a time
  std::string key_;
  int64_t interval_;
  int64_t tolerance_;
  std::unique_ptr<store::pg::Conn> conn_;
  struct Statements;
  std::unique_ptr<Statements> st_;
};

}  // namespace voronka::crm
