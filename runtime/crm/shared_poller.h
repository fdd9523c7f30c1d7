// The CRM's periodic work on shared workers — Bitrix24's offline queue
// drained every offline_poll seconds — run by one worker of the store at a
// time: the leader, the one holding the lock "crm.leader" (SharedLock).
// Every worker tries for it every `retry`; a leader killed with -9 loses its
// session and so the lock, and another worker takes over at its next try.
// A single server (no conninfo) always leads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "runtime/crm/shared_lock.h"

namespace voronka::crm {

class SharedPoller {
 public:
  // Starts the thread; `job` runs on it every `every` while this process
  // leads. An empty `conninfo`: one server, which leads alone.
  SharedPoller(const std::string& conninfo, std::chrono::milliseconds every, std::function<void()> job,
               std::chrono::milliseconds retry = std::chrono::seconds(1));
  ~SharedPoller();  // stop()

  void stop();
  bool leading() const { return leading_; }
  uint64_t runs() const { return runs_; }            // jobs run by this process
  uint64_t takeovers() const { return takeovers_; }  // times this process became the leader

 private:
  void run();

  std::optional<SharedLock> lock_;
  std::chrono::milliseconds every_;
  std::chrono::milliseconds retry_;
  std::function<void()> job_;
  std::atomic<bool> leading_{false};
  std::atomic<uint64_t> runs_{0};
  std::atomic<uint64_t> takeovers_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace voronka::crm
