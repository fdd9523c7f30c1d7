// What the CRM is known to show for one deal: what it last reported in a
// webhook, or what Voronka last sent it. Kept in the store (its meta table,
// key "crm.deal:<deal id>") and changed in the same transaction as the deal,
// so it is exactly as durable: comparing it with the deal says which calls
// the CRM still needs, and comparing it with a webhook says whether the
// webhook is news (a manager's change) or the echo of Voronka's own call.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "runtime/store/store.h"

namespace voronka::crm {

struct KnownState {
  std::string crmId;                                 // the CRM's id of the deal (amoCRM lead, Bitrix24 deal)
  std::string stage;                                 // "pipeline.stage" of the funnel; empty: not known
  std::string responsible;                           // a user name of the funnel; empty: not known or not mapped
  nlohmann::json fields = nlohmann::json::object();  // field name → value as the wire format writes it
  std::optional<std::vector<std::string>> tags;      // amoCRM's tags; nullopt: not known
  // Stages Voronka sent lately (stage, when), newest last: without
  // robot_user, a webhook that reports one of them shortly after the deal
  // went on is taken for a late echo, not a manager's move back.
  std::vector<std::pair<std::string, int64_t>> sentStages;

  void rememberSentStage(const std::string& stage, int64_t now);
  bool sentLately(const std::string& stage, int64_t now) const;
};

std::optional<KnownState> loadKnownState(store::Transaction& tx, const std::string& deal);
void saveKnownState(store::Transaction& tx, const std::string& deal, const KnownState& state);

}  // namespace voronka::crm
