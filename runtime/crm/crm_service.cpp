#include "runtime/crm/crm_service.h"

#include "runtime/crm/crm_connectors.h"
#include "runtime/crm/shared_inbound.h"
#include "runtime/crm/shared_poller.h"
#include "runtime/crm/shared_rate_limiter.h"
#include "runtime/crm/shared_tokens.h"

namespace voronka::crm {

Result<std::unique_ptr<CrmService>, std::vector<std::string>> CrmService::open(const CrmConfig& config,
                                                                               const bc::Module& module,
                                                                               store::Store& store,
                                                                               engine::Clock& clock,
                                                                               std::optional<SharedCrm> shared) {
  Result<Mapping, std::vector<std::string>> mapping = Mapping::resolve(config, module);
  if (!mapping) return failWith(mapping.error());
  return std::make_unique<CrmService>(config, std::move(*mapping), store, clock, std::move(shared));
}

namespace {

std::unique_ptr<RateLimiter> limiterOf(const CrmConfig& c, const std::optional<SharedCrm>& shared) {
  if (shared) return std::make_unique<SharedRateLimiter>(c.rateLimit, c.burst, shared->conninfo);
  return std::make_unique<RateLimiter>(c.rateLimit, c.burst);
}

std::unique_ptr<TokenKeeper> tokensOf(const CrmConfig& c, const std::optional<SharedCrm>& shared) {
  if (shared && c.oauth) return std::make_unique<SharedTokenKeeper>(c, shared->conninfo);
  return std::make_unique<TokenKeeper>(c);
}

}  // namespace

CrmService::CrmService(const CrmConfig& config, Mapping mapping, store::Store& store, engine::Clock& clock,
                       std::optional<SharedCrm> shared)
    : config_(config),
      store_(store),
      mirror_(config_, std::move(mapping), clock),
      mirrorStore_(store, mirror_),
      limiter_(limiterOf(config_, shared)),
      tokens_(tokensOf(config_, shared)),
      api_(config_, *tokens_, *limiter_),
      inbound_(mirror_, mirrorStore_, api_) {
  if (shared) inbound_.shareWith(queueInInbox(mirror_), shared->drainLock);
}

void CrmService::addConnectors(outbox::Connectors& connectors) { addCrmConnectors(connectors, config_, api_, store_); }

}  // namespace voronka::crm

namespace voronka::crm {

CrmService::~CrmService() { stopPolling(); }

void CrmService::startPolling(const std::string& conninfo, WithWriter withWriter) {
  if (config_.kind != CrmKind::Bitrix24 || config_.offlinePoll <= 0) return;
  auto every = std::chrono::milliseconds(static_cast<int64_t>(config_.offlinePoll * 1000));
  poller_ = std::make_unique<SharedPoller>(conninfo, every, [this, withWriter = std::move(withWriter)] {
    nlohmann::json drained;
    withWriter([&](server::EventWriter& writer) { drained = inbound_.drainOffline(writer); });
    if (drained.contains("error")) throw std::runtime_error(drained["error"].get<std::string>());
  });
}

void CrmService::stopPolling() {
  if (poller_) poller_->stop();
}

}  // namespace voronka::crm
