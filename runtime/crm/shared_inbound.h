// The CRM's webhooks on shared workers (`voronka serve --workers shared
// --crm`): the worker that receives a webhook only reads it (Bitrix24: and
// fetches the deal) and queues each report in the shared inbox as one row
// of the deal — type "crm:report", an id made from the report's content, so
// the CRM's resend, to this worker or another, is a duplicate. The worker
// that claims the deal plans the report against the deal as it is then
// (planReport) and applies its events in the deal's order, in its batch's
// transaction: echoes, manual moves and the known state are judged with no
// other event of the deal in between.
//
// Reports of one deal can reach the inbox out of order (two workers fetch a
// Bitrix24 deal, the later fetch commits first): they are applied in the
// order of their versions (report_order.h), as on one server.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "runtime/crm/crm_report.h"
#include "runtime/crm/inbound.h"
#include "runtime/crm/mirror.h"
#include "runtime/crm/report_order.h"
#include "runtime/engine/engine.h"

namespace voronka::crm {

// The inbox row's type: not a name a funnel can declare, so no API client can send one.
inline constexpr const char* kQueuedReportType = "crm:report";

nlohmann::json reportToJson(const CrmReport& report);
CrmReport reportFromJson(const nlohmann::json& j);

// The inbox row of a report.
nlohmann::json queuedReport(const Mirror& mirror, const CrmReport& report);

// CrmInbound's QueueReport for shared workers: the row goes to the inbox
// through the server's intake.
QueueReport queueInInbox(const Mirror& mirror);

// Applies a queued report on the worker that claimed its deal; `mirrorStore`
// is that worker's store seen through the mirror, `applyEvents` its engine.
engine::Outcome applyQueuedReport(Mirror& mirror, store::Store& mirrorStore, const nlohmann::json& row,
                                  const ApplyEvents& applyEvents);

}  // namespace voronka::crm
