// Console logins: a session per successful login with one of the server's
// tokens, kept in memory (a restart logs everyone out). The session id goes
// in an HttpOnly cookie; its CSRF token is handed to the page and must come
// back in X-CSRF-Token with every write.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace voronka::console {

enum class Role { ReadOnly, Admin };

struct Session {
  Role role = Role::ReadOnly;
  std::string csrf;
  int64_t expires = 0;  // UTC seconds
  // Whose data it opens: "" the single server's console; a tenant's id under
  // `serve --tenants`; kEveryTenant a login with the tenants file's admin
  // token. A console answers only the sessions of its own scope.
  std::string scope;
  std::string cookiePath;  // where its cookie was set: logging out clears it there
  // The token it logged in with, asked again on every request: a reload that
  // rotates a tenant's tokens, makes an admin token read-only, removes the
  // tenant (and adds another under its id) or takes the operator's token
  // away ends the sessions it opened.
  std::string token;
};

inline constexpr const char* kEveryTenant = "*";

struct LoginTokens {
  std::vector<std::string> admin;     // [server] tokens: the API's, and the console's admin logins
  std::vector<std::string> readOnly;  // [server] read_tokens
};

// Which role a token logs in as; nullopt when it is none of them. With no
// tokens configured at all (a server on loopback without authentication)
// any token, the empty one too, is an admin login, as the API asks for none.
std::optional<Role> roleOf(const LoginTokens& tokens, const std::string& token);

// Hex of `bytes` random bytes from the system's generator.
std::string randomHex(size_t bytes);

class Sessions {
 public:
  static constexpr int64_t kLifetimeSeconds = 12 * 3600;
  // Beyond this, the oldest of the scope (tenant) with the most sessions goes first.
  static constexpr size_t kMaxSessions = 10000;

  // Opens `session` (its role, scope, cookie path and token; the CSRF token
  // and the expiry are made here) and returns its id.
  std::string open(Session session, int64_t now);
  std::optional<Session> find(const std::string& id, int64_t now);
  void close(const std::string& id);

 private:
  std::mutex mutex_;
  std::map<std::string, Session> sessions_;
};

// Every console of the process shares one: a server restarted by a
// deployment keeps its users logged in.
Sessions& processSessions();

}  // namespace voronka::console
