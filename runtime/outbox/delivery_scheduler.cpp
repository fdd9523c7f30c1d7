#include "runtime/outbox/delivery_scheduler.h"

#include <algorithm>
#include <set>

namespace voronka::outbox {

namespace {
constexpr size_t kTargetCacheSize = 20000;  // then it starts over
}  // namespace

DeliveryScheduler::DeliveryScheduler(SchedulerLimits limits, TargetOf targetOf)
    : limits_(limits), targetOfEffect_(std::move(targetOf)) {
  limits_.concurrency = std::max<size_t>(limits_.concurrency, 1);
  limits_.perTarget = std::max<size_t>(limits_.perTarget, 1);
  limits_.maxBatch = std::max<size_t>(limits_.maxBatch, 1);
}

const DeliveryTarget& DeliveryScheduler::targetOf(const store::EffectRecord& effect) {
  auto it = targetCache_.find(effect.id);
  if (it != targetCache_.end()) return it->second;
  if (targetCache_.size() >= kTargetCacheSize) targetCache_.clear();
  return targetCache_.emplace(effect.id, targetOfEffect_(effect)).first->second;
}

size_t DeliveryScheduler::inFlightTo(const std::string& target) const {
  auto it = targets_.find(target);
  return it == targets_.end() ? 0 : it->second;
}

std::vector<DeliveryJob> DeliveryScheduler::pick(const std::vector<store::EffectRecord>& due, size_t budget) {
  std::vector<DeliveryJob> jobs;
  std::set<std::string, std::less<>> held;               // deals with an effect that waits: their later ones wait too
  std::map<std::string, size_t, std::less<>> jobOfDeal;  // deal → its job among `jobs`
  size_t taken = 0;
  for (const store::EffectRecord& effect : due) {
    if (held.count(effect.deal)) continue;
    const DeliveryTarget& target = targetOf(effect);
    auto own = jobOfDeal.find(effect.deal);
    if (own == jobOfDeal.end() && deals_.count(effect.deal)) {  // an earlier effect of the deal is in flight
      held.insert(effect.deal);
      continue;
    }
    // A batching target takes the effect into its job picked in this scan,
    // if it has room: the CRM's calls, delivered in order, consecutive ones
    // of a kind in one bulk call.
    DeliveryJob* into = nullptr;
    if (target.batches && taken < budget) {
      for (DeliveryJob& job : jobs) {
        if (job.target.name == target.name && job.effects.size() < limits_.maxBatch) into = &job;
      }
    }
    if (own != jobOfDeal.end() && into != &jobs[own->second]) {
      // The deal's earlier effect is in another job of this scan: the two
      // would run side by side, so this one waits.
      held.insert(effect.deal);
      continue;
    }
    if (!into) {
      if (taken >= budget || jobsInFlight_ >= limits_.concurrency || inFlightTo(target.name) >= limitOf(target)) {
        held.insert(effect.deal);
        continue;
      }
      jobs.push_back(DeliveryJob{target, {}});
      into = &jobs.back();
      ++jobsInFlight_;
      ++targets_[target.name];
    }
    into->effects.push_back(effect);
    jobOfDeal[effect.deal] = static_cast<size_t>(into - jobs.data());
    ++deals_[effect.deal];
    ++taken;
  }
  for (const DeliveryJob& job : jobs) {
    for (const store::EffectRecord& e : job.effects) targetCache_.erase(e.id);
  }
  return jobs;
}

void DeliveryScheduler::finished(const DeliveryJob& job) {
  if (job.effects.empty()) return;
  if (jobsInFlight_ > 0) --jobsInFlight_;
  if (auto t = targets_.find(job.target.name); t != targets_.end() && --t->second == 0) targets_.erase(t);
  for (const store::EffectRecord& e : job.effects) {
    if (auto d = deals_.find(e.deal); d != deals_.end() && --d->second == 0) deals_.erase(d);
  }
}

}  // namespace voronka::outbox
