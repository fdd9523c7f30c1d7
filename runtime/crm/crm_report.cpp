#include "runtime/crm/crm_report.h"

#include <fmt/format.h>

#include "common/secret.h"
#include "runtime/crm/form_body.h"

namespace voronka::crm {

namespace {

std::string text(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  const auto& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return "";
}

// amoCRM's note types of calls (10 incoming, 11 outgoing).
std::optional<nlohmann::json> callEvent(const nlohmann::json& note) {
  std::string type = text(note, "note_type");
  if (type != "10" && type != "11") return std::nullopt;
  nlohmann::json e = {{"type", type == "10" ? "call_incoming" : "call_outgoing"}};
  std::string phone;
  if (note.contains("params") && note["params"].is_object()) phone = text(note["params"], "phone");
  if (!phone.empty()) e["payload"] = {{"phone", phone}};
  return e;
}

CrmReport amoLead(const nlohmann::json& lead) {
  CrmReport r;
  r.crmId = text(lead, "id");
  r.crmPipeline = text(lead, "pipeline_id");
  r.crmStage = text(lead, "status_id");
  if (std::string u = text(lead, "responsible_user_id"); !u.empty()) r.responsible = u;
  r.modifiedBy = text(lead, "modified_user_id");
  r.name = text(lead, "name");
  r.version = text(lead, "last_modified");
  if (r.version.empty()) r.version = text(lead, "updated_at");
  if (std::string price = text(lead, "price"); !price.empty()) r.fields.emplace_back("price", price);
  if (lead.contains("custom_fields")) {
    for (const nlohmann::json* field : listItems(lead["custom_fields"])) {
      std::string id = text(*field, "id");
      if (id.empty()) continue;
      nlohmann::json values = nlohmann::json::array();
      if (field->contains("values")) {
        for (const nlohmann::json* v : listItems((*field)["values"])) values.push_back(*v);
      }
      r.fields.emplace_back(id, values.empty() ? nlohmann::json() : values.front());
    }
  }
  if (lead.contains("tags")) {
    std::vector<std::string> tags;
    for (const nlohmann::json* t : listItems(lead["tags"])) {
      std::string name = t->is_object() ? text(*t, "name") : t->is_string() ? t->get<std::string>() : "";
      if (!name.empty()) tags.push_back(name);
    }
    r.tags = tags;
  }
  return r;
}

}  // namespace

Result<std::vector<CrmReport>> readAmoWebhook(const std::string& body, const std::string& contentType) {
  std::vector<CrmReport> reports;
  if (contentType.find("json") != std::string::npos) {
    // The Digital Pipeline's widget: {"event": {"type": …, "data": {"id", "status_id", "pipeline_id"}, "time"}}
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("event") || !j["event"].is_object())
      return fail("a Digital Pipeline webhook is a JSON object with \"event\"");
    const nlohmann::json& event = j["event"];
    const nlohmann::json data = event.value("data", nlohmann::json::object());
    CrmReport r;
    r.crmId = text(data, "id");
    r.crmPipeline = text(data, "pipeline_id");
    r.crmStage = text(data, "status_id");
    r.version = text(event, "time");
    if (r.crmId.empty()) return fail("\"event\".\"data\".\"id\" is missing");
    reports.push_back(std::move(r));
    return reports;
  }
  Result<nlohmann::json> form = parseFormBody(body);
  if (!form) return fail(form.error());
  if (!form->contains("leads") || !(*form)["leads"].is_object()) {
    if (form->contains("contacts") || form->contains("companies") || form->contains("unsorted")) return reports;
    return fail("an amoCRM webhook has leads[…]; is the webhook set up for deals (leads)?");
  }
  const nlohmann::json& leads = (*form)["leads"];
  for (const char* section : {"add", "update", "status", "responsible", "restore"}) {
    if (!leads.contains(section)) continue;
    for (const nlohmann::json* lead : listItems(leads[section])) {
      CrmReport r = amoLead(*lead);
      if (r.crmId.empty()) return fail(fmt::format("leads[{}]: a lead without id", section));
      reports.push_back(std::move(r));
    }
  }
  if (leads.contains("note")) {
    for (const nlohmann::json* item : listItems(leads["note"])) {
      const nlohmann::json& note = item->contains("note") ? (*item)["note"] : *item;
      CrmReport r;
      r.crmId = text(note, "element_id");
      r.version = "note-" + text(note, "id");
      if (r.crmId.empty()) continue;
      if (auto e = callEvent(note)) r.events.push_back(*e);
      reports.push_back(std::move(r));
    }
  }
  return reports;
}

Result<BitrixEvent> readBitrixEvent(const std::string& body, const std::string& applicationToken) {
  Result<nlohmann::json> form = parseFormBody(body);
  if (!form) return fail(form.error());
  const nlohmann::json& f = *form;
  std::string token = f.contains("auth") ? text(f["auth"], "application_token") : "";
  if (applicationToken.empty() || !sameSecret(token, applicationToken))
    return fail("auth[application_token] does not match crm.toml [bitrix24] application_token");
  BitrixEvent e;
  if (f.contains("event_token") && f.contains("document_id")) {
    e.event = "robot";
    e.eventToken = text(f, "event_token");
    const nlohmann::json* document = nullptr;
    for (const nlohmann::json* item : listItems(f["document_id"])) document = item;  // [crm, CCrmDocumentDeal, DEAL_42]
    std::string id = document && document->is_string() ? document->get<std::string>() : "";
    if (id.rfind("DEAL_", 0) != 0 || id.size() == 5)
      return fail("the robot works on deals: document_id[2] must be DEAL_<id> (add the robot to a deal's stage)");
    e.dealId = id.substr(5);
    if (f.contains("properties") && f["properties"].is_object()) e.properties = f["properties"];
    if (e.eventToken.empty()) return fail("a robot call needs event_token");
    return e;
  }
  e.event = text(f, "event");
  if (e.event == "ONOFFLINEEVENT") return e;  // a hint: offline events wait to be fetched
  if (f.contains("data") && f["data"].contains("FIELDS")) e.dealId = text(f["data"]["FIELDS"], "ID");
  if (e.event.empty() || e.dealId.empty()) return fail("a Bitrix24 event needs event and data[FIELDS][ID]");
  return e;
}

CrmReport bitrixReport(const nlohmann::json& deal) {
  CrmReport r;
  r.crmId = text(deal, "ID");
  r.crmPipeline = text(deal, "CATEGORY_ID");
  if (r.crmPipeline.empty()) r.crmPipeline = "0";
  r.crmStage = text(deal, "STAGE_ID");
  if (std::string u = text(deal, "ASSIGNED_BY_ID"); !u.empty()) r.responsible = u;
  r.modifiedBy = text(deal, "MODIFY_BY_ID");
  r.name = text(deal, "TITLE");
  r.version = text(deal, "DATE_MODIFY");
  if (deal.is_object()) {
    for (const auto& [key, value] : deal.items()) {
      if (key.rfind("UF_CRM_", 0) == 0 || key == "OPPORTUNITY" || key == "COMMENTS") r.fields.emplace_back(key, value);
    }
  }
  return r;
}

}  // namespace voronka::crm
