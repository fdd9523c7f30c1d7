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
//
// Rows of one insert or update can be held back further (RowGroup::hold) and
// written by one statement taking an array per column, just before anything
// else is held back or sent: a batch's notes, say, become one INSERT.
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

class Statement;
class RowGroup;

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
  void discardPending() noexcept;
  // Forgets the rows held in row groups (their transaction is rolled back).
  void dropHeldRows() noexcept;
  size_t pending() const { return pending_.size(); }

  // A savepoint owed rather than sent: it is held back only once something
  // of its transaction must be (a statement held back, a read, a flush),
  // after the rows held before it began and before the rows held since. A
  // transaction that only held rows and reads nothing from the server costs
  // no SAVEPOINT: its rows simply join the others, or are dropped.
  void owe(const char* savepoint, const char* what);
  // Ends the owed savepoint's transaction. Kept: its rows stay held with the
  // others. Rolled back: its rows are dropped. True when the savepoint was
  // held back after all: then the caller holds back RELEASE or ROLLBACK TO.
  bool settle(bool keep) noexcept;

 private:
  friend class Query;
  friend class RowGroup;
  // Turns the rows held in row groups into held-back statements (in the
  // order the groups were made); done before anything else is held or sent.
  void emitRows();
  struct Pending;
  // Sends `work` in one round trip (pipeline mode); with keepLast, returns
  // the last statement's result (which succeeded), else nullptr.
  PGresult* sendTogether(std::vector<Pending>& work, bool keepLast);
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
  std::vector<RowGroup*> groups_;
  bool emitting_ = false;
  const char* owed_ = nullptr;  // the savepoint owed (owe()), not held back yet
  const char* owedWhat_ = nullptr;
  bool owedHeld_ = false;  // the savepoint owed has been held back
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
  // A one-dimensional array without NULLs, in PostgreSQL's binary form.
  Query& bindArray(Oid arrayType, std::string bytes) { return add(arrayType, bytes); }
  // A text[] (for `= ANY($1)`, which an index answers).
  Query& bindTexts(const std::vector<std::string>& texts);

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

// Rows held back for one statement that takes one array per column: `sql`
// reads them as unnest($1::TYPE[], $2::TYPE[], …). Rows are written in the
// order they were held; with a key column, only the last row held per key is.
class RowGroup {
 public:
  enum class Type { Int8, Text, Bytea };
  RowGroup(Conn& conn, const char* sql, std::vector<Type> columns, const char* what, int keyColumn = -1);
  ~RowGroup();
  RowGroup(const RowGroup&) = delete;
  RowGroup& operator=(const RowGroup&) = delete;

  // One row: exactly one value per column, in order, then done().
  class Row {
   public:
    Row& bind(int64_t v);
    Row& bind(int32_t v) { return bind(static_cast<int64_t>(v)); }
    Row& bind(uint64_t v) { return bind(static_cast<int64_t>(v)); }
    Row& bind(bool v) { return bind(static_cast<int64_t>(v)); }
    Row& bind(std::string_view bytes);
    Row& bind(const char* text) { return bind(std::string_view(text)); }
    void done();

   private:
    friend class RowGroup;
    explicit Row(RowGroup& g) : g_(g) {}
    RowGroup& g_;
    std::vector<std::string> values_;
  };
  Row hold() { return Row(*this); }
  bool empty() const { return rows_.empty(); }

 private:
  friend class Conn;
  // One held-back statement for these rows.
  void emit(std::vector<std::vector<std::string>> rows);
  Conn& conn_;
  Statement statement_;
  std::vector<Type> columns_;
  int keyColumn_;
  std::vector<std::vector<std::string>> rows_;
  size_t owedFrom_ = 0;  // rows from here on belong to the transaction whose savepoint is owed
};

}  // namespace voronka::store::pg
