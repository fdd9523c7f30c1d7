// Which due effects the relay may start delivering now, so that deliveries
// go on in parallel without breaking what the outbox promises:
//   - at most `concurrency` deliveries at once, and at most `perTarget` to
//     one target (delivery_target.h): a slow or hanging receiver holds its
//     own slots, never the others';
//   - one delivery of a deal at a time, in outbox order: an effect of a deal
//     that has one in flight, or whose earlier due effect has to wait, waits
//     too (it is not claimed, and stays due).
// Pure bookkeeping on the relay's thread: no store, no threads, no clock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/outbox/delivery_target.h"
#include "runtime/store/records.h"

namespace voronka::outbox {

struct SchedulerLimits {
  size_t concurrency = 8;  // deliveries in flight at once
  size_t perTarget = 2;    // …to one target
  size_t maxBatch = 32;    // effects in one batched call (a CRM's bulk update)
};

// Effects delivered together, in order: one effect, or a CRM's batch
// (consecutive effects of a kind in one bulk call).
struct DeliveryJob {
  DeliveryTarget target;
  std::vector<store::EffectRecord> effects;
};

class DeliveryScheduler {
 public:
  using TargetOf = std::function<DeliveryTarget(const store::EffectRecord&)>;
  explicit DeliveryScheduler(SchedulerLimits limits, TargetOf targetOf = deliveryTargetOf);

  // From due effects in outbox order, the jobs that may start now, with at
  // most `budget` effects in all; they count as in flight from here on.
  std::vector<DeliveryJob> pick(const std::vector<store::EffectRecord>& due, size_t budget = SIZE_MAX);
  // A job's results are in (recorded or not): its slots are free again.
  void finished(const DeliveryJob& job);

  size_t jobsInFlight() const { return jobsInFlight_; }
  bool full() const { return jobsInFlight_ >= limits_.concurrency; }
  size_t inFlightTo(const std::string& target) const;
  bool dealInFlight(const std::string& deal) const { return deals_.count(deal) != 0; }
  const SchedulerLimits& limits() const { return limits_; }

 private:
  size_t limitOf(const DeliveryTarget& target) const { return target.serial ? 1 : limits_.perTarget; }
  const DeliveryTarget& targetOf(const store::EffectRecord& effect);

  SchedulerLimits limits_;
  TargetOf targetOfEffect_;
  std::unordered_map<int64_t, DeliveryTarget> targetCache_;  // payloads are parsed once per effect
  size_t jobsInFlight_ = 0;
  std::map<std::string, size_t, std::less<>> targets_;  // target → jobs in flight
  std::map<std::string, size_t, std::less<>> deals_;    // deal → effects in flight
};

}  // namespace voronka::outbox
