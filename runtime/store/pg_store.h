// The PostgreSQL Store (libpq), for `voronka serve --store postgres:CONNINFO`.
//
// Semantics are the SQLite store's (sqlite_store.h), on one connection: a
// Transaction is BEGIN … COMMIT (destroyed without commit(): ROLLBACK);
// inside a batch it is a SAVEPOINT of the batch's transaction, and
// endBatch() commits the batch. Threads: one recursive mutex, held by a
// Transaction from begin() until it is destroyed and by a batch until
// endBatch(), as in the SQLite store.
//
// One server per store, by default: the store holds a session advisory lock on
// its schema for as long as it is open, and a second store opened on the same
// schema is refused. With `sharedWorkers` (`voronka serve --workers shared`)
// the lock is taken in shared mode instead: any number of shared-worker
// stores open one schema together, and none of them opens beside a single
// server. Then the outbox is claimed with FOR UPDATE SKIP LOCKED and an
// effect's delivery result is fenced by its attempt number (a late result of
// an attempt taken over by another worker is ignored and counted), and due
// timers can be scoped to one deal (the deal a worker has claimed). Ids only
// increase; unlike SQLite, a rolled-back insert does not give its id back.
//
// A lost connection (the server restarted) is made again at the next
// begin(), taking the lock again; the transaction that saw it fail fails.
// Errors — cannot connect, not a store, a newer schema, the server refused a
// statement — are thrown as StoreError naming the database, never the password.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/store/store.h"
#include "runtime/store/store_error.h"

namespace voronka::store {

namespace pg {
class Conn;
}

struct PostgresOptions {
  bool sharedWorkers = false;  // many `voronka serve --workers shared` on one schema
  // For tools that only read a store a server may be running (`diff --live`,
  // `replay --store`, `stats`): no lock, no migration (the schema must be
  // this build's), and every transaction is read-only.
  bool readOnly = false;
};

// What a shared-worker store has seen of other workers (for /metrics).
struct SharedOutboxCounters {
  std::atomic<uint64_t> takeovers{0};     // effects claimed whose previous lease ran out without a result
  std::atomic<uint64_t> staleResults{0};  // results of an attempt another worker had taken over: ignored
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
  // beginBatch() whose BEGIN is held back and sent with the batch's first
  // statement (a shared worker's batch: one round trip fewer). A connection
  // the server closed meanwhile shows at that statement, not here.
  void beginBatchWithFirstRead();

  // "PostgreSQL database voronka on /run/postgresql:5432, schema public".
  const std::string& label() const;
  static int schemaVersion();

  // Shared workers only. dueTimers() of this store's transactions returns
  // only the timers of `deal` while it is set (a worker fires the timers of
  // the deal it has claimed, never another's).
  void scopeTimersToDeal(std::optional<std::string> deal);
  // Shared workers, inside an open batch, after claiming `deals`: loads them,
  // their timers and which of `eventIds` were recorded already (a query
  // each); until endBatch() reads of these come from memory and writes
  // (deals, timers, notes, history, events, the outbox) are held back and
  // sent together when a read needs them or with the COMMIT — a batch of
  // deals costs a few round trips instead of a dozen per event. A held-back
  // write that fails fails the batch (nothing of it is kept).
  // `seen`, when given, says which of `eventIds` were recorded (read with them).
  void cacheBatch(const std::vector<std::string>& deals, const std::vector<std::string>& eventIds,
                  const std::vector<bool>* seen = nullptr);
  // The deal's earliest timer (nullopt: none); from memory in a cached batch.
  std::optional<int64_t> earliestTimerOf(const std::string& deal);
  const SharedOutboxCounters& outboxCounters() const;
  // Effects added to the outbox through this store so far (committed or not).
  uint64_t effectsAdded() const;
  // Moves the lease of every effect this store has claimed and not recorded
  // a result for to `until` (a worker calls it every few seconds, so that a
  // short lease runs out only when the worker is gone).
  void extendLeases(int64_t until);
  // The store's connection, for the work queue's statements (pg_work_queue.h);
  // used only by the thread that holds an open batch.
  pg::Conn& connection();

  struct Impl;  // public only so that the transaction class in the .cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace voronka::store
