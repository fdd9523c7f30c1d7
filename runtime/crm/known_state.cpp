#include "runtime/crm/known_state.h"

#include <algorithm>

namespace voronka::crm {

namespace {

constexpr size_t kSentStagesKept = 8;

std::string metaKey(const std::string& deal) { return "crm.deal:" + deal; }

}  // namespace

void KnownState::rememberSentStage(const std::string& stage) {
  sentStages.erase(std::remove(sentStages.begin(), sentStages.end(), stage), sentStages.end());
  sentStages.push_back(stage);
  if (sentStages.size() > kSentStagesKept) sentStages.erase(sentStages.begin());
}

bool KnownState::sentLately(const std::string& stage) const {
  return std::find(sentStages.begin(), sentStages.end(), stage) != sentStages.end();
}

std::optional<KnownState> loadKnownState(store::Transaction& tx, const std::string& deal) {
  std::optional<std::string> text = tx.meta(metaKey(deal));
  if (!text) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return std::nullopt;  // unreadable: as if never known, so everything is sent again
  KnownState s;
  s.crmId = j.value("crm_id", "");
  s.stage = j.value("stage", "");
  s.responsible = j.value("responsible", "");
  if (j.contains("fields") && j["fields"].is_object()) s.fields = j["fields"];
  if (j.contains("tags") && j["tags"].is_array()) s.tags = j["tags"].get<std::vector<std::string>>();
  if (j.contains("sent_stages") && j["sent_stages"].is_array())
    s.sentStages = j["sent_stages"].get<std::vector<std::string>>();
  return s;
}

void saveKnownState(store::Transaction& tx, const std::string& deal, const KnownState& s) {
  nlohmann::json j = {{"crm_id", s.crmId},
                      {"stage", s.stage},
                      {"responsible", s.responsible},
                      {"fields", s.fields},
                      {"sent_stages", s.sentStages}};
  if (s.tags) j["tags"] = *s.tags;
  tx.putMeta(metaKey(deal), j.dump());
}

}  // namespace voronka::crm
