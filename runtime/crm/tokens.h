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
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

#include "common/result.h"
#include "runtime/crm/crm_config.h"

namespace voronka::crm {

// An OAuth pair as the CRM's token endpoint gave it.
struct TokenPair {
  std::string access;
  std::string refresh;
  int64_t expiresAt = 0;  // UTC seconds; 0: unknown
};

// Seconds before its expiry at which an access token is renewed.
inline constexpr int64_t kRefreshBeforeExpiry = 60;

// One refresh at the CRM's token endpoint (spends `refreshToken`).
Result<TokenPair> refreshOAuth(CrmKind kind, const OAuthSettings& oauth, double timeout,
                               const std::string& refreshToken);

// UTC seconds now.
int64_t tokenClockNow();

// The pair an earlier refresh kept in token_file; nullopt when there is no
// such file yet. A file that is there but cannot be read, or holds no pair,
// is an error: starting from crm.toml's refresh token instead, long spent,
// would fail only at the first call to the CRM, and say less.
Result<std::optional<TokenPair>> readTokenFile(const std::filesystem::path& file);

class TokenKeeper {
 public:
  explicit TokenKeeper(const CrmConfig& config);
  virtual ~TokenKeeper() = default;

  bool usesOAuth() const { return oauth_.has_value(); }
  // The token to send now; with OAuth, refreshed first when it is about to
  // expire. Empty: nothing to send (a Bitrix24 webhook URL).
  virtual Result<std::string> current();
  // The CRM refused `refused` (401): refresh, unless another caller already
  // has; returns the token to try again with.
  virtual Result<std::string> renewAfter(const std::string& refused);

 protected:
  // The pair to start from: crm.toml's, or the token file's when an earlier
  // refresh saved one there.
  TokenPair initialPair() const { return {access_, refresh_, expiresAt_}; }
  const std::optional<OAuthSettings>& oauth() const { return oauth_; }
  CrmKind kind() const { return kind_; }
  double timeout() const { return timeout_; }
  // Writes `pair` to token_file (fsync, then rename).
  Result<void> savePair(const TokenPair& pair) const;

 private:
  Result<void> refreshLocked();
  void loadFile();

  CrmKind kind_;
  std::optional<OAuthSettings> oauth_;
  double timeout_;
  std::mutex mutex_;
  std::string access_;
  std::string refresh_;
  int64_t expiresAt_ = 0;  // UTC seconds; 0: unknown
};

}  // namespace voronka::crm
