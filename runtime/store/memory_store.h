// The in-memory Store: for tests, `voronka test` and `voronka run`. A
// transaction applies changes as it goes and keeps an undo log; destroying
// it without commit() undoes everything, so a failed event leaves no trace.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "runtime/store/store.h"
#include "runtime/store/timer_table.h"

namespace voronka::store {

class MemoryStore : public Store {
 public:
  std::unique_ptr<Transaction> begin() override;
  std::optional<int64_t> nextDue() override;

  size_t timerCount() const { return timers_.size(); }

 private:
  friend class MemoryTransaction;
  std::unordered_map<std::string, DealRecord> deals_;
  std::vector<std::string> dealOrder_;
  std::vector<TaskRecord> tasks_;  // by id - 1: ids are given in order and tasks stay
  std::unordered_map<std::string, std::vector<int64_t>> tasksByDeal_;
  TimerTable timers_;
  std::vector<EffectRecord> effects_;
  std::unordered_map<std::string, std::vector<size_t>> effectsByDeal_;
  std::unordered_map<std::string, std::vector<AttemptRecord>> attempts_;  // by deal, in the order recorded
  std::unordered_map<std::string, EventRecord> events_;
  std::unordered_map<std::string, std::vector<HistoryRecord>> history_;
  std::unordered_map<std::string, std::vector<NoteRecord>> notes_;
  std::map<std::string, int64_t> counters_;
  std::map<std::string, std::string> meta_;
  std::vector<std::string> eventOrder_;        // ids by seq - 1
  std::vector<ModuleRecord> modules_;          // oldest first
  std::vector<DeploymentRecord> deployments_;  // by id - 1
  int64_t nextTaskId_ = 1;
  int64_t nextTimerId_ = 1;
  int64_t nextEffectId_ = 1;
  bool open_ = false;
};

}  // namespace voronka::store
