// The PostgreSQL Store (libpq), for `voronka serve --store postgres:CONNINFO`.
//
// Semantics are the SQLite store's (sqlite_store.h), on one connection: a
// Transaction is BEGIN … COMMIT (destroyed without commit(): ROLLBACK);
// inside a batch it is a SAVEPOINT of the batch's transaction, and
// endBatch() commits the batch. Threads: one recursive mutex, held by a
// Transaction from begin() until it is destroyed and by a batch until
// endBatch(), as in the SQLite store.
//
// One server per store, for now: the store holds a session advisory lock on
// its schema for as long as it is open, and a second store opened on the same
// schema is refused (many workers on one database are future work). Ids only
// increase; unlike SQLite, a rolled-back insert does not give its id back.
//
// A lost connection (the server restarted) is made again at the next
// begin(), taking the lock again; the transaction that saw it fail fails.
// Errors — cannot connect, not a store, a newer schema, the server refused a
// statement — are thrown as StoreError naming the database, never the password.
#pragma once

#include <memory>
#include <string>

#include "runtime/store/store.h"
#include "runtime/store/store_error.h"

namespace voronka::store {

struct PostgresOptions {
  // For tools that only read a store a server may be running (`diff --live`,
  // `replay --store`, `stats`): no lock, no migration (the schema must be
  // this build's), and every transaction is read-only.
  bool readOnly = false;
};

class PostgresStore : public Store {
 public:
  // `conninfo`: libpq's key=value pairs or a postgresql:// URI. Connects,
  // takes the store's lock and migrates the schema to this build's.
  explicit PostgresStore(const std::string& conninfo, PostgresOptions options = {});
  ~PostgresStore() override;  // a batch still open is rolled back

  std::unique_ptr<Transaction> begin() override;
  std::optional<int64_t> nextDue() override;
  void beginBatch() override;
  void endBatch() override;

  // "PostgreSQL database voronka on /run/postgresql:5432, schema public".
  const std::string& label() const;
  static int schemaVersion();

  struct Impl;  // public only so that the transaction class in the .cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace voronka::store
