#include "runtime/crm/effect_order.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <queue>
#include <tuple>
#include <utility>

namespace voronka::crm {

int crmKindRank(const std::string& kind) {
  // A task before its completion: the order of a deal's calls, as reconcile makes them.
  static const std::vector<std::string> order = {"crm_update", "crm_task",   "crm_complete_task",
                                                 "crm_note",   "crm_notify", "crm_robot_reply"};
  return static_cast<int>(std::find(order.begin(), order.end(), kind) - order.begin());
}

std::vector<store::EffectRecord> groupedByKind(std::vector<store::EffectRecord> effects) {
  // Each deal's effects queue up in their order; the next one out is the
  // head of lowest (rank, position): a merge of the deals' queues.
  std::map<std::string, std::deque<size_t>> queues;
  for (size_t i = 0; i < effects.size(); ++i) queues[effects[i].deal].push_back(i);
  using Head = std::pair<int, size_t>;  // rank, position
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
  for (const auto& [deal, queue] : queues) heads.emplace(crmKindRank(effects[queue.front()].kind), queue.front());
  std::vector<store::EffectRecord> out;
  out.reserve(effects.size());
  while (!heads.empty()) {
    size_t at = heads.top().second;
    heads.pop();
    std::deque<size_t>& queue = queues[effects[at].deal];
    queue.pop_front();
    if (!queue.empty()) heads.emplace(crmKindRank(effects[queue.front()].kind), queue.front());
    out.push_back(std::move(effects[at]));
  }
  return out;
}

}  // namespace voronka::crm
