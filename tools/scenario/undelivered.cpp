#include "tools/scenario/undelivered.h"

#include <fmt/format.h>

#include "common/language/effects.h"
#include "runtime/outbox/undeliverable.h"
#include "tools/scenario/effect_text.h"

namespace voronka::scenario {

namespace {

// A deal of the test, or one its rules created (`create deal` names the new
// deal after its parent: "d-1").
bool belongsTo(const std::string& effectDeal, const std::string& deal) {
  return effectDeal == deal || (effectDeal.size() > deal.size() && effectDeal.compare(0, deal.size(), deal) == 0 &&
                                effectDeal[deal.size()] == '-');
}

// What to add to the test so that the effect has its address.
std::string remedy(std::string_view kind) {
  if (kind == "email") return "Give the deal `contact.email = \"…\"`";
  if (kind == "sms") return "Give the deal `contact.phone = \"…\"`";
  if (kind == "notify") return "Give the deal `responsible = USER` (or assign one before the rule runs)";
  return fmt::format("Give it {}", lang::effectNeeds(*lang::effectNamed(kind)));
}

}  // namespace

void Undelivered::collect(store::Transaction& tx, SourceRange statement) {
  for (const std::string& deal : tx.dealIds()) {
    for (const store::EffectRecord& e : tx.effectsOf(deal)) {
      if (!seen_.insert(e.key).second) continue;
      nlohmann::json payload = nlohmann::json::parse(e.payload, nullptr, false);
      if (!payload.is_object()) continue;
      if (auto why = outbox::undeliverableReason(e.kind, payload)) {
        effects_.push_back({e.deal, e.kind, effectLabel(e.kind, payload), *why, statement, false});
      }
    }
  }
}

std::optional<std::string> Undelivered::expect(std::string_view kind, const std::string& deal) {
  bool found = false;
  for (Effect& e : effects_) {
    if (e.kind != kind || !belongsTo(e.deal, deal)) continue;
    e.meant = true;
    found = true;
  }
  if (found) return std::nullopt;
  return fmt::format("expected an undeliverable {} for deal {}, but every {} so far had its address", kind, deal, kind);
}

std::vector<Failure> Undelivered::unexpected() const {
  std::vector<Failure> out;
  for (const Effect& e : effects_) {
    if (e.meant) continue;
    out.push_back({e.statement,
                   fmt::format("{} of deal {} cannot be delivered: {}; production gives it up at once. {}, or say "
                               "`expect undeliverable {}` if the test means it",
                               e.label, e.deal, e.reason, remedy(e.kind), e.kind),
                   {}});
  }
  return out;
}

}  // namespace voronka::scenario
