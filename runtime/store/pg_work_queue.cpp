#include "runtime/store/pg_work_queue.h"

#include <poll.h>

#include <algorithm>
#include <thread>

namespace voronka::store::pg {

// ───────────────────────────── the worker's side ─────────────────────────────

struct WorkQueue::Statements {
  explicit Statements(Conn& c) : db(c) {}
  Conn& db;
  Statement claim{db,
                  "SELECT deal FROM deal_work WHERE next_run_at <= $1 ORDER BY next_run_at LIMIT $2 "
                  "FOR UPDATE SKIP LOCKED",
                  "claiming deals with due work"};
  Statement waiting{db,
                    "SELECT seq, event_id, body, received_at FROM inbox WHERE deal = $1 AND applied_at IS NULL "
                    "ORDER BY seq LIMIT $2",
                    "reading the deal's inbox"};
  Statement waitingOf{db,
                      "SELECT deal, seq, event_id, body, received_at, EXISTS (SELECT 1 FROM events e WHERE "
                      "e.id = w.event_id) FROM (SELECT deal, seq, event_id, body, "
                      "received_at, row_number() OVER (PARTITION BY deal ORDER BY seq) AS n FROM inbox "
                      "WHERE deal = ANY($1::text[]) AND applied_at IS NULL) w "
                      "WHERE n <= $2 ORDER BY deal, seq",
                      "reading the deals' inbox"};
  // Held back and written together (pg::RowGroup), after the store's rows:
  // rescheduling reads the inbox and timers as the batch left them. (The
  // `= ANY` lets the index find the deals: the join alone scans the table.)
  pg::RowGroup applied{db,
                       "UPDATE inbox SET applied_at = u.a, status = u.s, message = u.m FROM unnest($1::int8[], "
                       "$2::int8[], $3::text[], $4::text[]) AS u(q, a, s, m) WHERE inbox.seq = u.q",
                       {RowGroup::Type::Int8, RowGroup::Type::Int8, RowGroup::Type::Text, RowGroup::Type::Text},
                       "recording events' outcomes in the inbox"};
  pg::RowGroup reschedule{db,
                          "UPDATE deal_work SET next_run_at = CASE WHEN EXISTS (SELECT 1 FROM inbox "
                          "WHERE inbox.deal = u.d AND applied_at IS NULL) THEN u.n ELSE (SELECT min(due) FROM "
                          "timers WHERE timers.deal = u.d) END FROM unnest($1::text[], $2::int8[]) AS u(d, n) "
                          "WHERE deal_work.deal = u.d AND deal_work.deal = ANY($1::text[])",
                          {RowGroup::Type::Text, RowGroup::Type::Int8},
                          "rescheduling deals' work",
                          0};
  // A deal left with nothing to do (-1) loses its row rather than getting a
  // NULL: a delete only marks the row, where the update wrote a new row
  // version and a new index entry (a fired timer's costliest write after its
  // event row). An intake or a new timer adds the row again (ON CONFLICT).
  pg::RowGroup rescheduleAt{db,
                            "WITH u AS MATERIALIZED (SELECT d, n FROM unnest($1::text[], $2::int8[]) AS u(d, n)), "
                            "idle AS (DELETE FROM deal_work WHERE deal = ANY(ARRAY(SELECT d FROM u WHERE n = -1))) "
                            "UPDATE deal_work SET next_run_at = u.n FROM u WHERE deal_work.deal = u.d AND u.n <> -1 "
                            "AND deal_work.deal = ANY(ARRAY(SELECT d FROM u WHERE n <> -1))",
                            {RowGroup::Type::Text, RowGroup::Type::Int8},
                            "rescheduling deals' work",
                            0};
  Statement forget{db,
                   "DELETE FROM inbox WHERE seq IN (SELECT seq FROM inbox WHERE applied_at < $1 "
                   "ORDER BY applied_at LIMIT $2)",
                   "forgetting applied events"};
};

WorkQueue::WorkQueue(Conn& conn) : st_(std::make_unique<Statements>(conn)) {}
WorkQueue::~WorkQueue() = default;

std::vector<std::string> WorkQueue::claim(int64_t now, size_t limit) {
  std::vector<std::string> deals;
  Query q(st_->claim);
  q.bind(now).bindLimit(limit);
  while (q.step()) deals.push_back(q.text(0));
  return deals;
}

std::vector<WorkQueue::Waiting> WorkQueue::waiting(const std::string& deal, size_t limit) {
  std::vector<Waiting> out;
  Query q(st_->waiting);
  q.bind(deal).bindLimit(limit);
  while (q.step()) out.push_back({q.i64(0), q.text(1), q.text(2), q.i64(3)});
  return out;
}

std::map<std::string, std::vector<WorkQueue::Waiting>> WorkQueue::waitingOf(const std::vector<std::string>& deals,
                                                                            size_t limit) {
  std::map<std::string, std::vector<Waiting>> out;
  if (deals.empty()) return out;
  Query q(st_->waitingOf);
  q.bindTexts(deals).bindLimit(limit);
  while (q.step()) out[q.text(0)].push_back({q.i64(1), q.text(2), q.text(3), q.i64(4), q.i64(5) != 0});
  return out;
}

void WorkQueue::markApplied(int64_t seq, int64_t now, const std::string& status, const std::string& message) {
  st_->applied.hold().bind(seq).bind(now).bind(status).bind(message).done();
}

void WorkQueue::rescheduleAt(const std::string& deal, std::optional<int64_t> next) {
  st_->rescheduleAt.hold().bind(deal).bind(next.value_or(-1)).done();  // -1: NULL, nothing due
}

void WorkQueue::reschedule(const std::string& deal, int64_t now) { st_->reschedule.hold().bind(deal).bind(now).done(); }

int64_t WorkQueue::forgetApplied(int64_t before, size_t limit) {
  Query q(st_->forget);
  q.bind(before).bindLimit(limit).run();
  return q.changes();
}

// ───────────────────────────── the intake's side ─────────────────────────────

struct Inbox::Statements {
  Statements(Conn& w, Conn& r) : db(w), reader(r) {}
  Conn& db;
  Conn& reader;
  // Locks the deal's row (waiting for a worker that holds it) and makes its
  // work due now.
  Statement lockDeal{db,
                     "INSERT INTO deal_work (deal, next_run_at) VALUES ($1, $2) ON CONFLICT (deal) DO UPDATE "
                     "SET next_run_at = excluded.next_run_at "
                     "WHERE deal_work.next_run_at IS NULL OR deal_work.next_run_at > excluded.next_run_at",
                     "queueing work for a deal"};
  Statement add{db,
                "INSERT INTO inbox (event_id, deal, body, received_at) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (event_id) DO NOTHING",
                "adding an event to the inbox"};
  Statement rememberKey{db, "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                        "remembering an Idempotency-Key"};
  Statement keyBody{db, "SELECT value FROM meta WHERE key = $1", "reading an Idempotency-Key"};
  Statement outcome{reader, "SELECT applied_at IS NOT NULL, status, message FROM inbox WHERE event_id = $1",
                    "reading an event's outcome"};
  Statement applied{reader, "SELECT outcome FROM events WHERE id = $1", "reading an event's outcome"};
};

Inbox::Inbox(const std::string& conninfo)
    : writer_(conninfo),
      reader_(conninfo),
      st_(std::make_unique<Statements>(writer_, reader_)),
      notify_(notifySql(storeSchema(writer_))) {}
Inbox::~Inbox() = default;

void Inbox::reconnectIfBroken(Conn& conn) {
  if (conn.broken()) conn.reconnect();
}

std::vector<Inbox::Added> Inbox::add(const std::vector<Item>& items, int64_t now, bool notify) {
  reconnectIfBroken(writer_);
  std::vector<std::string> deals;
  for (const Item& item : items) deals.push_back(item.deal);
  std::sort(deals.begin(), deals.end());
  deals.erase(std::unique(deals.begin(), deals.end()), deals.end());
  std::vector<Added> added;
  try {
    writer_.exec("BEGIN", "starting the intake's transaction");
    // Sorted: two intakes lock their deals in the same order and never deadlock.
    for (const std::string& deal : deals) Query(st_->lockDeal).bind(deal).bind(now).run();
    for (const Item& item : items) {
      if (!item.keyName.empty()) {
        Query remember(st_->rememberKey);
        remember.bind(item.keyName).bind(item.keyHash).run();
        if (remember.changes() == 0) {
          Query first(st_->keyBody);
          first.bind(item.keyName);
          if (first.step() && first.text(0) != item.keyHash) {
            added.push_back(Added::KeyConflict);
            continue;
          }
        }
      }
      Query q(st_->add);
      q.bind(item.eventId).bind(item.deal).bind(item.body).bind(now).run();
      added.push_back(q.changes() == 0 ? Added::Duplicate : Added::Queued);
    }
    if (notify) writer_.exec(notify_.c_str(), "waking the store's workers");
    writer_.exec("COMMIT", "committing the intake");
  } catch (...) {
    if (!writer_.broken()) PQclear(PQexec(writer_.handle(), "ROLLBACK"));
    throw;
  }
  return added;
}

std::optional<Inbox::Outcome> Inbox::outcome(const std::string& eventId) {
  std::lock_guard lock(readerMutex_);
  reconnectIfBroken(reader_);
  Query q(st_->outcome);
  q.bind(eventId);
  if (q.step()) {
    if (q.i64(0) == 0) return std::nullopt;  // waiting for a worker
    return Outcome{q.text(1), q.text(2)};
  }
  // Forgotten from the inbox after an hour: the event log still has it.
  Query e(st_->applied);
  e.bind(eventId);
  if (e.step()) return Outcome{"duplicate", e.text(0)};
  return std::nullopt;
}

int64_t inboxWaiting(Conn& conn) {
  return std::stoll(conn.queryText("SELECT count(*) FROM inbox WHERE applied_at IS NULL", "counting the inbox"));
}

// ───────────────────────────── wake-ups ─────────────────────────────

WakeListener::WakeListener(const std::string& conninfo, Channel channel) : conninfo_(conninfo), channel_(channel) {}
WakeListener::~WakeListener() = default;

bool WakeListener::wait(int millis) {
  try {
    if (!conn_ || conn_->broken()) {
      conn_.reset();
      conn_ = std::make_unique<Conn>(conninfo_);
      conn_->exec(listenSql(storeSchema(*conn_), channel_).c_str(), "listening on the store's channel");
    }
  } catch (const StoreError&) {
    conn_.reset();  // the database is away: the poll is the backstop
    std::this_thread::sleep_for(std::chrono::milliseconds(millis));
    return false;
  }
  PGconn* c = conn_->handle();
  bool woken = false;
  auto drain = [&] {
    if (PQconsumeInput(c) == 0) return;
    while (PGnotify* n = PQnotifies(c)) {
      woken = true;
      PQfreemem(n);
    }
  };
  drain();
  if (woken) return true;
  pollfd fd{PQsocket(c), POLLIN, 0};
  if (fd.fd >= 0 && ::poll(&fd, 1, millis) > 0) drain();
  return woken;
}

}  // namespace voronka::store::pg
