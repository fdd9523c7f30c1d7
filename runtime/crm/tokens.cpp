#include "runtime/crm/tokens.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>

#include "common/read_file.h"
#include "runtime/crm/form_body.h"
#include "runtime/crm/http_call.h"

namespace voronka::crm {

namespace {

int64_t nowSeconds() { return tokenClockNow(); }

bool writeAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

int64_t tokenClockNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TokenKeeper::TokenKeeper(const CrmConfig& config)
    : kind_(config.kind), oauth_(config.oauth), timeout_(config.timeout), access_(config.token) {
  if (!oauth_) return;
  access_ = oauth_->accessToken;
  refresh_ = oauth_->refreshToken;
  loadFile();  // a pair saved by an earlier refresh is newer than the configuration's
}

Result<std::optional<TokenPair>> readTokenFile(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec) && !ec) return std::optional<TokenPair>();
  Result<std::string> text = readWholeFile(file);
  if (!text) return fail(fmt::format("token_file {}: cannot read it: {}", file.string(), text.error()));
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  bool pair = j.is_object() && j.contains("access_token") && j["access_token"].is_string() &&
              j.contains("refresh_token") && j["refresh_token"].is_string() &&
              (!j.contains("expires_at") || j["expires_at"].is_number_integer());
  if (!pair) {
    return fail(fmt::format(
        "token_file {} holds no pair of tokens as Voronka saves them (a JSON object with access_token, refresh_token "
        "and expires_at): restore it, or delete it to start again from crm.toml's refresh token",
        file.string()));
  }
  return std::optional<TokenPair>(TokenPair{j["access_token"].get<std::string>(), j["refresh_token"].get<std::string>(),
                                            j.value("expires_at", int64_t{0})});
}

void TokenKeeper::loadFile() {
  // crm.toml was checked with its token_file (crm_config.cpp): a file that
  // holds no pair does not get here in a server; the tools take crm.toml's.
  Result<std::optional<TokenPair>> kept = readTokenFile(oauth_->tokenFile);
  if (!kept || !*kept) return;
  access_ = (*kept)->access;
  refresh_ = (*kept)->refresh;
  expiresAt_ = (*kept)->expiresAt;
}

Result<void> TokenKeeper::savePair(const TokenPair& pair) const {
  std::string path = oauth_->tokenFile.string();
  std::string temporary = path + ".new";
  nlohmann::json j = {{"access_token", pair.access}, {"refresh_token", pair.refresh}, {"expires_at", pair.expiresAt}};
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(fmt::format("cannot write {}", temporary));
  bool ok = writeAll(fd, j.dump()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temporary.c_str(), path.c_str()) != 0) return fail(fmt::format("cannot write {}", path));
  std::string dir = oauth_->tokenFile.parent_path().string();
  int dirFd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd >= 0) {
    ::fsync(dirFd);
    ::close(dirFd);
  }
  return {};
}

Result<std::string> TokenKeeper::current() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (oauth_ && (access_.empty() || (expiresAt_ && nowSeconds() >= expiresAt_ - kRefreshBeforeExpiry))) {
    if (Result<void> r = refreshLocked(); !r) return fail(r.error());
  }
  return access_;
}

Result<std::string> TokenKeeper::renewAfter(const std::string& refused) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!oauth_) return fail("the CRM refused the token: check token (or token_env) in crm.toml");
  if (access_ != refused) return access_;  // another caller refreshed meanwhile
  if (Result<void> r = refreshLocked(); !r) return fail(r.error());
  return access_;
}

Result<TokenPair> refreshOAuth(CrmKind kind, const OAuthSettings& oauth, double timeout,
                               const std::string& refreshToken) {
  HttpCall call;
  call.timeout = timeout;
  if (kind == CrmKind::AmoCrm) {
    call.method = "POST";
    call.url = oauth.tokenUrl;
    call.contentType = "application/json";
    call.body = nlohmann::json{{"client_id", oauth.clientId},
                               {"client_secret", oauth.clientSecret},
                               {"grant_type", "refresh_token"},
                               {"refresh_token", refreshToken},
                               {"redirect_uri", oauth.redirectUri}}
                    .dump();
  } else {
    call.url = oauth.tokenUrl + "?" +
               encodeForm({{"grant_type", "refresh_token"},
                           {"client_id", oauth.clientId},
                           {"client_secret", oauth.clientSecret},
                           {"refresh_token", refreshToken}});
  }
  HttpAnswer answer = perform(call);
  std::string where = urlForMessages(call.url);
  if (!answer.answered) return fail(fmt::format("refreshing the token at {}: {}", where, answer.transportError));
  nlohmann::json j = nlohmann::json::parse(answer.body, nullptr, false);
  if (answer.status != 200 || !j.is_object() || !j.contains("access_token") || !j.contains("refresh_token")) {
    return fail(fmt::format("refreshing the token at {}: HTTP {}{}", where, answer.status,
                            answer.status == 400 || answer.status == 401
                                ? " (the refresh token was refused: authorize the integration again and put the "
                                  "new refresh token in crm.toml)"
                                : ""));
  }
  TokenPair pair;
  pair.access = j["access_token"].get<std::string>();
  pair.refresh = j["refresh_token"].get<std::string>();
  pair.expiresAt =
      j.contains("expires_in") && j["expires_in"].is_number() ? nowSeconds() + j["expires_in"].get<int64_t>() : 0;
  return pair;
}

Result<void> TokenKeeper::refreshLocked() {
  Result<TokenPair> pair = refreshOAuth(kind_, *oauth_, timeout_, refresh_);
  if (!pair) return fail(pair.error());
  access_ = pair->access;
  refresh_ = pair->refresh;
  expiresAt_ = pair->expiresAt;
  // Kept before it is used: the old refresh token is already spent.
  if (Result<void> saved = savePair(*pair); !saved)
    return fail(fmt::format("the new tokens are not saved: {}", saved.error()));
  return {};
}

}  // namespace voronka::crm
