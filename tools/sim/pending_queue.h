#pragma once
// The simulation's client side in time order: every deal's arrival, drawn
// before the run, and the client actions drawn as deals enter stages.
//
// Arrivals are most of what is pending (a million deals: a million
// arrivals), and they are all known at the start. Kept in one heap with the
// actions they made it a million entries deep, each pop some twenty cache
// misses. Here they are sorted once and read in order; the heap holds the
// actions only. The order is the same as one heap's: by time, then by the
// order things were drawn in.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace voronka::sim {

// Something the client does at a time: create the deal (action -1) or one
// of its stage's entries, as long as the deal is still in that stage visit.
struct Pending {
  int64_t at;
  uint64_t order;  // ties keep the order they were drawn in
  uint32_t deal;
  uint32_t visit;
  int32_t pipeline, stage, action;
  bool operator>(const Pending& o) const { return at != o.at ? at > o.at : order > o.order; }
};

class PendingQueue {
 public:
  // Arrivals, each with an order below every action's; only before the first
  // top() or pop().
  void arrive(const Pending& p) { arrivals_.push_back(p); }
  void reserveArrivals(size_t count) { arrivals_.reserve(count); }
  // An action, drawn while the run goes.
  void push(const Pending& p) { actions_.push(p); }

  bool empty() const { return next_ == arrivals_.size() && actions_.empty(); }

  // The earliest pending thing; the queue is not empty.
  const Pending& top() { return arrivalNext() ? arrivals_[next_] : actions_.top(); }

  void pop() {
    if (arrivalNext()) {
      if (++next_ == arrivals_.size()) {  // all have arrived: give their room back
        std::vector<Pending>().swap(arrivals_);
        next_ = 0;
      }
    } else {
      actions_.pop();
    }
  }

 private:
  // Whether the earliest pending thing is the next arrival.
  bool arrivalNext() {
    sortArrivals();
    return next_ < arrivals_.size() && (actions_.empty() || actions_.top() > arrivals_[next_]);
  }

  void sortArrivals() {
    if (sorted_) return;
    std::sort(arrivals_.begin(), arrivals_.end(), [](const Pending& a, const Pending& b) { return b > a; });
    sorted_ = true;
  }

  std::vector<Pending> arrivals_;
  size_t next_ = 0;  // the first arrival not yet taken
  bool sorted_ = false;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> actions_;
};

}  // namespace voronka::sim
