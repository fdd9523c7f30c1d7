// Thin RAII over the SQLite C API for the SQLite store: a connection, its
// prepared statements (prepared once, reused for every call) and one use of
// a statement at a time. Every failure throws StoreError naming the file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/store/store_error.h"

namespace voronka::store::sqlite {

class Db {
 public:
  // Opens (creating if needed) the file read-write, or only reads an existing
  // file; throws StoreError.
  explicit Db(const std::string& path, bool readOnly = false);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

  // Runs SQL without results (several statements allowed); throws StoreError
  // with `what` (what the store was doing) and SQLite's message.
  void exec(const char* sql, const char* what);
  // Runs a one-row, one-column query and returns its value as text.
  std::string queryText(const char* sql, const char* what);
  int64_t queryInt(const char* sql, const char* what);

  [[noreturn]] void fail(const char* what, int code);
  int lastError() const { return lastError_; }  // the primary code of the last failure

 private:
  sqlite3* db_ = nullptr;
  int lastError_ = SQLITE_OK;
  std::string path_;
};

// A statement prepared once for the life of the connection.
class Statement {
 public:
  Statement(Db& db, const char* sql, const char* what);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

 private:
  friend class Query;
  Db& db_;
  sqlite3_stmt* stmt_ = nullptr;
  const char* what_;
};

// One execution of a prepared statement: bind parameters in order, step, read
// columns; the statement is reset when the Query goes out of scope. Text and
// blobs are bound without copying: they must outlive the Query.
class Query {
 public:
  explicit Query(Statement& s) : s_(s) {}
  ~Query() {
    sqlite3_reset(s_.stmt_);
    sqlite3_clear_bindings(s_.stmt_);
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(int64_t v) {
    check(sqlite3_bind_int64(s_.stmt_, ++param_, v));
    return *this;
  }
  Query& bind(int32_t v) { return bind(static_cast<int64_t>(v)); }
  Query& bind(uint64_t v) { return bind(static_cast<int64_t>(v)); }  // kept bit for bit
  Query& bind(bool v) { return bind(static_cast<int64_t>(v)); }
  Query& bind(double v) {
    check(sqlite3_bind_double(s_.stmt_, ++param_, v));
    return *this;
  }
  Query& bind(std::string_view text) {
    check(sqlite3_bind_text(s_.stmt_, ++param_, text.data(), static_cast<int>(text.size()), SQLITE_STATIC));
    return *this;
  }
  Query& bindBlob(std::string_view bytes) {
    check(sqlite3_bind_blob(s_.stmt_, ++param_, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC));
    return *this;
  }
  Query& bindLimit(size_t limit) { return bind(static_cast<int64_t>(limit > INT64_MAX ? INT64_MAX : limit)); }

  // True when a row is there to read; false when the statement is done.
  bool step() {
    int rc = sqlite3_step(s_.stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    s_.db_.fail(s_.what_, rc);
  }
  void run() {
    while (step()) {}
  }
  int changes() const { return sqlite3_changes(s_.db_.handle()); }

  bool isNull(int col) const { return sqlite3_column_type(s_.stmt_, col) == SQLITE_NULL; }
  int64_t i64(int col) const { return sqlite3_column_int64(s_.stmt_, col); }
  int32_t i32(int col) const { return static_cast<int32_t>(sqlite3_column_int64(s_.stmt_, col)); }
  uint64_t u64(int col) const { return static_cast<uint64_t>(sqlite3_column_int64(s_.stmt_, col)); }
  std::string text(int col) const {
    const unsigned char* p = sqlite3_column_text(s_.stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_.stmt_, col)))
             : std::string();
  }
  std::string_view blob(int col) const {
    const void* p = sqlite3_column_blob(s_.stmt_, col);
    return p ? std::string_view(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_.stmt_, col)))
             : std::string_view();
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) s_.db_.fail(s_.what_, rc);
  }
  Statement& s_;
  int param_ = 0;
};

}  // namespace voronka::store::sqlite
