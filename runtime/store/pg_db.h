// Thin RAII over libpq for the PostgreSQL store: one connection, statements
// prepared on the server once per connection, and one execution of a
// statement at a time. Every value travels in binary form (parameters and
// results), so texts and blobs need no escaping and integers no parsing.
// Every failure throws StoreError naming the database.
//
// Writes whose result nobody reads can be held back (Query::defer) and sent
// together, in libpq's pipeline mode, by flush(): one round trip for many
// statements. Every other use of the connection flushes first, so statements
// still run in the order they were made; a held-back write that fails makes
// the flush (and so the next read, or the COMMIT) throw.
#pragma once

#include <libpq-fe.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/store_error.h"

namespace voronka::store::pg {

// `conninfo` without its password, for messages: "host=/tmp dbname=x".
std::string describeConninfo(const std::string& conninfo);

// A JSON array of texts, for `id IN (SELECT jsonb_array_elements_text($1::jsonb))`.
std::string jsonTextArray(const std::vector<std::string>& texts);

class Statement;

class Conn {
 public:
  // Connects (libpq key=value string or postgresql:// URI); throws StoreError
  // naming the database, never the password.
  explicit Conn(const std::string& conninfo);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  PGconn* handle() const { return conn_; }
  // "database voronka on /tmp/x:5432 (schema tenant1)" — for messages.
  const std::string& label() const { return label_; }
  void setSchema(const std::string& schema);

  // Runs SQL without parameters (several statements allowed, text results).
  void exec(const char* sql, const char* what);
  // One row, one column, as text (empty for NULL).
  std::string queryText(const char* sql, const char* what);

  // The connection broke (the server went away): reconnect() before use.
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  // Reconnects; statements are prepared again on their next use.
  void reconnect();
  uint64_t generation() const { return generation_; }

  [[noreturn]] void fail(const char* what, const PGresult* result = nullptr) const;
  bool inTransaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

  // Holds back SQL without parameters (SAVEPOINT, RELEASE …) until flush().
  void defer(const char* sql, const char* what);
  // Sends every held-back statement in one round trip; throws StoreError
  // naming the first that failed (then the transaction is aborted).
  void flush();
  // Forgets the held-back statements (their transaction is rolled back).
  void discardPending() noexcept { pending_.clear(); }
  size_t pending() const { return pending_.size(); }
  // Flushes so far (sent or failed): a caller that saw the same number twice
  // knows that nothing it held back in between has reached the server.
  uint64_t flushes() const { return flushes_; }
  // Drops held-back statements from `index` on, or the one at `index`;
  // only while flushes() has not moved since they were held back.
  void dropPendingFrom(size_t index) { pending_.resize(std::min(index, pending_.size())); }
  void dropPendingAt(size_t index) {
    if (index < pending_.size()) pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(index));
  }

 private:
  friend class Query;
  struct Pending {
    Statement* statement = nullptr;  // null: `sql` without parameters
    const char* sql = nullptr;
    const char* what = nullptr;
    std::vector<Oid> types;
    std::vector<std::string> values;
  };
  // Held-back statements are sent once this many wait: their results stay
  // far below what the socket buffers hold, so sending never blocks on them.
  static constexpr size_t kMaxPending = 200;

  PGconn* conn_ = nullptr;
  std::vector<Pending> pending_;
  uint64_t flushes_ = 0;
  std::string label_;
  uint64_t generation_ = 1;  // bumped by reconnect(): prepared statements are gone
};

// A statement with a fixed name, prepared on first use on each connection
// with the parameter types of that first use.
class Statement {
 public:
  Statement(Conn& conn, const char* sql, const char* what);
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

 private:
  friend class Query;
  friend class Conn;
  Conn& conn_;
  std::string name_;
  const char* sql_;
  const char* what_;
  uint64_t preparedOn_ = 0;  // the connection generation it is prepared on
};

// One execution: bind parameters in order, then step() through the rows (the
// first step runs it) or run() it; read columns of the current row.
class Query {
 public:
  explicit Query(Statement& s) : s_(s) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(int64_t v);
  Query& bind(int32_t v) { return bind(static_cast<int64_t>(v)); }
  Query& bind(uint64_t v) { return bind(static_cast<int64_t>(v)); }  // kept bit for bit
  Query& bind(bool v) { return bind(static_cast<int64_t>(v)); }
  Query& bind(std::string_view text) { return add(kText, text); }
  Query& bind(const char* text) { return add(kText, text); }
  Query& bindBlob(std::string_view bytes) { return add(kBytea, bytes); }
  Query& bindLimit(size_t limit) { return bind(static_cast<int64_t>(limit > INT64_MAX ? INT64_MAX : limit)); }

  bool step();
  void run();
  // Holds the statement back until the connection's next flush() (its
  // result is never read: no changes(), no rows).
  void defer();
  int64_t changes() const;  // rows the statement inserted, updated or deleted

  bool isNull(int col) const { return PQgetisnull(result_.get(), row_, col) != 0; }
  int64_t i64(int col) const;
  int32_t i32(int col) const { return static_cast<int32_t>(i64(col)); }
  uint64_t u64(int col) const { return static_cast<uint64_t>(i64(col)); }
  std::string text(int col) const { return std::string(bytes(col)); }
  std::string_view blob(int col) const { return bytes(col); }

 private:
  static constexpr Oid kInt8 = 20, kText = 25, kBytea = 17;
  Query& add(Oid type, std::string_view bytes);
  std::string_view bytes(int col) const;
  void execute();

  Statement& s_;
  std::vector<Oid> types_;
  std::vector<std::string> values_;
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_{nullptr, PQclear};
  int row_ = -1;
};

}  // namespace voronka::store::pg
