// The deal's mirror in the CRM. Every transaction the engine commits goes
// through MirrorStore, a decorator of the real store: at commit it compares
// each deal it touched with what the CRM is known to show (known_state.h)
// and adds, in the same transaction, the outbox effects that bring the CRM
// up to date — crm_update (stage, responsible, fields, tags), crm_task,
// crm_complete_task, crm_note, crm_notify (effects.def). So a CRM call
// commits with the event that caused it, survives kill -9, and is made once;
// the engine knows nothing of the CRM.
//
// What the CRM itself reported in a webhook becomes the known state in the
// transaction of the event it caused (expectReport), so Voronka never sends
// the CRM back what it just said, and a refused manual move leaves the CRM
// showing another stage than the deal: the difference is the call that
// moves it back.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/calendar/calendar.h"
#include "runtime/crm/crm_config.h"
#include "runtime/crm/known_state.h"
#include "runtime/crm/mapping.h"
#include "runtime/engine/clock.h"
#include "runtime/store/store.h"

namespace voronka::crm {

// Tasks, completed tasks and notes of one transaction, by deal.
struct ChangeLog {
  std::vector<store::TaskRecord> newTasks;
  std::vector<store::TaskRecord> completedTasks;
  std::vector<store::NoteRecord> notes;
};

class Mirror {
 public:
  Mirror(const CrmConfig& config, Mapping mapping, engine::Clock& clock);

  const Mapping& mapping() const { return mapping_; }
  const CrmConfig& config() const { return config_; }
  const Calendar& calendar() const { return calendar_; }
  int64_t now() const { return clock_.now(); }

  // Deal ids: the prefix and the CRM's numeric id ("amo-42"). Deals with
  // other ids (made through the API, or by `create deal in`) are not mirrored.
  std::string dealId(const std::string& crmId) const { return config_.dealPrefix + crmId; }
  std::optional<std::string> crmIdOf(const std::string& deal) const;

  // The state a deal has, as the CRM should show it (names of the funnel).
  KnownState stateOf(const store::DealRecord& deal) const;

  // A report waiting for the transaction that keeps one of its events.
  struct PendingReport {
    std::string deal;
    KnownState reported;
    bool applied = false;  // set under the mirror's lock when a transaction took it
  };
  // The first transaction that records one of `eventIds` takes `reported` as
  // what the CRM shows for `deal` (merged into its known state); the later
  // ones do not. forgetReport says whether one did.
  std::shared_ptr<PendingReport> expectReport(const std::vector<std::string>& eventIds, const std::string& deal,
                                              const KnownState& reported);
  bool forgetReport(const std::vector<std::string>& eventIds, const std::shared_ptr<PendingReport>& report);
  std::optional<std::pair<std::string, KnownState>> takeReport(const std::string& eventId);

  // Merges a report into the known state of `deal` within `tx`.
  void applyReport(store::Transaction& tx, const std::string& deal, const KnownState& reported) const;

  // Adds the effects that bring the CRM to the deal's state, and what the
  // transaction created (tasks, notes), then saves the known state.
  void reconcile(store::Transaction& tx, const std::string& deal, const ChangeLog& log) const;

  // A note on the CRM's deal, written once per `key`.
  void addNote(store::Transaction& tx, const std::string& deal, const std::string& text, const std::string& key) const;

  // bizproc.event.send for a Bitrix24 robot's call, written once per token.
  void addRobotReply(store::Transaction& tx, const std::string& deal, const std::string& eventToken,
                     const nlohmann::json& returnValues) const;

  // `notify` of a CRM deal goes to the CRM instead of the gateway when
  // crm.toml says notify = "crm": the effect as it should be stored.
  std::optional<store::EffectRecord> routeNotify(store::Transaction& tx, const store::EffectRecord& effect) const;

 private:
  store::EffectRecord effect(const std::string& deal, const std::string& kind, nlohmann::json payload,
                             const std::string& keySeed) const;

  CrmConfig config_;
  Mapping mapping_;
  engine::Clock& clock_;
  Calendar calendar_;
  std::mutex reportsMutex_;
  std::map<std::string, std::shared_ptr<PendingReport>> reports_;  // by event id
};

class MirrorStore : public store::Store {
 public:
  MirrorStore(store::Store& inner, Mirror& mirror) : inner_(inner), mirror_(mirror) {}
  std::unique_ptr<store::Transaction> begin() override;
  std::optional<int64_t> nextDue() override { return inner_.nextDue(); }
  void beginBatch() override { inner_.beginBatch(); }
  void endBatch() override { inner_.endBatch(); }

 private:
  store::Store& inner_;
  Mirror& mirror_;
};

}  // namespace voronka::crm
