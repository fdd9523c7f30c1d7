// The access token of a CRM account. A long-lived token (amoCRM) or a
// Bitrix24 webhook URL never changes; with OAuth 2 the access token expires
// and is renewed with the refresh token — which works only once. Two
// refreshes at a time would lock the account out, so refreshing is single
// flight: the first caller refreshes, the others wait and take its result.
// The new pair is written to token_file (fsync, then rename) before it is
// used: a crash right after a refresh cannot lose the only valid refresh
// token. Tokens are never logged.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "common/result.h"
#include "runtime/crm/crm_config.h"

namespace voronka::crm {

class TokenKeeper {
 public:
  explicit TokenKeeper(const CrmConfig& config);

  bool usesOAuth() const { return oauth_.has_value(); }
  // The token to send now; with OAuth, refreshed first when it is about to
  // expire. Empty: nothing to send (a Bitrix24 webhook URL).
  Result<std::string> current();
  // The CRM refused `refused` (401): refresh, unless another caller already
  // has; returns the token to try again with.
  Result<std::string> renewAfter(const std::string& refused);

 private:
  Result<void> refreshLocked();
  void loadFile();
  Result<void> saveFile() const;

  CrmKind kind_;
  std::optional<OAuthSettings> oauth_;
  double timeout_;
  std::mutex mutex_;
  std::string access_;
  std::string refresh_;
  int64_t expiresAt_ = 0;  // UTC seconds; 0: unknown
};

}  // namespace voronka::crm
