#include "runtime/crm/crm_service.h"

#include "runtime/crm/crm_connectors.h"

namespace voronka::crm {

Result<std::unique_ptr<CrmService>, std::vector<std::string>> CrmService::open(const CrmConfig& config,
                                                                               const bc::Module& module,
                                                                               store::Store& store,
                                                                               engine::Clock& clock) {
  Result<Mapping, std::vector<std::string>> mapping = Mapping::resolve(config, module);
  if (!mapping) return failWith(mapping.error());
  return std::make_unique<CrmService>(config, std::move(*mapping), store, clock);
}

CrmService::CrmService(const CrmConfig& config, Mapping mapping, store::Store& store, engine::Clock& clock)
    : config_(config),
      store_(store),
      mirror_(config_, std::move(mapping), clock),
      mirrorStore_(store, mirror_),
      limiter_(config_.rateLimit, config_.burst),
      tokens_(config_),
      api_(config_, tokens_, limiter_),
      inbound_(mirror_, mirrorStore_, api_) {}

void CrmService::addConnectors(outbox::Connectors& connectors) { addCrmConnectors(connectors, config_, api_, store_); }

}  // namespace voronka::crm
