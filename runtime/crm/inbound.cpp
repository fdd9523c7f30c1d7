#include "runtime/crm/inbound.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "common/hash.h"
#include "common/secret.h"
#include "runtime/crm/report_order.h"
#include "runtime/engine/manager_texts.h"
#include "runtime/engine/values.h"
#include "runtime/server/writer.h"

namespace voronka::crm {

namespace {

constexpr int kFetchAttempts = 3;
constexpr int kOfflineRounds = 20;  // records fetched per hint: at most 20 × 50
constexpr int kOfflineBatch = 50;

std::string textOf(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return "";
}

server::ExtraReply errorReply(int status, const std::string& code, const std::string& message) {
  return {status, nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump()};
}

// Two wire values of a field mean the same (90000 and "90000.0", a member's name and its title).
bool sameValue(const Mirror& mirror, const std::string& field, const nlohmann::json& a, const nlohmann::json& b) {
  const bc::Module& m = mirror.mapping().module();
  for (size_t f = 0; f < m.fields.size(); ++f) {
    if (m.str(m.fields[f].name) != field) continue;
    auto read = [&](const nlohmann::json& j) {
      Result<store::FieldValue> v =
          engine::valueFromJson(m, m.fields[f].type, m.fields[f].enumId, j, mirror.calendar());
      return v ? *v : store::FieldValue{};
    };
    return read(a) == read(b);
  }
  return a == b;
}

}  // namespace

InboundPlan planReport(const Mirror& mirror, store::Store& store, const CrmReport& report) {
  const Mapping& map = mirror.mapping();
  const bc::Module& m = map.module();
  const CrmConfig& config = mirror.config();
  InboundPlan plan;
  plan.deal = mirror.dealId(report.crmId);
  plan.reported.crmId = report.crmId;
  bool echo = !config.robotUser.empty() && report.modifiedBy == config.robotUser;
  if (echo && report.events.empty()) {
    plan.ignored = "an echo: changed by Voronka's own user (robot_user)";
    return plan;
  }
  std::optional<store::DealRecord> deal;
  std::optional<KnownState> known;
  {
    auto tx = store.begin();  // read only: destroyed without commit
    deal = tx->deal(plan.deal);
    known = loadKnownState(*tx, plan.deal);
  }
  std::string version = report.version;
  if (version.empty()) version = fmt::format("{:016x}", fnv1a(nlohmann::json(report.fields).dump() + report.crmStage));
  auto eventId = [&](const char* what) {
    return fmt::format("{}:{}:{}:{}", crmName(config.kind), report.crmId, version, what);
  };

  std::string stage;
  std::optional<std::pair<int32_t, int32_t>> where;
  if (!report.crmStage.empty()) where = map.stageOf(report.crmPipeline, report.crmStage);
  if (where) {
    const bc::PipelineDef& p = m.pipelines[static_cast<size_t>(where->first)];
    stage = m.str(p.name) + "." + m.str(p.stages[static_cast<size_t>(where->second)].name);
  }
  std::string responsible;
  if (report.responsible) {
    if (auto u = map.userOf(*report.responsible)) responsible = m.str(m.users[static_cast<size_t>(*u)].name);
  }
  nlohmann::json fields = nlohmann::json::object();
  for (const auto& [crmField, value] : report.fields) {
    std::optional<int32_t> f = map.fieldOf(crmField);
    if (!f) continue;
    if (std::optional<nlohmann::json> wire = map.fromCrm(*f, value)) fields[m.str(m.fields[*f].name)] = *wire;
  }
  plan.reported.responsible = responsible;
  plan.reported.fields = fields;
  plan.reported.tags = report.tags;

  if (!deal) {
    if (!where) {
      plan.ignored = map.pipelineMapped(report.crmPipeline)
                         ? fmt::format("status {} is not mapped in crm.toml", report.crmStage)
                         : fmt::format("pipeline {} is not the funnel's (not in crm.toml)", report.crmPipeline);
      return plan;
    }
    const bc::PipelineDef& p = m.pipelines[static_cast<size_t>(where->first)];
    if (p.stages[static_cast<size_t>(where->second)].kind != bc::StageKind::Working) {
      plan.ignored = "a deal the funnel has not seen, already closed in the CRM";
      return plan;
    }
    plan.reported.stage = stage;
    nlohmann::json created = {{"id", eventId("created")},
                              {"deal", plan.deal},
                              {"type", "deal_created"},
                              {"pipeline", m.str(p.name)},
                              {"stage", m.str(p.stages[static_cast<size_t>(where->second)].name)},
                              {"fields", fields}};
    if (!report.name.empty()) created["name"] = report.name;
    if (!responsible.empty()) created["responsible"] = responsible;
    if (report.tags) created["tags"] = *report.tags;
    plan.events.push_back(std::move(created));
  } else if (!echo) {
    KnownState current = mirror.stateOf(*deal);
    KnownState was = known.value_or(KnownState{});
    nlohmann::json changed = nlohmann::json::object();
    for (const auto& [name, value] : fields.items()) {
      bool wasKnown = was.fields.contains(name) && sameValue(mirror, name, value, was.fields[name]);
      bool same = current.fields.contains(name) && sameValue(mirror, name, value, current.fields[name]);
      if (!wasKnown && !same) changed[name] = value;
    }
    if (!changed.empty())
      plan.events.push_back(
          {{"id", eventId("fields")}, {"deal", plan.deal}, {"type", "field_set"}, {"fields", changed}});
    if (!responsible.empty() && responsible != was.responsible && responsible != current.responsible) {
      plan.events.push_back({{"id", eventId("responsible")},
                             {"deal", plan.deal},
                             {"type", "responsible_changed"},
                             {"responsible", responsible}});
    }
    if (report.tags && was.tags && config.kind == CrmKind::AmoCrm) {
      for (const auto& tag : *report.tags) {
        bool had = std::find(was.tags->begin(), was.tags->end(), tag) != was.tags->end();
        bool has = std::find(deal->tags.begin(), deal->tags.end(), tag) != deal->tags.end();
        if (!had && !has)
          plan.events.push_back(
              {{"id", eventId(("tag+" + tag).c_str())}, {"deal", plan.deal}, {"type", "tag_added"}, {"arg", tag}});
      }
      for (const auto& tag : *was.tags) {
        bool kept = std::find(report.tags->begin(), report.tags->end(), tag) != report.tags->end();
        bool has = std::find(deal->tags.begin(), deal->tags.end(), tag) != deal->tags.end();
        if (!kept && has)
          plan.events.push_back(
              {{"id", eventId(("tag-" + tag).c_str())}, {"deal", plan.deal}, {"type", "tag_removed"}, {"arg", tag}});
      }
    }
    if (!stage.empty()) {
      if (stage != was.stage && config.robotUser.empty() && was.sentLately(stage, mirror.now())) {
        // A late echo of a stage Voronka sent before the deal went on: not a manager's move back.
      } else {
        plan.reported.stage = stage;
        if (stage != was.stage && stage != current.stage)
          plan.events.push_back(
              {{"id", eventId("move")}, {"deal", plan.deal}, {"type", "manual_move"}, {"stage", stage}});
      }
    }
  }
  for (size_t i = 0; i < report.events.size(); ++i) {
    nlohmann::json e = report.events[i];
    if (!e.contains("id")) e["id"] = eventId(fmt::format("event{}", i).c_str());
    e["deal"] = plan.deal;
    plan.events.push_back(std::move(e));
  }
  if (plan.events.empty()) plan.ignored = "no change: the CRM shows what Voronka knows (an echo of its own call)";
  return plan;
}

server::ExtraRoute CrmInbound::route() {
  return {fmt::format("/v1/crm/{}/", crmName(mirror_.config().kind)),
          [this](const server::ExtraRequest& request, server::EventWriter& writer) { return handle(request, writer); }};
}

Result<std::vector<CrmReport>, server::ExtraReply> CrmInbound::reports(const server::ExtraRequest& request,
                                                                       bool& offlineHint) {
  const CrmConfig& config = mirror_.config();
  if (config.kind == CrmKind::AmoCrm) {
    Result<std::vector<CrmReport>> read = readAmoWebhook(request.body, request.contentType);
    if (!read) return failWith(errorReply(400, "malformed_webhook", read.error()));
    return std::move(*read);
  }
  Result<BitrixEvent> event = readBitrixEvent(request.body, config.applicationToken);
  if (!event) {
    bool auth = event.error().find("application_token") != std::string::npos;
    return failWith(errorReply(auth ? 401 : 400, auth ? "unauthorized" : "malformed_webhook", event.error()));
  }
  if (event->event == "ONOFFLINEEVENT") {
    offlineHint = true;
    return std::vector<CrmReport>{};
  }
  bool robot = event->event == "robot";
  if (!robot && (event->event.rfind("ONCRMDEAL", 0) != 0 || event->event == "ONCRMDEALDELETE"))
    return std::vector<CrmReport>{};
  Result<CrmReport> report = fetchDeal(event->dealId);
  if (!report) return failWith(errorReply(503, "crm_unavailable", "crm.deal.get: " + report.error()));
  if (robot) addRobotEvent(*report, *event);
  return std::vector<CrmReport>{std::move(*report)};
}

Result<CrmReport> CrmInbound::fetchDeal(const std::string& dealId) {
  ApiAnswer answer;
  for (int attempt = 0; attempt < kFetchAttempts; ++attempt) {
    answer = api_.bitrix("crm.deal.get", {{"id", dealId}});
    if (answer.status != ApiAnswer::Status::Retry) break;
  }
  if (!answer.ok()) return fail(answer.error);
  return bitrixReport(answer.body);
}

void CrmInbound::addRobotEvent(CrmReport& report, const BitrixEvent& call) {
  // properties[event] names the funnel's event, properties[arg] its filter
  // argument; properties[payload] may hold a JSON object, and every other
  // property goes into the payload as text.
  nlohmann::json e = {{"type", call.properties.value("event", "")},
                      {"id", fmt::format("bitrix24:{}:robot:{}", report.crmId, call.eventToken)}};
  nlohmann::json payload = nlohmann::json::object();
  for (const auto& [key, value] : call.properties.items()) {
    if (key == "event") continue;
    if (key == "arg") {
      e["arg"] = value;
    } else if (key == "payload" && value.is_string()) {
      nlohmann::json j = nlohmann::json::parse(value.get<std::string>(), nullptr, false);
      if (j.is_object()) payload.update(j);
    } else {
      payload[key] = value;
    }
  }
  if (!payload.empty()) e["payload"] = payload;
  report.events.push_back(std::move(e));
  report.robotToken = call.eventToken;
}

server::ExtraReply CrmInbound::handle(const server::ExtraRequest& request, server::EventWriter& writer) {
  if (!sameSecret(request.secret, mirror_.config().webhookSecret)) {
    return errorReply(401, "unauthorized", "the secret in the address is not the one of crm.toml (webhook_secret)");
  }
  bool offlineHint = false;
  Result<std::vector<CrmReport>, server::ExtraReply> read = reports(request, offlineHint);
  if (!read) return read.error();
  nlohmann::json results = nlohmann::json::array();
  int status = 200;
  for (const CrmReport& report : *read) {
    nlohmann::json r = apply(report, writer);
    if (r.value("status", "") == "not stored") status = 503;  // the CRM sends it again
    results.push_back(std::move(r));
  }
  nlohmann::json reply = {{"results", results}};
  if (offlineHint) {
    nlohmann::json offline = drainOffline(writer);
    if (offline.contains("error")) status = 503;
    reply["offline"] = std::move(offline);
  }
  return {status, reply.dump()};
}

nlohmann::json CrmInbound::drainOffline(server::EventWriter& writer) {
  // One drain at a time: two would fetch the same records under one process id.
  std::lock_guard<std::mutex> lock(offlineMutex_);
  std::shared_ptr<void> shared = drainLock_ ? drainLock_() : nullptr;  // …of every process on the store
  constexpr const char* kProcessKey = "crm.offline.process_id";
  std::optional<std::string> processId;
  {
    auto tx = store_.begin();
    processId = tx->meta(kProcessKey);
  }
  size_t taken = 0, deals = 0;
  for (int round = 0; round < kOfflineRounds; ++round) {
    // clear=0: the records stay, marked with our process id, until they are
    // applied and cleared; after a crash the same process id fetches them again.
    nlohmann::json params = {{"clear", 0}, {"limit", kOfflineBatch}};
    if (processId) params["process_id"] = *processId;
    ApiAnswer got = api_.bitrix("event.offline.get", params);
    if (!got.ok()) return {{"events", taken}, {"deals", deals}, {"error", "event.offline.get: " + got.error}};
    std::string process = got.body.is_object() ? textOf(got.body.value("process_id", nlohmann::json())) : "";
    if (!process.empty() && process != processId.value_or("")) {
      processId = process;
      auto tx = store_.begin();
      tx->putMeta(kProcessKey, process);
      tx->commit();
    }
    const nlohmann::json events =
        got.body.is_object() ? got.body.value("events", nlohmann::json::array()) : nlohmann::json::array();
    if (events.empty()) break;
    nlohmann::json ids = nlohmann::json::array();
    std::vector<std::string> dealIds;
    for (const auto& e : events) {
      ids.push_back(e.value("ID", nlohmann::json()));
      std::string name = e.value("EVENT_NAME", "");
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
      if (name.rfind("ONCRMDEAL", 0) != 0 || name == "ONCRMDEALDELETE") continue;
      const nlohmann::json data = e.value("EVENT_DATA", nlohmann::json::object());
      std::string id = data.contains("FIELDS") ? textOf(data["FIELDS"].value("ID", nlohmann::json())) : "";
      if (!id.empty() && std::find(dealIds.begin(), dealIds.end(), id) == dealIds.end()) dealIds.push_back(id);
    }
    taken += events.size();
    for (const auto& id : dealIds) {  // the deal as it is now: one fetch for all its queued changes
      Result<CrmReport> report = fetchDeal(id);
      if (!report) return {{"events", taken}, {"deals", deals}, {"error", "crm.deal.get: " + report.error()}};
      if (apply(*report, writer).value("status", "") == "not stored")
        return {{"events", taken}, {"deals", deals}, {"error", "the store did not keep the events"}};
      ++deals;
    }
    ApiAnswer cleared = api_.bitrix("event.offline.clear", {{"process_id", *processId}, {"id", ids}});
    if (!cleared.ok()) return {{"events", taken}, {"deals", deals}, {"error", "event.offline.clear: " + cleared.error}};
    if (events.size() < static_cast<size_t>(kOfflineBatch)) break;
  }
  return {{"events", taken}, {"deals", deals}};
}

namespace {

// bizproc.event.send for a robot's call, through the outbox.
void answerRobot(Mirror& mirror, store::Store& store, const std::string& deal, const std::string& eventToken,
                 const std::string& status, const std::string& message) {
  const bc::Module& m = mirror.mapping().module();
  nlohmann::json values = {{"status", status}, {"message", message}, {"stage", ""}};
  auto tx = store.begin();
  if (std::optional<store::DealRecord> d = tx->deal(deal)) {
    const bc::PipelineDef& p = m.pipelines[static_cast<size_t>(d->pipeline)];
    values["stage"] = m.str(p.stages[static_cast<size_t>(d->stage)].title);
  }
  mirror.addRobotReply(*tx, deal, eventToken, values);
  tx->commit();
}

// The CRM shows a stage the funnel refused: move it back, with a note saying why.
void undoRefusedMove(Mirror& mirror, store::Store& store, const InboundPlan& plan, bool applyReport,
                     const std::string& eventId, const std::string& reason) {
  const bc::Module& m = mirror.mapping().module();
  auto tx = store.begin();
  std::optional<store::DealRecord> deal = tx->deal(plan.deal);
  if (!deal) return;
  // Unless another event of the webhook was kept (then the CRM's stage is known already).
  if (applyReport) mirror.applyReport(*tx, plan.deal, plan.reported);
  mirror.reconcile(*tx, plan.deal, {});
  const bc::PipelineDef& p = m.pipelines[static_cast<size_t>(deal->pipeline)];
  std::string title = m.str(p.stages[static_cast<size_t>(deal->stage)].title);
  mirror.addNote(*tx, plan.deal, engine::managerText(m.language, engine::ManagerText::CrmMoveUndone, title, reason),
                 eventId);
  tx->commit();
}

}  // namespace

nlohmann::json CrmInbound::apply(const CrmReport& report, server::EventWriter& writer) {
  if (queue_) return queue_(report, writer);
  std::lock_guard lock(dealLocks_[fnv1a(report.crmId) % dealLocks_.size()]);
  return applyInVersionOrder(mirror_, store_, report,
                             [&](const std::vector<nlohmann::json>& events) { return writer.apply(events); });
}

nlohmann::json applyReport(Mirror& mirror, store::Store& store, const CrmReport& report,
                           const ApplyEvents& applyEvents) {
  InboundPlan plan = planReport(mirror, store, report);
  nlohmann::json out = {{"deal", plan.deal}};
  if (plan.events.empty()) {
    out["status"] = "ignored";
    out["reason"] = plan.ignored;
    if (!report.robotToken.empty()) answerRobot(mirror, store, plan.deal, report.robotToken, "ignored", plan.ignored);
    return out;
  }
  std::vector<std::string> ids;
  for (const auto& e : plan.events) ids.push_back(e["id"].get<std::string>());
  auto pending = mirror.expectReport(ids, plan.deal, plan.reported);
  std::vector<server::WriteResult> written;
  try {
    written = applyEvents(plan.events);
  } catch (...) {
    mirror.forgetReport(ids, pending);
    throw;
  }
  bool reportKept = mirror.forgetReport(ids, pending);
  nlohmann::json events = nlohmann::json::array();
  out["status"] = "applied";
  for (size_t i = 0; i < written.size() && i < plan.events.size(); ++i) {
    const server::WriteResult& w = written[i];
    nlohmann::json e = {
        {"id", ids[i]}, {"type", plan.events[i]["type"]}, {"status", engine::statusName(w.outcome.status)}};
    if (!w.outcome.message.empty()) e["message"] = w.outcome.message;
    if (!w.stored) {
      e["status"] = "not stored";
      out["status"] = "not stored";
    }
    events.push_back(e);
    if (w.stored && w.outcome.status == engine::Outcome::Status::Rejected && plan.events[i]["type"] == "manual_move") {
      undoRefusedMove(mirror, store, plan, !reportKept, ids[i], w.outcome.message);
      reportKept = true;
    }
  }
  out["events"] = events;
  // The robot's own event is the last one; the robot waits for its answer.
  if (!report.robotToken.empty() && !events.empty() && out["status"] == "applied")
    answerRobot(mirror, store, plan.deal, report.robotToken, events.back()["status"],
                events.back().value("message", ""));
  return out;
}

}  // namespace voronka::crm
