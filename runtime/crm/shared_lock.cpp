#include "runtime/crm/shared_lock.h"

#include <fmt/format.h>

#include "runtime/store/pg_db.h"
#include "runtime/store/pg_lock_keys.h"

namespace voronka::crm {

namespace {

// Advisory locks are keyed (class, object): the class tells Voronka's CRM
// locks from its others (pg_lock_keys.h).
constexpr const char* kLockClass = VORONKA_PG_LOCK_CRM;

std::string sqlText(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

}  // namespace

SharedLock::SharedLock(std::string conninfo, std::string name)
    : conninfo_(std::move(conninfo)), name_(std::move(name)) {}

SharedLock::~SharedLock() { unlock(); }

void SharedLock::connect() {
  if (!conn_) conn_ = std::make_unique<store::pg::Conn>(conninfo_);
  if (conn_->broken()) {
    held_ = false;
    conn_->reconnect();
  }
}

bool SharedLock::tryLock() {
  if (held_ && stillHeld()) return true;
  connect();
  std::string sql = fmt::format("SELECT pg_try_advisory_lock({}, hashtext(current_schema() || ':' || {}))", kLockClass,
                                sqlText(name_));
  held_ = conn_->queryText(sql.c_str(), "taking a lock of the CRM") == "t";
  return held_;
}

void SharedLock::lock() {
  if (held_ && stillHeld()) return;
  connect();
  std::string sql =
      fmt::format("SELECT pg_advisory_lock({}, hashtext(current_schema() || ':' || {}))", kLockClass, sqlText(name_));
  conn_->queryText(sql.c_str(), "waiting for a lock of the CRM");
  held_ = true;
}

void SharedLock::unlock() noexcept {
  if (!held_ || !conn_) return;
  held_ = false;
  if (conn_->broken()) return;  // released with the session already
  std::string sql =
      fmt::format("SELECT pg_advisory_unlock({}, hashtext(current_schema() || ':' || {}))", kLockClass, sqlText(name_));
  PQclear(PQexec(conn_->handle(), sql.c_str()));
}

bool SharedLock::stillHeld() noexcept {
  if (!held_ || !conn_) return false;
  try {
    conn_->queryText("SELECT 1", "checking a lock of the CRM");
  } catch (const std::exception&) {
    held_ = false;
  }
  return held_;
}

DrainLock sharedDrainLock(const std::string& conninfo) {
  auto lock = std::make_shared<SharedLock>(conninfo, "crm.offline");
  return [lock]() -> std::shared_ptr<void> {
    try {
      lock->lock();
    } catch (const std::exception&) {
      return nullptr;  // the database is away: drain without it
    }
    return std::shared_ptr<void>(lock.get(), [lock](void*) { lock->unlock(); });
  };
}

}  // namespace voronka::crm
