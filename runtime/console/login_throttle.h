// Failed console logins, counted per console and client address: password
// guessing gets a few tries a minute, then waits, longer each time
// (docs/console.md). Logins are tokens, not user names, so the client's
// address is the only key within a console: a limit per console would let
// anyone lock every user out of it. Under `serve --tenants` each tenant's
// console counts its own (throttleKey): one tenant's guesser does not lock
// the same office address out of every other tenant's console.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace voronka::console {

class LoginThrottle {
 public:
  // kFailures failed logins within kWindowSeconds block the address for
  // kFirstBlockSeconds; each further block of it lasts twice the one
  // before, up to kMaxBlockSeconds.
  static constexpr int kFailures = 5;
  static constexpr int64_t kWindowSeconds = 60;
  static constexpr int64_t kFirstBlockSeconds = 60;
  static constexpr int64_t kMaxBlockSeconds = 3600;
  // An address with no failure this long after its last block ends starts afresh.
  static constexpr int64_t kForgetSeconds = 3600;
  // Addresses remembered at most; beyond, the one that failed longest ago goes.
  static constexpr size_t kMaxAddresses = 100000;

  // Seconds `address` must wait before it may try to log in again; 0: it may now.
  int64_t wait(const std::string& address, int64_t now);
  // A failed login from `address`; returns the seconds it must now wait (0 if none).
  int64_t failed(const std::string& address, int64_t now);
  // A successful login: the address's failures and blocks are forgotten.
  void succeeded(const std::string& address);

 private:
  struct Record {
    int failures = 0;  // in the window that started at windowStart
    int64_t windowStart = 0;
    int blocks = 0;            // blocks so far: the next lasts kFirstBlockSeconds << blocks
    int64_t blockedUntil = 0;  // while now < blockedUntil every login is refused
    int64_t lastFailure = 0;
  };
  void forgetOld(int64_t now);

  std::mutex mutex_;
  std::map<std::string, Record> records_;
};

// The process's one throttle; consoles keep apart by their keys.
LoginThrottle& processLoginThrottle();

// The key a console of `scope` ("" or a tenant's id) counts `address` under.
std::string throttleKey(const std::string& scope, const std::string& address);

}  // namespace voronka::console
