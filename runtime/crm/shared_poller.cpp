#include "runtime/crm/shared_poller.h"

#include <iostream>

namespace voronka::crm {

SharedPoller::SharedPoller(const std::string& conninfo, std::chrono::milliseconds every, std::function<void()> job,
                           std::chrono::milliseconds retry)
    : every_(every), retry_(retry), job_(std::move(job)) {
  if (!conninfo.empty()) lock_.emplace(conninfo, "crm.leader");
  thread_ = std::thread([this] { run(); });
}

SharedPoller::~SharedPoller() { stop(); }

void SharedPoller::stop() {
  {
    std::lock_guard guard(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (lock_) lock_->unlock();
  leading_ = false;
}

void SharedPoller::run() {
  auto lastRun = std::chrono::steady_clock::time_point{};
  std::unique_lock guard(mutex_);
  while (!stopping_) {
    guard.unlock();
    bool lead = false;
    try {
      lead = !lock_ || (lock_->held() ? lock_->stillHeld() : lock_->tryLock());
    } catch (const std::exception&) {
      lead = false;  // the database is away: whoever reaches it leads
    }
    if (lead && !leading_) ++takeovers_;
    leading_ = lead;
    auto wait = retry_;
    if (lead) {
      auto now = std::chrono::steady_clock::now();
      if (now - lastRun >= every_) {
        lastRun = now;
        try {
          job_();
          ++runs_;
        } catch (const std::exception& e) {
          std::cerr << "voronka serve: crm poll: " << e.what() << "\n";
        }
      }
      auto untilNext =
          std::chrono::duration_cast<std::chrono::milliseconds>(lastRun + every_ - std::chrono::steady_clock::now());
      wait = std::max(std::chrono::milliseconds(10), std::min(retry_, untilNext));
    }
    guard.lock();
    wake_.wait_for(guard, wait, [&] { return stopping_; });
  }
}

}  // namespace voronka::crm
