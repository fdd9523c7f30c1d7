#include "runtime/crm/shared_inbound.h"

#include <fmt/format.h>

#include "common/hash.h"

namespace voronka::crm {

nlohmann::json reportToJson(const CrmReport& r) {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& [id, value] : r.fields) fields.push_back({id, value});
  nlohmann::json j = {{"crm_id", r.crmId},    {"pipeline", r.crmPipeline},   {"stage", r.crmStage},
                      {"fields", fields},     {"modified_by", r.modifiedBy}, {"name", r.name},
                      {"version", r.version}, {"events", r.events},          {"robot_token", r.robotToken}};
  if (r.responsible) j["responsible"] = *r.responsible;
  if (r.tags) j["tags"] = *r.tags;
  return j;
}

CrmReport reportFromJson(const nlohmann::json& j) {
  CrmReport r;
  if (!j.is_object()) return r;
  r.crmId = j.value("crm_id", "");
  r.crmPipeline = j.value("pipeline", "");
  r.crmStage = j.value("stage", "");
  if (j.contains("responsible") && j["responsible"].is_string()) r.responsible = j["responsible"].get<std::string>();
  for (const auto& f : j.value("fields", nlohmann::json::array())) {
    if (f.is_array() && f.size() == 2 && f[0].is_string()) r.fields.emplace_back(f[0].get<std::string>(), f[1]);
  }
  if (j.contains("tags") && j["tags"].is_array()) {
    std::vector<std::string> tags;
    for (const auto& t : j["tags"])
      if (t.is_string()) tags.push_back(t.get<std::string>());
    r.tags = std::move(tags);
  }
  r.modifiedBy = j.value("modified_by", "");
  r.name = j.value("name", "");
  r.version = j.value("version", "");
  for (const auto& e : j.value("events", nlohmann::json::array()))
    if (e.is_object()) r.events.push_back(e);
  r.robotToken = j.value("robot_token", "");
  return r;
}

nlohmann::json queuedReport(const Mirror& mirror, const CrmReport& report) {
  nlohmann::json body = reportToJson(report);
  // The same report sent again has the same id: the inbox keeps it once.
  std::string id = fmt::format("{}:{}:report:{:016x}", crmName(mirror.config().kind), report.crmId,
                               fnv1a(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  return {{"id", id}, {"deal", mirror.dealId(report.crmId)}, {"type", kQueuedReportType}, {"report", body}};
}

QueueReport queueInInbox(const Mirror& mirror) {
  return [&mirror](const CrmReport& report, server::EventWriter& writer) {
    nlohmann::json row = queuedReport(mirror, report);
    std::vector<server::WriteResult> written = writer.apply({row});
    nlohmann::json out = {{"deal", row["deal"]}, {"id", row["id"]}};
    if (written.empty() || !written[0].stored) {
      out["status"] = "not stored";  // the webhook is answered 503: the CRM sends it again
    } else if (written[0].outcome.status == engine::Outcome::Status::Duplicate) {
      out["status"] = "duplicate";
    } else {
      out["status"] = "queued";
    }
    return out;
  };
}

engine::Outcome applyQueuedReport(Mirror& mirror, store::Store& mirrorStore, const nlohmann::json& row,
                                  const ApplyEvents& applyEvents) {
  CrmReport report = reportFromJson(row.value("report", nlohmann::json::object()));
  if (report.crmId.empty()) return {engine::Outcome::Status::Invalid, "a CRM report without the deal's id"};
  nlohmann::json out = applyInVersionOrder(mirror, mirrorStore, std::move(report), applyEvents);
  return {engine::Outcome::Status::Applied, out.dump()};
}

}  // namespace voronka::crm
