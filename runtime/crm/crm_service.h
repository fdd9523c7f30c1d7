// Everything `voronka serve --crm crm.toml` adds, wired together: the
// mapping checked against the module, the mirror between the engine and the
// store, the account's rate limiter, tokens and API, the outbox connectors
// and the webhook route.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "common/result.h"
#include "runtime/bytecode/module.h"
#include "runtime/crm/crm_api.h"
#include "runtime/crm/crm_config.h"
#include "runtime/crm/inbound.h"
#include "runtime/crm/mirror.h"
#include "runtime/crm/rate_limiter.h"
#include "runtime/crm/tokens.h"
#include "runtime/outbox/connectors.h"

namespace voronka::crm {

class SharedPoller;

// Shared workers (`voronka serve --workers shared`, shared_*.h): the
// tokens and the rate limit live in the PostgreSQL store, webhooks are
// queued in the inbox, Bitrix24's offline drains take a lock of the store.
struct SharedCrm {
  std::string conninfo;
  DrainLock drainLock;
};

class CrmService {
 public:
  // Fails listing the names of crm.toml the module does not have.
  static Result<std::unique_ptr<CrmService>, std::vector<std::string>> open(const CrmConfig& config,
                                                                            const bc::Module& module,
                                                                            store::Store& store, engine::Clock& clock,
                                                                            std::optional<SharedCrm> shared = {});

  // The store the engine must use: its commits add the CRM's calls.
  store::Store& engineStore() { return mirrorStore_; }
  void addConnectors(outbox::Connectors& connectors);
  server::ExtraRoute route() { return inbound_.route(); }

  // Shared workers: the mirror a worker's engine commits through, and the
  // queued reports it applies (shared_inbound.h).
  Mirror& mirror() { return mirror_; }
  CrmInbound& inbound() { return inbound_; }
  TokenKeeper& tokens() { return *tokens_; }

  // offline_poll (Bitrix24): drains the offline queue into `writer` every
  // so often — on shared workers (`conninfo` set) only while this process
  // leads (shared_poller.h). `writer` gives the server's writer and holds it
  // for the drain. No-op without offline_poll.
  using WithWriter = std::function<void(const std::function<void(server::EventWriter&)>&)>;
  void startPolling(const std::string& conninfo, WithWriter withWriter);
  void stopPolling();
  const SharedPoller* poller() const { return poller_.get(); }
  ~CrmService();

  CrmService(const CrmConfig& config, Mapping mapping, store::Store& store, engine::Clock& clock,
             std::optional<SharedCrm> shared = {});

 private:
  CrmConfig config_;
  store::Store& store_;
  Mirror mirror_;
  MirrorStore mirrorStore_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<TokenKeeper> tokens_;
  CrmApi api_;
  CrmInbound inbound_;
  std::unique_ptr<SharedPoller> poller_;
};

}  // namespace voronka::crm
