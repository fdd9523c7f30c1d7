// The shared workers' queue on the PostgreSQL store (schema version 2,
// pg_schema.cpp): the inbox the HTTP intake writes, the deals with due work
// that workers claim, and the wake-up hint between them.
//
//   intake:  BEGIN; lock the deals' deal_work rows (sorted, so two intakes
//            never deadlock); insert the inbox rows; NOTIFY; COMMIT; answer.
//   worker:  BEGIN; SELECT … FROM deal_work WHERE next_run_at <= now
//            ORDER BY next_run_at LIMIT n FOR UPDATE SKIP LOCKED; apply each
//            deal's inbox rows in order and fire its due timers; recompute its
//            next_run_at (or delete its row: nothing left to do); COMMIT.
//
// The open transaction is the lease: a killed worker's connection ends, its
// transaction rolls back and its deals are claimed by the next worker that
// looks. An intake for a deal that a worker holds waits for that worker's
// commit (the deal_work row lock), so the inbox order of one deal is the
// order its events were acknowledged in, and no worker ever sees a later
// event of a deal before an earlier one has committed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/store/pg_db.h"
#include "runtime/store/pg_wake_channel.h"

namespace voronka::store::pg {

// The worker's side, on the worker store's connection inside its open batch.
class WorkQueue {
 public:
  explicit WorkQueue(Conn& conn);
  ~WorkQueue();

  // Deals with work due at `now`, locked for this transaction; deals other
  // workers hold are skipped.
  std::vector<std::string> claim(int64_t now, size_t limit);

  struct Waiting {
    int64_t seq = 0;
    std::string eventId;
    std::string body;  // the event as the intake took it (wire JSON)
    int64_t receivedAt = 0;
    bool recorded = false;  // in the event log already (waitingOf only)
  };
  // The deal's events not applied yet, in the order they were acknowledged.
  std::vector<Waiting> waiting(const std::string& deal, size_t limit);
  // The same for several deals in one query: at most `limit` per deal.
  std::map<std::string, std::vector<Waiting>> waitingOf(const std::vector<std::string>& deals, size_t limit);
  // These two are held back (pg::RowGroup): written with the batch's next read or its COMMIT.
  void markApplied(int64_t seq, int64_t now, const std::string& status, const std::string& message);
  // Sets the deal's next_run_at from what is left: now when events wait,
  // else its earliest timer, else nothing.
  void reschedule(const std::string& deal, int64_t now);
  // Sets it to what the worker knows is next, without looking: the batch
  // holds the deal, so no event can have come meanwhile. nullopt (nothing
  // to do) deletes the deal's row: a deal_work row means work, now or later.
  void rescheduleAt(const std::string& deal, std::optional<int64_t> next);
  // Forgets outcomes of events applied before `before` (at most `limit`).
  int64_t forgetApplied(int64_t before, size_t limit);

 private:
  struct Statements;
  std::unique_ptr<Statements> st_;
};

// The intake's side: its own connection, used by one thread at a time.
class Inbox {
 public:
  explicit Inbox(const std::string& conninfo);
  ~Inbox();

  struct Item {
    std::string eventId;
    std::string deal;
    std::string body;
    // An Idempotency-Key's scoped name and body hash (server/idempotency.h):
    // the key is remembered with its first body; another body is a conflict.
    std::string keyName, keyHash;
  };
  enum class Added { Queued, Duplicate, KeyConflict };
  // One transaction for all of them; throws StoreError when it could not
  // commit (then nothing was kept). `notify`: wake the workers (NOTIFY).
  std::vector<Added> add(const std::vector<Item>& items, int64_t now, bool notify);

  struct Outcome {
    std::string status;  // engine::statusName
    std::string message;
  };
  // The outcome of an event a worker applied; nullopt while it waits.
  std::optional<Outcome> outcome(const std::string& eventId);

 private:
  void reconnectIfBroken(Conn& conn);
  struct Statements;
  Conn writer_;
  Conn reader_;
  std::mutex readerMutex_;
  std::unique_ptr<Statements> st_;
  std::string notify_;  // NOTIFY on the store's channel (pg_wake_channel.h)
};

// LISTEN for the intake's NOTIFY on the store's channel (pg_wake_channel.h:
// one per schema, so tenants in schemas of one database do not wake each
// other's workers) on a connection of its own.
class WakeListener {
 public:
  // Channel::Applied: the workers' word that events were applied (the intake's wait).
  explicit WakeListener(const std::string& conninfo, Channel channel = Channel::Work);
  ~WakeListener();
  // Waits until a notification comes or `millis` pass; true when woken.
  // A broken connection is made again (the poll is the backstop meanwhile).
  bool wait(int millis);

 private:
  std::string conninfo_;
  Channel channel_;
  std::unique_ptr<Conn> conn_;
};

// Events shared workers acknowledged that no worker has applied yet.
int64_t inboxWaiting(Conn& conn);

}  // namespace voronka::store::pg
