// The CRM's webhooks in, as the runtime's wire events:
//   POST /v1/crm/amocrm/{secret}    amoCRM's account webhooks, Digital Pipeline JSON
//   POST /v1/crm/bitrix24/{secret}  Bitrix24's ONCRMDEAL* events (the deal is fetched)
// A deal the runtime has not seen is created from the CRM's data; a stage
// the CRM shows that Voronka did not send is a manager's move (manual_move,
// with the pipeline's policies); changed fields and responsible raise
// field_set and responsible_changed. What Voronka itself sent comes back as
// an echo — same state as known, a stage sent lately, or the robot user's
// change — and is not an event. A refused manual move is undone in the CRM
// with a note saying why, in the account's language.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/crm/crm_api.h"
#include "runtime/crm/crm_report.h"
#include "runtime/crm/mirror.h"
#include "runtime/engine/names.h"
#include "runtime/server/extra_routes.h"
#include "runtime/server/writer.h"

namespace voronka::crm {

// The events one report becomes, and what the CRM is then known to show.
struct InboundPlan {
  std::string deal;
  std::vector<nlohmann::json> events;
  KnownState reported;
  std::string ignored;  // why nothing is done ("echo", "pipeline not mapped"); empty when there are events
};

InboundPlan planReport(const Mirror& mirror, store::Store& store, const CrmReport& report);

// Applies the events one report becomes, in order: the server's writer, or
// the engine of the shared worker that claimed the deal (shared_inbound.h).
using ApplyEvents = std::function<std::vector<server::WriteResult>(const std::vector<nlohmann::json>&)>;

// Plans `report` against the deal as stored and applies its events through
// `applyEvents`; what the CRM reported becomes known with the first event
// kept, a refused manual move is undone in the CRM, a robot is answered.
// Returns the report's entry of the webhook's answer.
nlohmann::json applyReport(Mirror& mirror, store::Store& mirrorStore, const CrmReport& report,
                           const ApplyEvents& applyEvents);

// Where a webhook's reports go instead of being applied on the HTTP thread:
// shared workers queue each report in the inbox, and the worker that claims
// its deal plans and applies it (shared_inbound.h). Returns the entry of the
// webhook's answer ("queued", "duplicate" or "not stored").
using QueueReport = std::function<nlohmann::json(const CrmReport&, server::EventWriter&)>;
// Held while Bitrix24's offline events are drained; several processes
// drain one at a time (shared workers: a PostgreSQL advisory lock).
using DrainLock = std::function<std::shared_ptr<void>()>;

class CrmInbound {
 public:
  CrmInbound(Mirror& mirror, store::Store& mirrorStore, CrmApi& api)
      : mirror_(mirror), store_(mirrorStore), api_(api) {}

  // The route of this CRM, for ServerOptions::extraRoutes.
  server::ExtraRoute route();

  server::ExtraReply handle(const server::ExtraRequest& request, server::EventWriter& writer);

  // Shared workers: reports are queued, offline drains take `drainLock` too.
  void shareWith(QueueReport queue, DrainLock drainLock) {
    queue_ = std::move(queue);
    drainLock_ = std::move(drainLock);
  }
  // Bitrix24's no-loss mode: the offline events queued in the portal
  // (event.offline.get), each deal fetched once and applied, then cleared.
  nlohmann::json drainOffline(server::EventWriter& writer);

 private:
  // The reports a request carries; `offlineHint`: Bitrix24's ONOFFLINEEVENT.
  Result<std::vector<CrmReport>, server::ExtraReply> reports(const server::ExtraRequest& request, bool& offlineHint);
  Result<CrmReport> fetchDeal(const std::string& dealId);  // crm.deal.get, tried a few times
  static void addRobotEvent(CrmReport& report, const BitrixEvent& call);
  nlohmann::json apply(const CrmReport& report, server::EventWriter& writer);

  Mirror& mirror_;
  store::Store& store_;  // the MirrorStore: follow-up transactions reconcile too
  CrmApi& api_;
  // One server: a deal's reports are applied one at a time, each against the
  // version applied before (report_order.h); a deal's id picks its lock.
  std::array<std::mutex, 64> dealLocks_;
  std::mutex offlineMutex_;
  QueueReport queue_;
  DrainLock drainLock_;
};

}  // namespace voronka::crm
