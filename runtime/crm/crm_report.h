// A deal as a CRM reports it after a change: amoCRM's webhooks carry the
// lead itself (form-encoded), Bitrix24's events only its id, so the deal is
// fetched (crm.deal.get). Both become CrmReports; inbound.h turns them into
// the runtime's wire events.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace voronka::crm {

struct CrmReport {
  std::string crmId;
  std::string crmPipeline;                 // amoCRM pipeline_id, Bitrix24 CATEGORY_ID; empty: not in the report
  std::string crmStage;                    // amoCRM status_id, Bitrix24 STAGE_ID
  std::optional<std::string> responsible;  // the CRM's user id
  std::vector<std::pair<std::string, nlohmann::json>> fields;  // CRM field id → value as sent
  std::optional<std::vector<std::string>> tags;
  std::string modifiedBy;  // who made the change (the CRM's user id)
  std::string name;
  std::string version;  // changes with every change of the deal: part of the event ids
  // Events the report itself is (a call logged as a note): wire events
  // without id and deal.
  std::vector<nlohmann::json> events;
  // Bitrix24's robot: the token bizproc.event.send answers its call with.
  std::string robotToken;
};

// amoCRM's account webhook (form-encoded: leads[add|update|status|
// responsible|note][N][…]) or a Digital Pipeline widget's JSON.
Result<std::vector<CrmReport>> readAmoWebhook(const std::string& body, const std::string& contentType);

// A Bitrix24 event (form-encoded: event, data[FIELDS][ID], auth[…]) or a
// call of the "Воронка" robot (document_id[2]=DEAL_42, event_token,
// properties[…], auth[…]): the deal's id once auth[application_token]
// matches; fails otherwise.
struct BitrixEvent {
  std::string event;  // ONCRMDEALADD, ONCRMDEALUPDATE, ONOFFLINEEVENT, …; "robot" for the robot
  std::string dealId;
  std::string eventToken;                                // the robot: what bizproc.event.send answers
  nlohmann::json properties = nlohmann::json::object();  // the robot's properties as the consultant set them
};
Result<BitrixEvent> readBitrixEvent(const std::string& body, const std::string& applicationToken);

// crm.deal.get's result as a report.
CrmReport bitrixReport(const nlohmann::json& deal);

}  // namespace voronka::crm
