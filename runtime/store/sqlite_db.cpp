#include "runtime/store/sqlite_db.h"

namespace voronka::store::sqlite {

namespace {

std::string describe(sqlite3* db, int code) {
  std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  if ((code & 0xff) == SQLITE_NOTADB) message += " (the file is not an SQLite database)";
  if ((code & 0xff) == SQLITE_FULL) message += " (the disk is full)";
  return message;
}

}  // namespace

Db::Db(const std::string& path, bool readOnly) : path_(path) {
  // NOMUTEX: the store serializes every use of the connection itself.
  int flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX |
              SQLITE_OPEN_EXRESCODE;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = "cannot open the store " + path + ": " + describe(db_, rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError(message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Db::~Db() { sqlite3_close(db_); }

void Db::fail(const char* what, int code) {
  lastError_ = code & 0xff;
  throw StoreError("store " + path_ + ": " + what + ": " + describe(db_, code));
}

void Db::exec(const char* sql, const char* what) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(what, rc);
}

std::string Db::queryText(const char* sql, const char* what) {
  Statement s(*this, sql, what);
  Query q(s);
  if (!q.step()) throw StoreError("store " + path_ + ": " + what + ": no result");
  return q.text(0);
}

int64_t Db::queryInt(const char* sql, const char* what) {
  Statement s(*this, sql, what);
  Query q(s);
  if (!q.step()) throw StoreError("store " + path_ + ": " + what + ": no result");
  return q.i64(0);
}

Statement::Statement(Db& db, const char* sql, const char* what) : db_(db), what_(what) {
  int rc = sqlite3_prepare_v3(db.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) db.fail(what, rc);
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

}  // namespace voronka::store::sqlite
