#include "runtime/crm/shared_tokens.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "common/hash.h"
#include "runtime/store/pg_db.h"

namespace voronka::crm {

namespace {

constexpr const char* kKey = "crm.oauth";

// The row keeps which of crm.toml's refresh tokens it has started from (as
// hashes): a worker still on an older crm.toml does not put its spent
// token back during a rolling restart.
nlohmann::json toJson(const TokenPair& p, const nlohmann::json& seeds) {
  return {{"access_token", p.access}, {"refresh_token", p.refresh}, {"expires_at", p.expiresAt}, {"seeds", seeds}};
}

std::string seedId(const std::string& refreshToken) { return fmt::format("{:016x}", fnv1a(refreshToken)); }

bool usable(const TokenPair& p) {
  return !p.access.empty() && (p.expiresAt == 0 || tokenClockNow() < p.expiresAt - kRefreshBeforeExpiry);
}

}  // namespace

struct SharedTokenKeeper::Statements {
  explicit Statements(store::pg::Conn& c)
      : insert(c, "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
               "seeding the CRM's tokens"),
        select(c, "SELECT value FROM meta WHERE key = $1 FOR UPDATE", "locking the CRM's tokens"),
        update(c, "UPDATE meta SET value = $2 WHERE key = $1", "saving the CRM's tokens") {}
  store::pg::Statement insert, select, update;
};

SharedTokenKeeper::SharedTokenKeeper(const CrmConfig& config, const std::string& conninfo)
    : TokenKeeper(config),
      conn_(std::make_unique<store::pg::Conn>(conninfo)),
      st_(std::make_unique<Statements>(*conn_)) {
  pair_ = initialPair();
}

SharedTokenKeeper::~SharedTokenKeeper() = default;

Result<std::string> SharedTokenKeeper::current() {
  std::lock_guard lock(mutex_);
  if (!usesOAuth() || usable(pair_)) return pair_.access;
  if (Result<void> r = syncLocked(""); !r) return fail(r.error());
  return pair_.access;
}

Result<std::string> SharedTokenKeeper::renewAfter(const std::string& refused) {
  std::lock_guard lock(mutex_);
  if (!usesOAuth()) return fail("the CRM refused the token: check token (or token_env) in crm.toml");
  // Another caller of this process renewed meanwhile.
  if (!pair_.access.empty() && pair_.access != refused) return pair_.access;
  if (Result<void> r = syncLocked(refused); !r) return fail(r.error());
  return pair_.access;
}

Result<void> SharedTokenKeeper::syncLocked(const std::string& refused) {
  const std::string& seed = oauth()->refreshToken;
  try {
    if (conn_->broken()) conn_->reconnect();
    conn_->exec("BEGIN", "locking the CRM's tokens");
    try {
      nlohmann::json firstSeeds = nlohmann::json::array();
      if (!seed.empty()) firstSeeds.push_back(seedId(seed));
      store::pg::Query(st_->insert).bind(kKey).bind(toJson(initialPair(), firstSeeds).dump()).run();
      store::pg::Query read(st_->select);
      read.bind(kKey);
      if (!read.step()) throw store::StoreError("the CRM's tokens row is gone");
      nlohmann::json j = nlohmann::json::parse(read.text(0), nullptr, false);
      TokenPair stored;
      nlohmann::json seeds = nlohmann::json::array();
      if (j.is_object()) {
        stored = {j.value("access_token", ""), j.value("refresh_token", ""), j.value("expires_at", int64_t{0})};
        if (j.contains("seeds") && j["seeds"].is_array()) seeds = j["seeds"];
      }
      bool changed = false;
      if (!seed.empty() && std::find(seeds.begin(), seeds.end(), seedId(seed)) == seeds.end()) {
        // crm.toml names a refresh token the store has not started from: the
        // integration was authorized again, its pair is the newer.
        stored = initialPair();
        seeds.push_back(seedId(seed));
        changed = true;
      }
      // Re-read after the lock: another worker may have refreshed while this one waited.
      if (usable(stored) && stored.access != refused) {
        if (changed) store::pg::Query(st_->update).bind(kKey).bind(toJson(stored, seeds).dump()).run();
        conn_->exec("COMMIT", "reading the CRM's tokens");
        pair_ = stored;
        return {};
      }
      Result<TokenPair> fresh = refreshOAuth(kind(), *oauth(), timeout(), stored.refresh);
      if (!fresh) {
        conn_->exec("ROLLBACK", "releasing the CRM's tokens");
        return fail(fresh.error());
      }
      ++refreshes_;
      // The old refresh token is spent now: the new pair is kept before it is used.
      (void)savePair(*fresh);  // the file is a copy for the operator; the store is what counts
      store::pg::Query(st_->update).bind(kKey).bind(toJson(*fresh, seeds).dump()).run();
      conn_->exec("COMMIT", "saving the CRM's tokens");
      pair_ = *fresh;
      return {};
    } catch (...) {
      if (!conn_->broken()) PQclear(PQexec(conn_->handle(), "ROLLBACK"));
      throw;
    }
  } catch (const std::exception& e) {
    return fail(fmt::format("the CRM's tokens in the store: {}", e.what()));
  }
}

}  // namespace voronka::crm
