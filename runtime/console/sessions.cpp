#include "runtime/console/sessions.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "common/secret.h"

namespace voronka::console {

std::optional<Role> roleOf(const LoginTokens& tokens, const std::string& token) {
  if (tokens.admin.empty() && tokens.readOnly.empty()) return Role::Admin;
  if (token.empty()) return std::nullopt;
  // Every token is compared, so the time taken does not say which matched.
  bool readOnly = findSecret(tokens.readOnly, token) >= 0;
  if (findSecret(tokens.admin, token) >= 0) return Role::Admin;
  if (readOnly) return Role::ReadOnly;
  return std::nullopt;
}

std::string randomHex(size_t bytes) {
  static std::mutex mutex;
  static std::random_device device;  // /dev/urandom
  std::lock_guard lock(mutex);
  std::string out;
  for (size_t i = 0; i < bytes; i += 4) out += fmt::format("{:08x}", device());
  return out.substr(0, bytes * 2);
}

std::string Sessions::open(Session session, int64_t now) {
  std::string id = randomHex(32);
  std::lock_guard lock(mutex_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.expires <= now ? sessions_.erase(it) : std::next(it);
  }
  if (sessions_.size() >= kMaxSessions) {
    // The oldest of the scope with the most sessions goes: one tenant's
    // logins, however many, never log out another tenant's users.
    std::map<std::string, size_t> perScope;
    for (const auto& [_, s] : sessions_) perScope[s.scope]++;
    const std::string& crowded = std::max_element(perScope.begin(), perScope.end(), [](const auto& a, const auto& b) {
                                   return a.second < b.second;
                                 })->first;
    auto oldest = sessions_.end();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.scope == crowded && (oldest == sessions_.end() || it->second.expires < oldest->second.expires))
        oldest = it;
    }
    sessions_.erase(oldest);
  }
  session.csrf = randomHex(32);
  session.expires = now + kLifetimeSeconds;
  sessions_[id] = std::move(session);
  return id;
}

std::optional<Session> Sessions::find(const std::string& id, int64_t now) {
  if (id.empty()) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(id);
  if (found == sessions_.end()) return std::nullopt;
  if (found->second.expires <= now) {
    sessions_.erase(found);
    return std::nullopt;
  }
  return found->second;
}

void Sessions::close(const std::string& id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(id);
}

Sessions& processSessions() {
  static Sessions sessions;
  return sessions;
}

}  // namespace voronka::console
