// `voronka serve --workers shared --crm crm.toml` (docs/crm.md, "Shared
// workers"): what a shared worker process adds for the client's CRM.
//   - Webhooks are read on the HTTP thread and queued in the inbox, one row
//     per report; the worker that claims the deal applies it in the deal's
//     order (crm/shared_inbound.h).
//   - Each worker's engine commits through the CRM mirror, so the CRM's
//     calls join the outbox with the event, and the leased outbox (fenced by
//     the attempt number) delivers each once, whichever worker claims it.
//   - OAuth tokens and the rate limit live in the store, one for all
//     workers (crm/shared_tokens.h, crm/shared_rate_limiter.h).
//   - Bitrix24's offline queue is drained by one worker at a time, and with
//     offline_poll by the leader every so often (crm/shared_poller.h).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "runtime/bytecode/module.h"
#include "runtime/crm/crm_config.h"
#include "runtime/engine/clock.h"
#include "runtime/outbox/connectors.h"
#include "runtime/server/extra_routes.h"
#include "runtime/server/worker_loop.h"
#include "runtime/store/store.h"

namespace voronka::crm {
class CrmService;
}  // namespace voronka::crm

namespace voronka::server {

class EventWriter;

class WorkerCrm {
 public:
  // Checks crm.toml against the module (fails with every mismatch, one a
  // line) and connects to the store (`conninfo`) for the shared tokens and
  // rate limit. `store` is this process's store (outbox, meta).
  static Result<std::unique_ptr<WorkerCrm>> open(const crm::CrmConfig& config, const bc::Module& module,
                                                 store::Store& store, engine::Clock& clock,
                                                 const std::string& conninfo);
  ~WorkerCrm();

  // The store the outbox relay claims through (groups the CRM's calls for batching).
  store::Store& relayStore();
  void addConnectors(outbox::Connectors& connectors);
  ExtraRoute route();
  // Sets the worker's engineStore and applyOther.
  void configure(WorkerOptions& options);
  // With offline_poll (Bitrix24): the leader drains the offline queue into
  // `writer` (the server's intake) every so often. No-op otherwise.
  void startPolling(EventWriter& writer);
  // Gauges and counters for /metrics, labelled with the worker.
  std::string metrics(const std::string& label) const;
  // Stops polling (before the server goes).
  void stop();

 private:
  WorkerCrm(std::unique_ptr<crm::CrmService> service, std::string conninfo);
  std::unique_ptr<crm::CrmService> service_;
  std::string conninfo_;
};

}  // namespace voronka::server
