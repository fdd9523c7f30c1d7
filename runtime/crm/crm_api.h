// Calls to one CRM account: amoCRM's REST API v4 (JSON) or Bitrix24's REST
// methods (form parameters). Every call waits for its turn in the account's
// rate limiter, carries the current token, renews an expired OAuth token
// once (401), and reports what the answer means for delivery: done, worth
// another try later (429, 503, 5xx, no answer), or never going to work.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <optional>
#include <string>

#include "runtime/crm/crm_config.h"
#include "runtime/crm/rate_limiter.h"
#include "runtime/crm/tokens.h"

namespace voronka::crm {

struct ApiAnswer {
  enum class Status { Ok, Retry, Permanent };
  Status status = Status::Ok;
  nlohmann::json body;  // the parsed answer (Bitrix24: its `result`)
  std::string error;    // why not; never with a token or a secret URL
  std::optional<int64_t> retryAfter;
  bool ok() const { return status == Status::Ok; }
};

class CrmApi {
 public:
  CrmApi(const CrmConfig& config, TokenKeeper& tokens, RateLimiter& limiter);

  // amoCRM: `path` like "/api/v4/leads?filter[id]=1"; `body` JSON or null.
  ApiAnswer amo(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr);
  // Bitrix24: a method like "crm.deal.get" with its parameters.
  ApiAnswer bitrix(const std::string& method, const nlohmann::json& params);

  uint64_t calls() const { return calls_; }

 private:
  ApiAnswer send(const std::string& method, const std::string& url, const std::string& body,
                 const std::string& contentType, bool bitrix);

  const CrmConfig& config_;
  TokenKeeper& tokens_;
  RateLimiter& limiter_;
  std::atomic<uint64_t> calls_{0};
};

}  // namespace voronka::crm
