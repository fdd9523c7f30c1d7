// The durable Store: one SQLite 3 file in WAL mode, for `voronka serve`.
//
// A Transaction is one SQLite transaction (BEGIN IMMEDIATE … COMMIT; destroyed
// without commit(): ROLLBACK). Inside a batch (group commit) it is a SAVEPOINT
// of the batch's transaction instead: commit() releases it, destroying it
// without commit() rolls back to it — a failed event leaves no trace while the
// batch's other events stay — and endBatch() commits them all with one fsync.
//
// Threads. The store has one connection, guarded by a recursive mutex: a
// Transaction holds it from begin() until it is destroyed, and a batch from
// beginBatch() until endBatch(), so any thread may call begin() and nextDue()
// and simply waits while another thread's transaction or batch is open. A
// Transaction must be destroyed, and a batch ended, on the thread that began
// it. One thread cannot open a second transaction while its first is open
// (std::logic_error), as with the memory store.
//
// Errors — the file cannot be opened, is not a store, comes from a newer
// Voronka, the disk is full — are thrown as StoreError (a std::runtime_error)
// whose message names the file. The file format is in sqlite_schema.cpp.
#pragma once

#include <memory>
#include <string>

#include "runtime/store/store.h"
#include "runtime/store/store_error.h"

namespace voronka::store {

// PRAGMA synchronous in WAL mode. Full: every commit is fsynced, nothing
// committed is ever lost. Normal: commits are fsynced at checkpoints only —
// faster; a power cut may lose the last commits, but never corrupts the file.
enum class Synchronous { Full, Normal };

struct SqliteOptions {
  Synchronous synchronous = Synchronous::Full;
  int busyTimeoutMs = 5000;  // how long to wait for another process holding the file's lock
  // Only reads (`voronka diff --live`, `voronka replay --store`): the file must
  // exist and be of this build's schema; nothing is migrated or written, and
  // a server may be writing it at the same time.
  bool readOnly = false;
};

class SqliteStore : public Store {
 public:
  // Opens the store file at `path` — creating the file, not its directory,
  // when missing — and migrates it to this build's schema.
  explicit SqliteStore(const std::string& path, SqliteOptions options = {});
  ~SqliteStore() override;  // a batch still open is rolled back

  std::unique_ptr<Transaction> begin() override;
  std::optional<int64_t> nextDue() override;
  void beginBatch() override;
  void endBatch() override;

  const std::string& path() const;
  // The schema version this build writes (files up to it can be opened).
  static int schemaVersion();

  struct Impl;  // public only so that the transaction class in the .cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace voronka::store
