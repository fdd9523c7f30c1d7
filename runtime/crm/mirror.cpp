#include "runtime/crm/mirror.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/hash.h"
#include "runtime/crm/effect_order.h"
#include "runtime/engine/values.h"

namespace voronka::crm {

namespace {

Calendar accountCalendar(const bc::Module& m) {
  if (m.calendars.empty()) return Calendar("UTC", {}, {});
  const bc::CalendarDef& c = m.calendars[0];
  return Calendar(m.str(c.timezone), c.windows, c.holidays);
}

std::string stagePath(const bc::Module& m, int32_t pipeline, int32_t stage) {
  const bc::PipelineDef& p = m.pipelines[static_cast<size_t>(pipeline)];
  return m.str(p.name) + "." + m.str(p.stages[static_cast<size_t>(stage)].name);
}

// The transaction the engine sees: everything goes to the real one, and
// what matters to the CRM is noted on the way; commit() reconciles first.
class MirrorTransaction : public store::Transaction {
 public:
  MirrorTransaction(std::unique_ptr<store::Transaction> inner, Mirror& mirror)
      : inner_(std::move(inner)), mirror_(mirror) {}

  std::optional<store::DealRecord> deal(const std::string& id) override { return inner_->deal(id); }
  void putDeal(const store::DealRecord& deal) override {
    touched_[deal.id];
    inner_->putDeal(deal);
  }
  std::vector<std::string> dealIds() override { return inner_->dealIds(); }
  int64_t openDealsOf(int32_t user, const std::vector<std::pair<int32_t, int32_t>>& finalStages) override {
    return inner_->openDealsOf(user, finalStages);
  }
  int64_t addTask(store::TaskRecord task) override {
    task.id = inner_->addTask(task);
    touched_[task.deal].newTasks.push_back(task);
    return task.id;
  }
  void putTask(const store::TaskRecord& task) override {
    if (task.done) {
      bool wasOpen = false;
      for (const auto& t : inner_->tasksOf(task.deal)) {
        if (t.id == task.id) wasOpen = !t.done;
      }
      if (wasOpen) touched_[task.deal].completedTasks.push_back(task);
    }
    inner_->putTask(task);
  }
  std::vector<store::TaskRecord> tasksOf(const std::string& deal) override { return inner_->tasksOf(deal); }
  int64_t addTimer(store::TimerRecord timer) override { return inner_->addTimer(std::move(timer)); }
  void removeTimer(int64_t id) override { inner_->removeTimer(id); }
  std::vector<store::TimerRecord> timersOf(const std::string& deal) override { return inner_->timersOf(deal); }
  std::vector<store::TimerRecord> dueTimers(int64_t until, size_t limit) override {
    return inner_->dueTimers(until, limit);
  }
  void addEffect(store::EffectRecord effect) override {
    if (collecting_) {
      collected_.push_back(std::move(effect));
      return;
    }
    if (std::optional<store::EffectRecord> routed = mirror_.routeNotify(*inner_, effect)) {
      inner_->addEffect(std::move(*routed));
      return;
    }
    inner_->addEffect(std::move(effect));
  }
  std::vector<store::EffectRecord> effectsOf(const std::string& deal) override { return inner_->effectsOf(deal); }
  // The relay's claim: the CRM's calls grouped by kind (others after them),
  // so that the updates of many deals due together go in one call — but a
  // deal's effects stay in outbox order (effect_order.h).
  std::vector<store::EffectRecord> dueEffects(int64_t now, size_t limit) override {
    return groupedByKind(inner_->dueEffects(now, limit));
  }
  // The relay chooses from what it will be handed: the grouped order.
  std::vector<store::EffectRecord> dueEffectsOfChosen(int64_t now, size_t limit, const DealChoice& choose) override {
    return groupedByKind(inner_->dueEffectsOfChosen(
        now, limit, [&choose](const std::vector<store::EffectRecord>& due) { return choose(groupedByKind(due)); }));
  }
  void putEffect(const store::EffectRecord& effect) override { inner_->putEffect(effect); }
  std::vector<store::AttemptRecord> attemptsOf(const std::string& deal) override { return inner_->attemptsOf(deal); }
  std::vector<store::EffectRecord> effectsWithStatus(const std::string& status, size_t limit) override {
    return inner_->effectsWithStatus(status, limit);
  }
  bool eventSeen(const std::string& id) override { return inner_->eventSeen(id); }
  void recordEvent(const store::EventRecord& event) override {
    // The event a webhook caused is being kept: what the CRM reported is now known.
    if (auto report = mirror_.takeReport(event.id)) {
      mirror_.applyReport(*inner_, report->first, report->second);
      touched_[report->first];
    }
    inner_->recordEvent(event);
  }
  std::optional<store::EventRecord> event(const std::string& id) override { return inner_->event(id); }
  std::vector<store::EventRecord> eventsOf(const std::string& deal) override { return inner_->eventsOf(deal); }
  void addHistory(const store::HistoryRecord& entry) override { inner_->addHistory(entry); }
  std::vector<store::HistoryRecord> historyOf(const std::string& deal) override { return inner_->historyOf(deal); }
  void addNote(const store::NoteRecord& note) override {
    touched_[note.deal].notes.push_back(note);
    inner_->addNote(note);
  }
  std::vector<store::NoteRecord> notesOf(const std::string& deal) override { return inner_->notesOf(deal); }
  int64_t takeCounter(const std::string& name) override { return inner_->takeCounter(name); }
  store::StoreCounts counts() override { return inner_->counts(); }
  std::vector<store::StageCount> dealsPerStage() override { return inner_->dealsPerStage(); }
  std::optional<std::string> meta(const std::string& key) override { return inner_->meta(key); }
  void putMeta(const std::string& key, const std::string& value) override { inner_->putMeta(key, value); }
  // A deployment's rewrites (runtime/deploy) are positions, not changes the CRM sees.
  void putTimer(const store::TimerRecord& timer) override { inner_->putTimer(timer); }
  void replaceHistory(const std::string& deal, const std::vector<store::HistoryRecord>& entries) override {
    inner_->replaceHistory(deal, entries);
  }
  void putModule(const store::ModuleRecord& module) override { inner_->putModule(module); }
  std::optional<store::ModuleRecord> module(const std::string& version) override { return inner_->module(version); }
  std::vector<store::ModuleRecord> moduleVersions() override { return inner_->moduleVersions(); }
  int64_t addDeployment(store::DeploymentRecord deployment) override {
    return inner_->addDeployment(std::move(deployment));
  }
  void putDeployment(const store::DeploymentRecord& deployment) override { inner_->putDeployment(deployment); }
  std::optional<store::DeploymentRecord> deployment(int64_t id) override { return inner_->deployment(id); }
  std::vector<store::DeploymentRecord> deployments(size_t limit) override { return inner_->deployments(limit); }
  std::vector<store::DealPosition> dealsNotOn(const std::string& version, int64_t afterPosition,
                                              size_t limit) override {
    return inner_->dealsNotOn(version, afterPosition, limit);
  }
  std::vector<store::RuleTimerCount> timersPerRule() override { return inner_->timersPerRule(); }
  std::vector<store::EventRecord> eventLog(int64_t afterSeq, size_t limit) override {
    return inner_->eventLog(afterSeq, limit);
  }

  void commit() override {
    // The CRM's calls of every deal of the transaction, grouped by kind: the
    // outbox hands consecutive effects of one kind to their connector at
    // once, so the updates of a group commit go in one PATCH or `batch`.
    // Each deal's calls keep the order reconcile made them in (a task before
    // its completion); only other deals' calls are moved around them.
    collecting_ = true;
    for (const auto& [deal, log] : touched_) {
      if (mirror_.crmIdOf(deal)) mirror_.reconcile(*this, deal, log);
    }
    collecting_ = false;
    touched_.clear();
    for (store::EffectRecord& e : groupedByKind(std::move(collected_))) inner_->addEffect(std::move(e));
    collected_.clear();
    inner_->commit();
  }

 private:
  std::unique_ptr<store::Transaction> inner_;
  Mirror& mirror_;
  std::map<std::string, ChangeLog> touched_;
  bool collecting_ = false;                     // commit() is reconciling: effects wait in collected_
  std::vector<store::EffectRecord> collected_;  // the CRM's calls of this commit
};

}  // namespace

std::unique_ptr<store::Transaction> MirrorStore::begin() {
  return std::make_unique<MirrorTransaction>(inner_.begin(), mirror_);
}

Mirror::Mirror(const CrmConfig& config, Mapping mapping, engine::Clock& clock)
    : config_(config), mapping_(std::move(mapping)), clock_(clock), calendar_(accountCalendar(mapping_.module())) {}

std::optional<std::string> Mirror::crmIdOf(const std::string& deal) const {
  const std::string& prefix = config_.dealPrefix;
  if (deal.size() <= prefix.size() || deal.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  std::string id = deal.substr(prefix.size());
  if (id.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;  // "amo-42-1": made by the funnel
  return id;
}

KnownState Mirror::stateOf(const store::DealRecord& deal) const {
  const bc::Module& m = mapping_.module();
  KnownState s;
  s.crmId = crmIdOf(deal.id).value_or("");
  s.stage = stagePath(m, deal.pipeline, deal.stage);
  if (deal.responsible >= 0) s.responsible = m.str(m.users[static_cast<size_t>(deal.responsible)].name);
  for (size_t f = 0; f < m.fields.size() && f < deal.fields.size(); ++f) {
    if (!mapping_.crmField(static_cast<int32_t>(f))) continue;
    s.fields[m.str(m.fields[f].name)] = engine::valueToJson(m, deal.fields[f]);
  }
  s.tags = deal.tags;
  return s;
}

std::shared_ptr<Mirror::PendingReport> Mirror::expectReport(const std::vector<std::string>& eventIds,
                                                            const std::string& deal, const KnownState& reported) {
  auto report = std::make_shared<PendingReport>(PendingReport{deal, reported, false});
  std::lock_guard<std::mutex> lock(reportsMutex_);
  for (const auto& id : eventIds) reports_[id] = report;
  return report;
}

bool Mirror::forgetReport(const std::vector<std::string>& eventIds, const std::shared_ptr<PendingReport>& report) {
  std::lock_guard<std::mutex> lock(reportsMutex_);
  for (const auto& id : eventIds) reports_.erase(id);
  return report->applied;
}

std::optional<std::pair<std::string, KnownState>> Mirror::takeReport(const std::string& eventId) {
  std::lock_guard<std::mutex> lock(reportsMutex_);
  auto it = reports_.find(eventId);
  if (it == reports_.end() || it->second->applied) return std::nullopt;
  // Marked before the transaction commits: the writer commits it or the whole
  // batch fails, and then the CRM's webhook is answered 503 and comes again.
  it->second->applied = true;
  return std::pair{it->second->deal, it->second->reported};
}

void Mirror::applyReport(store::Transaction& tx, const std::string& deal, const KnownState& reported) const {
  KnownState known = loadKnownState(tx, deal).value_or(KnownState{});
  if (!reported.crmId.empty()) known.crmId = reported.crmId;
  if (!reported.stage.empty()) known.stage = reported.stage;
  if (!reported.responsible.empty()) known.responsible = reported.responsible;
  for (const auto& [name, value] : reported.fields.items()) known.fields[name] = value;
  if (reported.tags) known.tags = reported.tags;
  saveKnownState(tx, deal, known);
}

store::EffectRecord Mirror::effect(const std::string& deal, const std::string& kind, nlohmann::json payload,
                                   const std::string& keySeed) const {
  store::EffectRecord e;
  e.deal = deal;
  e.kind = kind;
  e.key = fmt::format("{:016x}", fnv1a(fmt::format("{}|{}|{}", deal, kind, keySeed)));
  payload["crm"] = std::string(crmName(config_.kind));
  e.payload = payload.dump();
  e.createdAt = clock_.now();
  return e;
}

void Mirror::reconcile(store::Transaction& tx, const std::string& dealId, const ChangeLog& log) const {
  std::optional<store::DealRecord> deal = tx.deal(dealId);
  std::optional<std::string> crmId = crmIdOf(dealId);
  if (!deal || !crmId) return;
  const bc::Module& m = mapping_.module();
  KnownState known = loadKnownState(tx, dealId).value_or(KnownState{});
  known.crmId = *crmId;
  KnownState wanted = stateOf(*deal);
  nlohmann::json changes = nlohmann::json::object();

  if (wanted.stage != known.stage) {
    if (auto crmStage = mapping_.crmStage(deal->pipeline, deal->stage)) {
      changes["pipeline"] = crmStage->first;
      changes["status"] = crmStage->second;
      // Bitrix24 moves a deal to another category with another method.
      std::string pipelinePrefix = wanted.stage.substr(0, wanted.stage.find('.') + 1);
      if (!known.stage.empty() && known.stage.rfind(pipelinePrefix, 0) != 0) changes["pipeline_changed"] = true;
      known.stage = wanted.stage;
      known.rememberSentStage(wanted.stage, clock_.now());
    }
  }
  if (wanted.responsible != known.responsible && deal->responsible >= 0) {
    if (auto user = mapping_.crmUser(deal->responsible)) {
      changes["responsible"] = *user;
      known.responsible = wanted.responsible;
    }
  }
  nlohmann::json fields = nlohmann::json::object();
  for (size_t f = 0; f < m.fields.size() && f < deal->fields.size(); ++f) {
    std::optional<std::string> crmField = mapping_.crmField(static_cast<int32_t>(f));
    if (!crmField) continue;
    const std::string name = m.str(m.fields[f].name);
    const store::FieldValue& value = deal->fields[f];
    store::FieldValue knownValue;
    if (known.fields.contains(name)) {
      Result<store::FieldValue> v =
          engine::valueFromJson(m, m.fields[f].type, m.fields[f].enumId, known.fields[name], calendar_);
      if (v) knownValue = *v;
    } else if (value.tag == bc::Tag::None) {
      continue;  // empty here, never heard of there
    }
    if (knownValue == value && known.fields.contains(name)) continue;
    std::optional<nlohmann::json> crmValue = mapping_.toCrm(static_cast<int32_t>(f), value);
    if (!crmValue) continue;  // an enum member without a CRM id: `voronka check --crm` says so
    fields[*crmField] = *crmValue;
    known.fields[name] = wanted.fields[name];
  }
  if (!fields.empty()) changes["fields"] = fields;
  if (config_.kind == CrmKind::AmoCrm) {
    std::vector<std::string> have = known.tags.value_or(std::vector<std::string>{});
    std::vector<std::string> want = deal->tags;
    std::sort(have.begin(), have.end());
    std::sort(want.begin(), want.end());
    if (have != want && (known.tags || !want.empty())) {
      changes["tags"] = deal->tags;
      known.tags = deal->tags;
    }
  }
  if (!changes.empty()) {
    nlohmann::json payload = {{"lead", *crmId}, {"changes", changes}};
    tx.addEffect(effect(dealId, "crm_update", payload, fmt::format("update|{}|{}", deal->version, changes.dump())));
  }

  for (const store::TaskRecord& t : log.newTasks) {
    nlohmann::json payload = {{"lead", *crmId}, {"task", t.id}, {"text", t.text}};
    if (t.due) payload["due"] = t.due;
    if (t.type >= 0) {
      if (auto type = mapping_.crmTaskType(t.type)) payload["type"] = *type;
    }
    int32_t responsible = t.responsible >= 0 ? t.responsible : deal->responsible;
    if (responsible >= 0) {
      if (auto user = mapping_.crmUser(responsible)) payload["responsible"] = *user;
    }
    tx.addEffect(effect(dealId, "crm_task", payload, fmt::format("task|{}", t.id)));
  }
  for (const store::TaskRecord& t : log.completedTasks) {
    nlohmann::json payload = {{"lead", *crmId}, {"task", t.id}};
    if (!t.comment.empty()) payload["comment"] = t.comment;
    tx.addEffect(effect(dealId, "crm_complete_task", payload, fmt::format("done|{}", t.id)));
  }
  for (size_t i = 0; i < log.notes.size(); ++i) {
    nlohmann::json payload = {{"lead", *crmId}, {"text", log.notes[i].text}};
    tx.addEffect(
        effect(dealId, "crm_note", payload, fmt::format("note|{}|{}|{}", deal->version, i, log.notes[i].text)));
  }
  saveKnownState(tx, dealId, known);
}

void Mirror::addNote(store::Transaction& tx, const std::string& deal, const std::string& text,
                     const std::string& key) const {
  std::optional<std::string> crmId = crmIdOf(deal);
  if (!crmId) return;
  store::EffectRecord e = effect(deal, "crm_note", {{"lead", *crmId}, {"text", text}}, "note|" + key);
  for (const auto& existing : tx.effectsOf(deal)) {
    if (existing.key == e.key) return;  // the same webhook came again
  }
  tx.addEffect(std::move(e));
}

void Mirror::addRobotReply(store::Transaction& tx, const std::string& deal, const std::string& eventToken,
                           const nlohmann::json& returnValues) const {
  store::EffectRecord e =
      effect(deal, "crm_robot_reply", {{"event_token", eventToken}, {"values", returnValues}}, "robot|" + eventToken);
  for (const auto& existing : tx.effectsOf(deal)) {
    if (existing.key == e.key) return;  // the robot's call came again
  }
  tx.addEffect(std::move(e));
}

std::optional<store::EffectRecord> Mirror::routeNotify(store::Transaction& tx, const store::EffectRecord& e) const {
  if (!config_.notifyThroughCrm || e.kind != "notify") return std::nullopt;
  std::optional<std::string> crmId = crmIdOf(e.deal);
  if (!crmId) return std::nullopt;
  const bc::Module& m = mapping_.module();
  nlohmann::json payload = nlohmann::json::parse(e.payload, nullptr, false);
  if (!payload.is_object()) return std::nullopt;
  nlohmann::json users = nlohmann::json::array();
  for (const auto& name : payload.value("to", nlohmann::json::array())) {
    for (size_t u = 0; u < m.users.size(); ++u) {
      if (!name.is_string() || m.str(m.users[u].name) != name.get<std::string>()) continue;
      if (auto id = mapping_.crmUser(static_cast<int32_t>(u))) users.push_back(*id);
    }
  }
  (void)tx;
  store::EffectRecord routed = e;
  routed.kind = "crm_notify";
  payload["lead"] = *crmId;
  payload["users"] = users;
  payload["crm"] = std::string(crmName(config_.kind));
  routed.payload = payload.dump();
  return routed;
}

}  // namespace voronka::crm
