#include "runtime/crm/known_state.h"

#include <algorithm>

namespace voronka::crm {

namespace {

constexpr size_t kSentStagesKept = 8;
constexpr int64_t kEchoWindowSeconds = 30;  // how late an echo may come

std::string metaKey(const std::string& deal) { return "crm.deal:" + deal; }

}  // namespace

void KnownState::rememberSentStage(const std::string& stage, int64_t now) {
  sentStages.erase(
      std::remove_if(sentStages.begin(), sentStages.end(), [&](const auto& s) { return s.first == stage; }),
      sentStages.end());
  sentStages.emplace_back(stage, now);
  if (sentStages.size() > kSentStagesKept) sentStages.erase(sentStages.begin());
}

bool KnownState::sentLately(const std::string& stage, int64_t now) const {
  for (const auto& [sent, at] : sentStages) {
    if (sent == stage && now - at <= kEchoWindowSeconds) return true;
  }
  return false;
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
    s.sentStages = j["sent_stages"].get<std::vector<std::pair<std::string, int64_t>>>();
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
