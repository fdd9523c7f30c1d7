#include "runtime/server/worker_crm.h"

#include <fmt/format.h>

#include "runtime/crm/crm_service.h"
#include "runtime/crm/shared_inbound.h"
#include "runtime/crm/shared_lock.h"
#include "runtime/crm/shared_poller.h"
#include "runtime/crm/shared_tokens.h"
#include "runtime/server/writer.h"

namespace voronka::server {

Result<std::unique_ptr<WorkerCrm>> WorkerCrm::open(const crm::CrmConfig& config, const bc::Module& module,
                                                   store::Store& store, engine::Clock& clock,
                                                   const std::string& conninfo) {
  crm::SharedCrm shared{conninfo, crm::sharedDrainLock(conninfo)};
  auto service = crm::CrmService::open(config, module, store, clock, std::move(shared));
  if (!service) {
    std::string message = "crm.toml does not fit the module; nothing was deployed or changed:";
    for (const auto& e : service.error()) message += "\n  " + e;
    message += "\nbind the module's stages, fields and users in crm.toml, then start again";
    return fail(message);
  }
  return std::unique_ptr<WorkerCrm>(new WorkerCrm(std::move(*service), conninfo));
}

WorkerCrm::WorkerCrm(std::unique_ptr<crm::CrmService> service, std::string conninfo)
    : service_(std::move(service)), conninfo_(std::move(conninfo)) {}

WorkerCrm::~WorkerCrm() { stop(); }

store::Store& WorkerCrm::relayStore() { return service_->engineStore(); }

void WorkerCrm::addConnectors(outbox::Connectors& connectors) { service_->addConnectors(connectors); }

ExtraRoute WorkerCrm::route() { return service_->route(); }

void WorkerCrm::configure(WorkerOptions& options) {
  crm::Mirror& mirror = service_->mirror();
  options.engineStore = [&mirror](store::Store& inner) -> std::unique_ptr<store::Store> {
    return std::make_unique<crm::MirrorStore>(inner, mirror);
  };
  options.applyOther = [&mirror](const nlohmann::json& event, store::Store& engineStore,
                                 const WorkerOptions::ApplyWire& applyWire) -> std::optional<engine::Outcome> {
    auto type = event.find("type");
    if (type == event.end() || !type->is_string() || type->get<std::string>() != crm::kQueuedReportType)
      return std::nullopt;
    return crm::applyQueuedReport(mirror, engineStore, event, [&](const std::vector<nlohmann::json>& events) {
      std::vector<WriteResult> results;
      for (const nlohmann::json& e : events) {
        WriteResult r;
        r.outcome = applyWire(e);
        results.push_back(std::move(r));
      }
      return results;
    });
  };
}

void WorkerCrm::startPolling(EventWriter& writer) {
  service_->startPolling(conninfo_, [&writer](const std::function<void(EventWriter&)>& drain) { drain(writer); });
}

std::string WorkerCrm::metrics(const std::string& label) const {
  std::string out;
  const crm::SharedPoller* poller = service_->poller();
  auto line = [&](const char* name, const char* type, const char* help, uint64_t value) {
    out +=
        fmt::format("# HELP {} {}\n# TYPE {} {}\n{}{{worker=\"{}\"}} {}\n", name, help, name, type, name, label, value);
  };
  line("voronka_worker_crm_leader", "gauge",
       "1 while this worker leads the CRM's periodic work (Bitrix24's offline_poll)",
       poller && poller->leading() ? 1 : 0);
  line("voronka_worker_crm_polls_total", "counter", "Drains of the CRM's offline queue this worker ran as the leader",
       poller ? poller->runs() : 0);
  auto* shared = dynamic_cast<crm::SharedTokenKeeper*>(&service_->tokens());
  line("voronka_worker_crm_token_refreshes_total", "counter",
       "OAuth refreshes this worker made (under the store's lock, for every worker)", shared ? shared->refreshes() : 0);
  return out;
}

void WorkerCrm::stop() { service_->stopPolling(); }

}  // namespace voronka::server
