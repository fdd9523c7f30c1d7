#include "runtime/store/pg_store.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "runtime/store/deal_blob.h"
#include "runtime/store/pg_db.h"
#include "runtime/store/pg_lock_keys.h"
#include "runtime/store/pg_schema.h"
#include "runtime/store/sql_transaction.h"

namespace voronka::store {

using pg::Query;
using pg::Statement;
using sql::readDeployment;
using sql::readEffect;
using sql::readEvent;
using sql::readTask;
using sql::readTimer;

namespace {

// The store's lock: (key, hash of the schema) — one server per schema.
constexpr const char* kTakeLock = "SELECT pg_try_advisory_lock(" VORONKA_PG_LOCK_STORE ", hashtext(current_schema()))";
// Shared workers hold the same lock in shared mode: they open together, and
// never beside a single server.
constexpr const char* kTakeSharedLock =
    "SELECT pg_try_advisory_lock_shared(" VORONKA_PG_LOCK_STORE ", hashtext(current_schema()))";
// A shared worker's session: a stuck transaction (a process stopped, not
// killed) gives its deals back after 30 s; over TCP a dead peer is noticed
// within about 10 s (ignored on unix sockets). Every statement a worker runs
// finds its rows by key (a batch's deals = ANY($1), one deal's rows): no
// sequential scans, which the planner would otherwise pick for queue tables
// whose statistics still say they are small (they grow from empty between
// autovacuum's analyses) and which then cost the whole table per batch.
constexpr const char* kSharedSession =
    "SET idle_in_transaction_session_timeout = '30s'; SET tcp_keepalives_idle = 5; "
    "SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3; SET enable_seqscan = off";

#define DEAL_COLUMNS                                                                                    \
  "id, pipeline, stage, epoch, entered_at, created_at, name, fields, tags, responsible, contact_name, " \
  "contact_email, contact_phone, company_name, visits, lost_reason, error, child_deals, version, "      \
  "previous_pipeline, previous_stage, module_version"
// Saving a deal overwrites every column but id (the statement of one deal and
// the shared workers' row group of many).
#define DEAL_UPSERT                                                                                      \
  " ON CONFLICT (id) DO UPDATE SET pipeline = excluded.pipeline, stage = excluded.stage, "               \
  "epoch = excluded.epoch, entered_at = excluded.entered_at, created_at = excluded.created_at, "         \
  "name = excluded.name, fields = excluded.fields, tags = excluded.tags, "                               \
  "responsible = excluded.responsible, contact_name = excluded.contact_name, "                           \
  "contact_email = excluded.contact_email, contact_phone = excluded.contact_phone, "                     \
  "company_name = excluded.company_name, visits = excluded.visits, lost_reason = excluded.lost_reason, " \
  "error = excluded.error, child_deals = excluded.child_deals, version = excluded.version, "             \
  "previous_pipeline = excluded.previous_pipeline, previous_stage = excluded.previous_stage, "           \
  "module_version = excluded.module_version"
#define TASK_COLUMNS "deal, type, text, due, responsible, done, created_at, completed_at, comment, epoch"
#define TIMER_COLUMNS \
  "deal, due, kind, rule, action, epoch, event, payload, unless_event, unless_arg, task, scheduled_at, cause"
// Effect `e` (due) is its deal's head for the shared workers' relay: no
// earlier pending effect of the deal is in the way (one untried that waits
// for its notBefore is not), and no effect of the deal is leased now.
#define DEAL_HEAD                                                                                        \
  "NOT EXISTS (SELECT 1 FROM effects p WHERE p.deal = e.deal AND p.status = 'pending' AND p.id <> e.id " \
  "AND ((p.id < e.id AND (p.attempts > 0 OR p.not_before <= $1)) OR (p.leased AND p.next_attempt_at > $1)))"
#define EFFECT_COLUMNS \
  "deal, kind, key, payload, created_at, not_before, status, attempts, next_attempt_at, delivered_at, last_error"
#define HISTORY_COLUMNS "deal, from_pipeline, from_stage, to_pipeline, to_stage, at, cause, how"
#define EVENT_COLUMNS "id, deal, type, at, outcome, module_version, body, seq"
#define DEPLOYMENT_COLUMNS "started_at, finished_at, \"by\", from_version, to_version, plan, status, result"

// Every statement the store runs, prepared on the server at its first use.
struct Statements {
  explicit Statements(pg::Conn& c) : db(c) {}
  pg::Conn& db;

  Statement deal{db, "SELECT " DEAL_COLUMNS " FROM deals WHERE id = $1", "reading a deal"};
  Statement putDeal{
      db,
      "INSERT INTO deals (" DEAL_COLUMNS
      ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22) " DEAL_UPSERT,
      "saving a deal"};
  Statement dealIds{db, "SELECT id FROM deals ORDER BY seq", "listing deals"};
  Statement allDeals{db, "SELECT " DEAL_COLUMNS " FROM deals ORDER BY seq", "reading every deal"};
  Statement dealsOfUser{db,
                        "SELECT pipeline, stage, count(*) FROM deals WHERE responsible = $1 GROUP BY pipeline, stage",
                        "counting a user's deals"};

  Statement addTask{db, "INSERT INTO tasks (" TASK_COLUMNS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
                    "adding a task"};
  Statement putTask{db,
                    "UPDATE tasks SET type = $1, text = $2, due = $3, responsible = $4, done = $5, created_at = $6, "
                    "completed_at = $7, comment = $8, epoch = $9 WHERE id = $10",
                    "saving a task"};
  Statement tasksOf{db, "SELECT id, " TASK_COLUMNS " FROM tasks WHERE deal = $1 ORDER BY id", "reading tasks"};
  Statement openTasksDueBefore{
      db, "SELECT id, " TASK_COLUMNS " FROM tasks WHERE done = 0 AND due <> 0 AND due < $1 ORDER BY id",
      "reading overdue tasks"};

  Statement addTimer{
      db, "INSERT INTO timers (" TIMER_COLUMNS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING id",
      "adding a timer"};
  Statement putTimer{db,
                     "UPDATE timers SET due = $1, kind = $2, rule = $3, action = $4, epoch = $5, event = $6, "
                     "payload = $7, unless_event = $8, unless_arg = $9, task = $10, scheduled_at = $11, cause = $12 "
                     "WHERE id = $13",
                     "saving a timer"};
  Statement removeTimer{db, "DELETE FROM timers WHERE id = $1", "removing a timer"};
  Statement timersOf{db, "SELECT id, " TIMER_COLUMNS " FROM timers WHERE deal = $1 ORDER BY id", "reading timers"};
  Statement dueTimers{db, "SELECT id, " TIMER_COLUMNS " FROM timers WHERE due <= $1 ORDER BY due, id LIMIT $2",
                      "reading due timers"};
  Statement nextDue{db, "SELECT min(due) FROM timers", "reading the next due timer"};
  Statement earliestTimerOf{db, "SELECT min(due) FROM timers WHERE deal = $1", "reading the deal's next timer"};

  Statement addEffect{db, "INSERT INTO effects (" EFFECT_COLUMNS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
                      "adding to the outbox"};
  Statement effectsOf{db, "SELECT id, " EFFECT_COLUMNS " FROM effects WHERE deal = $1 ORDER BY id",
                      "reading the outbox"};
  // A deal's effects in outbox order (store.h): none while an earlier one
  // was tried and is not due again (being delivered, or waiting to retry).
  Statement dueEffects{db,
                       "SELECT id, " EFFECT_COLUMNS
                       " FROM effects e WHERE status = 'pending' AND not_before <= $1 "
                       "AND next_attempt_at <= $1 AND NOT EXISTS (SELECT 1 FROM effects p WHERE p.deal = e.deal "
                       "AND p.status = 'pending' AND p.id < e.id AND p.attempts > 0 AND p.next_attempt_at > $1) "
                       "ORDER BY id LIMIT $2",
                       "reading due effects"};
  Statement putEffect{db,
                      "UPDATE effects SET status = $1, attempts = $2, next_attempt_at = $3, delivered_at = $4, "
                      "last_error = $5 WHERE id = $6",
                      "saving an effect's delivery"};
  // Shared workers: the relay claims with row locks that others skip, and
  // the attempt number fences the write: a claim raises it by one (from $2 - 1,
  // and marks the effect leased), a result keeps it ($2); any other value
  // means another worker took the effect over since, and nothing is written.
  //
  // One delivery of a deal at a time across the workers, in outbox order:
  // only a deal's head is claimed — its first pending effect, unless that one
  // is untried and waits for its notBefore — and only while no effect of the
  // deal is leased. Two statements, so that the second one's snapshot is
  // taken after the first one's locks: the first picks the due heads and
  // takes a transaction lock on each one's deal (skipping deals another
  // claim holds); the second reads those deals' heads again, as the claims
  // committed before left them, and locks the rows (a row a result is being
  // written to is skipped, and the deal's later effects are no heads). The
  // claim's updates commit before its deal locks go: the next claim of the
  // deal sees the lease.
  //
  // lockDueDeals: the due heads in outbox order, each one's deal locked as the scan
  // reaches it: a deal another claim holds is passed over, and the scan
  // goes on to the next deal (as SKIP LOCKED does), up to $2 deals. OFFSET 0
  // keeps the lock out of the inner scan, so that it is taken for heads only.
  Statement lockDueDeals{db,
                         "SELECT deal FROM (SELECT e.id, e.deal FROM effects e WHERE status = 'pending' "
                         "AND not_before <= $1 AND next_attempt_at <= $1 AND " DEAL_HEAD
                         " ORDER BY e.id OFFSET 0) heads WHERE pg_try_advisory_xact_lock(" VORONKA_PG_LOCK_OUTBOX_DEAL
                         ", "
                         "hashtext(current_schema() || '/' || heads.deal)) LIMIT $2",
                         "locking the deals of due effects"};
  // The claim of dueEffectsOfChosen: first the due heads in outbox order,
  // read without locks (the relay chooses the deals it can start from
  // them), then the chosen deals locked as lockDueDeals does, and their
  // heads read again by dueEffectsLocked. A hanging receiver's backlog ahead
  // is read, but no deal of it is locked: other workers' claims do not pass
  // over it, and a claim takes no lock it cannot use.
  Statement dueHeads{db,
                     "SELECT id, " EFFECT_COLUMNS
                     " FROM effects e WHERE status = 'pending' AND not_before <= $1 AND next_attempt_at <= $1 "
                     "AND " DEAL_HEAD " ORDER BY e.id LIMIT $2",
                     "reading due effects"};
  Statement lockChosenDeals{
      db,
      "SELECT d FROM unnest($1::text[]) AS u(d) WHERE pg_try_advisory_xact_lock(" VORONKA_PG_LOCK_OUTBOX_DEAL
      ", hashtext(current_schema() || '/' || d))",
      "locking the deals of due effects"};
  // dueEffectsLocked: each locked deal's head (a deal has one at most), found
  // through the deal's pending effects: a deal = ANY(…) filter would leave the
  // planner free to read every pending effect (effects_by_status) and filter
  // them, which it does on a queue table's stale statistics.
  Statement dueEffectsLocked{db,
                             "SELECT h.* FROM (SELECT DISTINCT unnest($2::text[])) AS d(deal) CROSS JOIN LATERAL "
                             "(SELECT id, " EFFECT_COLUMNS
                             ", leased FROM effects e WHERE e.deal = d.deal AND status = 'pending' "
                             "AND not_before <= $1 AND next_attempt_at <= $1 AND " DEAL_HEAD
                             " ORDER BY e.id LIMIT 1 FOR UPDATE SKIP LOCKED) h ORDER BY h.id",
                             "claiming due effects"};
  Statement putEffectFenced{db,
                            "UPDATE effects SET status = $1, attempts = $2, next_attempt_at = $3, delivered_at = $4, "
                            "last_error = $5, leased = ($2 = attempts + 1 AND $1 = 'pending') "
                            "WHERE id = $6 AND (attempts = $2 OR attempts = $2 - 1) RETURNING leased",
                            "saving an effect's delivery"};
  // A lease still held (its delivery in progress) runs out later: a killed
  // worker's leases run out soon, a live one's never while it delivers.
  Statement extendLease{db,
                        "UPDATE effects SET next_attempt_at = $1 WHERE id = $2 AND attempts = $3 AND leased "
                        "AND status = 'pending'",
                        "extending an outbox lease"};
  Statement dueTimersOfDeal{
      db, "SELECT id, " TIMER_COLUMNS " FROM timers WHERE deal = $3 AND due <= $1 ORDER BY due, id LIMIT $2",
      "reading the deal's due timers"};
  // Shared workers' batch memory (BatchCache): a claimed batch's deals,
  // timers and seen events in one query each, and timer ids taken ahead so
  // that an insert needs no answer.
  Statement dealsIn{db, "SELECT " DEAL_COLUMNS " FROM deals WHERE id = ANY($1::text[])", "reading the batch's deals"};
  Statement timersIn{db, "SELECT id, " TIMER_COLUMNS " FROM timers WHERE deal = ANY($1::text[]) ORDER BY id",
                     "reading the batch's timers"};
  Statement seenIn{db, "SELECT id FROM events WHERE id = ANY($1::text[])", "looking up the batch's events"};
  Statement takeTimerIds{db, "SELECT nextval(pg_get_serial_sequence('timers', 'id')) FROM generate_series(1, $1)",
                         "taking timer ids"};
  // A cached batch's rows, each kind written by one statement (pg::RowGroup),
  // in this order: timers are added before any is removed (an id may be
  // both), everything before the work queue's rows (pg_work_queue.cpp).
  using T = pg::RowGroup::Type;
  pg::RowGroup dealRows{
      db,
      "INSERT INTO deals (" DEAL_COLUMNS
      ") SELECT * FROM unnest($1::text[], $2::int8[], $3::int8[], $4::int8[], $5::int8[], "
      "$6::int8[], $7::text[], $8::bytea[], $9::bytea[], $10::int8[], $11::text[], $12::text[], "
      "$13::text[], $14::text[], $15::bytea[], $16::text[], $17::text[], $18::int8[], $19::int8[], "
      "$20::int8[], $21::int8[], $22::text[]) " DEAL_UPSERT,
      {T::Text, T::Int8, T::Int8, T::Int8,  T::Int8, T::Int8, T::Text, T::Bytea, T::Bytea, T::Int8, T::Text,
       T::Text, T::Text, T::Text, T::Bytea, T::Text, T::Text, T::Int8, T::Int8,  T::Int8,  T::Int8, T::Text},
      "saving deals",
      0};
  pg::RowGroup timerRows{db,
                         "INSERT INTO timers (id, " TIMER_COLUMNS
                         ") OVERRIDING SYSTEM VALUE SELECT * FROM unnest($1::int8[], $2::text[], $3::int8[], "
                         "$4::int8[], $5::int8[], $6::int8[], $7::int8[], $8::int8[], $9::text[], $10::int8[], "
                         "$11::int8[], $12::int8[], $13::int8[], $14::text[])",
                         {T::Int8, T::Text, T::Int8, T::Int8, T::Int8, T::Int8, T::Int8, T::Int8, T::Text, T::Int8,
                          T::Int8, T::Int8, T::Int8, T::Text},
                         "adding timers"};
  pg::RowGroup removedTimers{
      db, "DELETE FROM timers WHERE id IN (SELECT unnest($1::int8[]))", {T::Int8}, "removing timers"};
  pg::RowGroup noteRows{db,
                        "INSERT INTO notes (deal, at, text) SELECT d, a, t FROM unnest($1::text[], $2::int8[], "
                        "$3::text[]) WITH ORDINALITY AS u(d, a, t, n) ORDER BY n",
                        {T::Text, T::Int8, T::Text},
                        "adding notes"};
  pg::RowGroup historyRows{db,
                           "INSERT INTO history (" HISTORY_COLUMNS
                           ") SELECT d, fp, fs, tp, ts, a, c, h FROM unnest($1::text[], $2::int8[], $3::int8[], "
                           "$4::int8[], $5::int8[], $6::int8[], $7::text[], $8::text[]) "
                           "WITH ORDINALITY AS u(d, fp, fs, tp, ts, a, c, h, n) ORDER BY n",
                           {T::Text, T::Int8, T::Int8, T::Int8, T::Int8, T::Int8, T::Text, T::Text},
                           "adding history"};
  // The rules that fired go in the event's row (schema version 6): one row per event.
  pg::RowGroup eventRows{db,
                         "INSERT INTO events (id, deal, type, at, outcome, module_version, body, fired) "
                         "SELECT i, d, ty, a, o, m, b, f FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], "
                         "$5::text[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS u(i, d, ty, a, o, m, b, "
                         "f, n) ORDER BY n ON CONFLICT (id) DO NOTHING",
                         {T::Text, T::Text, T::Text, T::Int8, T::Text, T::Text, T::Text, T::Text},
                         "recording events"};

  Statement effectsWithStatus{db, "SELECT id, " EFFECT_COLUMNS " FROM effects WHERE status = $1 ORDER BY id LIMIT $2",
                              "reading the outbox"};

  Statement eventSeen{db, "SELECT 1 FROM events WHERE id = $1", "looking up an event"};
  Statement event{db, "SELECT " EVENT_COLUMNS ", fired FROM events WHERE id = $1", "reading an event"};
  Statement recordEvent{db,
                        "INSERT INTO events (id, deal, type, at, outcome, module_version, body, fired) "
                        "VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (id) DO NOTHING",
                        "recording an event"};
  Statement eventLog{db, "SELECT " EVENT_COLUMNS " FROM events WHERE seq > $1 AND body <> '' ORDER BY seq LIMIT $2",
                     "reading the event log"};
  Statement eventsOf{db, "SELECT " EVENT_COLUMNS ", fired FROM events WHERE deal = $1 ORDER BY seq",
                     "reading a deal's events"};
  Statement addAttempt{db,
                       "INSERT INTO attempts (effect, deal, attempt, at, outcome, http_status, error, duration_ms) "
                       "SELECT id, deal, $1, $2, $3, $4, $5, $6 FROM effects WHERE id = $7",
                       "recording a delivery attempt"};
  Statement attemptsOf{db,
                       "SELECT effect, deal, attempt, at, outcome, http_status, error, duration_ms FROM attempts "
                       "WHERE deal = $1 ORDER BY effect, seq",
                       "reading delivery attempts"};

  Statement addHistory{db, "INSERT INTO history (" HISTORY_COLUMNS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
                       "adding history"};
  Statement historyOf{db, "SELECT " HISTORY_COLUMNS " FROM history WHERE deal = $1 ORDER BY seq", "reading history"};
  Statement allHistory{db, "SELECT " HISTORY_COLUMNS " FROM history ORDER BY deal, seq",
                       "reading every history record"};
  Statement removeHistory{db, "DELETE FROM history WHERE deal = $1", "rewriting history"};
  Statement addNote{db, "INSERT INTO notes (deal, at, text) VALUES ($1,$2,$3)", "adding a note"};
  Statement notesOf{db, "SELECT deal, at, text FROM notes WHERE deal = $1 ORDER BY seq", "reading notes"};

  Statement takeCounter{db,
                        "INSERT INTO counters (name, value) VALUES ($1, 1) "
                        "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value - 1",
                        "taking a counter"};
  Statement counts{db,
                   "SELECT (SELECT count(*) FROM deals), (SELECT count(*) FROM timers), "
                   "(SELECT count(*) FROM effects WHERE status = 'pending'), "
                   "(SELECT count(*) FROM effects WHERE status = 'dead'), (SELECT count(*) FROM events)",
                   "counting"};
  Statement dealsPerStage{
      db, "SELECT pipeline, stage, count(*) FROM deals GROUP BY pipeline, stage ORDER BY pipeline, stage",
      "counting deals per stage"};
  Statement putModule{db,
                      "INSERT INTO modules (version, bytes, source, added_at) VALUES ($1,$2,$3,$4) "
                      "ON CONFLICT (version) DO NOTHING",
                      "keeping a module version"};
  Statement module{db, "SELECT version, bytes, source, added_at FROM modules WHERE version = $1",
                   "reading a module version"};
  Statement moduleVersions{db, "SELECT version, source, added_at FROM modules ORDER BY seq", "listing module versions"};
  Statement addDeployment{
      db, "INSERT INTO deployments (" DEPLOYMENT_COLUMNS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
      "adding to the deployment journal"};
  Statement putDeployment{db,
                          "UPDATE deployments SET started_at = $1, finished_at = $2, \"by\" = $3, from_version = $4, "
                          "to_version = $5, plan = $6, status = $7, result = $8 WHERE id = $9",
                          "saving a deployment"};
  Statement deployment{db, "SELECT id, " DEPLOYMENT_COLUMNS " FROM deployments WHERE id = $1", "reading a deployment"};
  Statement deployments{db, "SELECT id, " DEPLOYMENT_COLUMNS " FROM deployments ORDER BY id DESC LIMIT $1",
                        "reading the deployment journal"};
  Statement dealsNotOn{db, "SELECT seq, id FROM deals WHERE seq > $1 AND module_version <> $2 ORDER BY seq LIMIT $3",
                       "listing deals on other versions"};
  Statement timersPerRule{
      db, "SELECT kind, rule, count(*) FROM timers WHERE kind <> 2 GROUP BY kind, rule ORDER BY kind, rule",
      "counting timers per rule"};
  Statement meta{db, "SELECT value FROM meta WHERE key = $1", "reading meta"};
  Statement putMeta{
      db, "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      "saving meta"};
};

#undef DEAL_COLUMNS
#undef TASK_COLUMNS
#undef TIMER_COLUMNS
#undef EFFECT_COLUMNS
#undef DEAL_HEAD
#undef HISTORY_COLUMNS
#undef EVENT_COLUMNS
#undef DEPLOYMENT_COLUMNS

DealRecord readDeal(const Query& q, const std::string& label) {
  DealRecord d;
  d.id = q.text(0);
  d.pipeline = q.i32(1);
  d.stage = q.i32(2);
  d.epoch = q.u64(3);
  d.enteredAt = q.i64(4);
  d.createdAt = q.i64(5);
  d.name = q.text(6);
  try {
    d.fields = blob::decodeFields(q.blob(7));
    d.tags = blob::decodeTags(q.blob(8));
    d.visits = blob::decodeVisits(q.blob(14));
  } catch (const blob::DamagedBlob& e) {
    throw StoreError("store " + label + ": deal \"" + d.id + "\" is damaged: " + e.what());
  }
  d.responsible = q.i32(9);
  d.contactName = q.text(10);
  d.contactEmail = q.text(11);
  d.contactPhone = q.text(12);
  d.companyName = q.text(13);
  d.lostReason = q.text(15);
  d.error = q.text(16);
  d.childDeals = q.i32(17);
  d.version = q.u64(18);
  d.previousPipeline = q.i32(19);
  d.previousStage = q.i32(20);
  d.moduleVersion = q.text(21);
  return d;
}

// events.fired: the rules that fired, a JSON array of [rule, name, file,
// line] in the order they ran; '' when none (the migration to schema
// version 6 writes the same from the fired_rules rows it replaces).
std::string firedText(const std::vector<FiredRule>& fired) {
  if (fired.empty()) return "";
  nlohmann::json list = nlohmann::json::array();
  for (const FiredRule& f : fired) list.push_back({f.rule, f.name, f.file, f.line});
  return list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<FiredRule> firedOf(const std::string& id, const std::string& text) {
  std::vector<FiredRule> out;
  if (text.empty()) return out;
  try {
    for (const nlohmann::json& f : nlohmann::json::parse(text))
      out.push_back(
          {f.at(0).get<int32_t>(), f.at(1).get<std::string>(), f.at(2).get<std::string>(), f.at(3).get<int32_t>()});
  } catch (const nlohmann::json::exception& e) {
    throw StoreError("event " + id +
                     ": its fired rules (column events.fired) are not a JSON array of "
                     "[rule, name, file, line]: " +
                     e.what());
  }
  return out;
}

// An event read with its fired rules (EVENT_COLUMNS, then fired).
EventRecord readEventWithFired(const Query& q) {
  EventRecord e = readEvent(q);
  e.fired = firedOf(e.id, q.text(8));
  return e;
}

// A shared worker's claimed batch, held in memory from cacheBatch() to
// endBatch(): its deals (absent ones too), their timers in id order, and
// which of its events were recorded already. The batch holds its deals'
// deal_work rows locked, so nothing else changes these rows meanwhile; the
// batch's own writes update the memory as they are held back. A transaction
// of the batch rolled back forgets everything (read again when asked).
struct BatchCache {
  bool on = false;
  // The open transaction changed what is held here (forgotten if it rolls back).
  bool touched = false;
  std::unordered_map<std::string, std::optional<DealRecord>> deals;
  std::unordered_map<std::string, std::vector<TimerRecord>> timers;
  std::unordered_set<std::string> seen, unseen;
  // Timer ids taken from the sequence during this batch (after its deals
  // were claimed, so a deal's timers still get increasing ids), unused ones dropped at its end.
  std::vector<int64_t> timerIds;

  void forget() {
    deals.clear();
    timers.clear();
    seen.clear();
    unseen.clear();
  }
  void end() {
    forget();
    timerIds.clear();
    on = false;
  }
  // `likelyDeal`: where the timer most likely is (the deal the engine works
  // on), looked at first: a batch's timers are not each searched for among
  // every deal's.
  TimerRecord* findTimer(int64_t id, const std::optional<std::string>& likelyDeal,
                         std::vector<TimerRecord>** in = nullptr) {
    auto findIn = [&](std::vector<TimerRecord>& list) -> TimerRecord* {
      for (TimerRecord& t : list) {
        if (t.id != id) continue;
        if (in) *in = &list;
        return &t;
      }
      return nullptr;
    };
    if (likelyDeal) {
      auto it = timers.find(*likelyDeal);
      if (it != timers.end()) {
        if (TimerRecord* t = findIn(it->second)) return t;
      }
    }
    for (auto& [deal, list] : timers) {
      if (TimerRecord* t = findIn(list)) return t;
    }
    return nullptr;
  }
};

}  // namespace

struct PostgresStore::Impl {
  Impl(const std::string& conninfo, PostgresOptions options);

  void takeLock();
  void reconnectIfBroken();
  void beginOnLiveConnection(const char* what);
  void beginTransaction();
  void commitTransaction();
  void abandonTransaction() noexcept;
  void rollbackQuietly() noexcept {
    db.discardPending();
    cache.end();
    PQclear(PQexec(db.handle(), "ROLLBACK"));
  }

  pg::Conn db;
  PostgresOptions options;
  std::optional<std::string> timerScope;
  std::map<int64_t, int32_t> leases;  // shared workers: effect id → attempt this process has claimed
  SharedOutboxCounters outbox;
  BatchCache cache;
  std::atomic<uint64_t> effectsAdded{0};
  std::string schema;
  std::unique_ptr<Statements> st;
  std::recursive_mutex mutex;
  bool batchOpen = false;
  bool transactionOpen = false;
  bool beginHeld = false;  // the batch's BEGIN was held back (beginBatchWithFirstRead)
  // The batch's BEGIN is held back still: nothing of the batch was sent yet.
  bool beginNotSent() const { return beginHeld && PQtransactionStatus(db.handle()) == PQTRANS_IDLE; }
};

PostgresStore::Impl::Impl(const std::string& conninfo, PostgresOptions o) : db(conninfo), options(o) {
  schema = db.queryText("SELECT current_schema()", "reading the schema");
  if (schema.empty()) {
    throw StoreError("store " + db.label() +
                     ": no schema of the search_path exists; create one, or name one with "
                     "options=-csearch_path=NAME in the connection string");
  }
  db.setSchema(schema);
  if (options.readOnly) {
    takeLock();
    bool hasStore = db.queryText(
                        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
                        "AND tablename = 'voronka_store'",
                        "looking for the store") != "0";
    if (!hasStore) throw StoreError("store " + db.label() + ": schema \"" + schema + "\" holds no Voronka store");
    std::string version = db.queryText("SELECT max(version) FROM voronka_store", "reading the schema version");
    if (version != std::to_string(pg::kSchemaVersion))
      throw StoreError("store " + db.label() + " has PostgreSQL store schema version " + version +
                       "; this Voronka "
                       "reads version " +
                       std::to_string(pg::kSchemaVersion) + " (serve it once with this build)");
    st = std::make_unique<Statements>(db);
    return;
  }
  takeLock();
  pg::migrate(db, schema);
  st = std::make_unique<Statements>(db);
}

namespace {

// A server that has just stopped may still hold the store's lock for a
// moment: PostgreSQL ends its backend, and frees the lock, a little after
// the client has gone. A restart (or a shared worker after a single server)
// therefore tries for a short while before it reports the store busy.
constexpr auto kLockGrace = std::chrono::seconds(2);

bool tryLockWithGrace(pg::Conn& db, const char* query) {
  auto giveUp = std::chrono::steady_clock::now() + kLockGrace;
  for (;;) {
    if (db.queryText(query, "locking the store") == "t") return true;
    if (std::chrono::steady_clock::now() >= giveUp) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

void PostgresStore::Impl::takeLock() {
  if (options.readOnly) {  // a tool that only reads takes no lock (its server keeps it)
    db.exec("SET default_transaction_read_only = on", "making the session read-only");
    return;
  }
  if (options.sharedWorkers) {
    if (!tryLockWithGrace(db, kTakeSharedLock)) {
      throw StoreBusy("store " + db.label() +
                      " is served by a single voronka serve (without --workers shared); stop it first, or start "
                      "every server on this store with --workers shared");
    }
    db.exec(kSharedSession, "setting up the worker's session");
    return;
  }
  if (!tryLockWithGrace(db, kTakeLock)) {
    throw StoreBusy("store " + db.label() +
                    " is served by another voronka already (it holds the store's advisory lock); one server per "
                    "PostgreSQL store unless every one runs with --workers shared: stop the other one, or give this "
                    "one its own schema");
  }
}

void PostgresStore::Impl::reconnectIfBroken() {
  if (!db.broken()) return;
  db.reconnect();  // a session lock dies with its session: take it again
  takeLock();
}

void PostgresStore::Impl::beginOnLiveConnection(const char* what) {
  reconnectIfBroken();
  try {
    db.exec("BEGIN", what);
  } catch (const StoreError&) {
    // The server closed an idle connection (it restarted, or an operator
    // ended the session): only now does libpq know; connect again once.
    if (!db.broken()) throw;
    reconnectIfBroken();
    db.exec("BEGIN", what);
  }
}

void PostgresStore::Impl::beginTransaction() {
  if (transactionOpen) throw std::logic_error("the PostgreSQL store runs one transaction at a time per thread");
  if (batchOpen) {
    if (beginNotSent()) db.flush();
    // After a failure outside a savepoint the batch's transaction is aborted,
    // and a lost connection lost it: a savepoint would not be part of it.
    if (PQtransactionStatus(db.handle()) != PQTRANS_INTRANS) {
      throw StoreError("store " + db.label() + ": the batch was rolled back after an earlier error");
    }
    if (cache.on) {
      cache.touched = false;
      db.owe("SAVEPOINT event", "starting a transaction in the batch");
    } else {
      db.exec("SAVEPOINT event", "starting a transaction in the batch");
    }
  } else {
    beginOnLiveConnection("starting a transaction");
  }
  transactionOpen = true;
}

void PostgresStore::Impl::commitTransaction() {
  // COMMIT of an aborted transaction "succeeds" by rolling back: refuse it.
  if (PQtransactionStatus(db.handle()) != PQTRANS_INTRANS) {
    throw StoreError("store " + db.label() + ": cannot commit: a statement of this transaction failed earlier");
  }
  if (batchOpen && cache.on) {
    if (db.settle(true)) db.defer("RELEASE event", "committing a transaction in the batch");
  } else {
    db.exec(batchOpen ? "RELEASE event" : "COMMIT", batchOpen ? "committing a transaction in the batch" : "committing");
  }
  transactionOpen = false;
}

void PostgresStore::Impl::abandonTransaction() noexcept {
  transactionOpen = false;
  // Errors are ignored: a lost connection has rolled back already.
  if (batchOpen && cache.on) {
    if (cache.touched) cache.forget();  // what the rolled-back transaction wrote is in it
    if (!db.settle(false)) return;      // nothing of it was held back but its rows: dropped
    try {
      db.defer("ROLLBACK TO event", "rolling back a transaction in the batch");
      db.defer("RELEASE event", "rolling back a transaction in the batch");
    } catch (const StoreError&) {}  // the batch's transaction is aborted: endBatch() says so
    return;
  }
  if (batchOpen) {
    PGTransactionStatusType status = PQtransactionStatus(db.handle());
    if (status != PQTRANS_INTRANS && status != PQTRANS_INERROR) return;
    PQclear(PQexec(db.handle(), "ROLLBACK TO event"));
    PQclear(PQexec(db.handle(), "RELEASE event"));
  } else if (db.inTransaction()) {
    rollbackQuietly();
  }
}

namespace {

// The outbox's scan for due effects (the oldest pending ones, each checked
// against its deal's earlier ones) reads the pending effects in id order and
// stops after `limit`: only an ordered index scan does that. Planned on a
// queue table's stale statistics (it grows from empty between autovacuum's
// analyses, which then guess a few dozen pending rows), the planner picks a
// bitmap scan instead, checks every pending effect against its deal and
// sorts them: 25–60 ms a claim at 6,000 pending effects instead of under 1
// ms, which held the shared workers' relays to about one delivery each at a
// time. So the scan is planned without sorts and bitmap scans; the settings
// are the transaction's, sent with the scan (no round trip of their own),
// and reset with whatever is sent next.
class OutboxScanPlan {
 public:
  explicit OutboxScanPlan(pg::Conn& db) : db_(db) {
    db_.defer("SELECT set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true)",
              "planning the outbox's scan");
  }
  ~OutboxScanPlan() {
    try {
      db_.defer("RESET enable_sort", "planning the outbox's scan");
      db_.defer("RESET enable_bitmapscan", "planning the outbox's scan");
    } catch (const StoreError&) {}  // the transaction failed: it ends, and its settings with it
  }
  OutboxScanPlan(const OutboxScanPlan&) = delete;
  OutboxScanPlan& operator=(const OutboxScanPlan&) = delete;

 private:
  pg::Conn& db_;
};

class PostgresTransaction final : public sql::SqlTransaction<Query, Statements> {
 public:
  explicit PostgresTransaction(PostgresStore::Impl& s) : SqlTransaction(*s.st), s_(s), lock_(s.mutex) {
    s_.beginTransaction();
  }
  ~PostgresTransaction() override {
    if (!committed_) s_.abandonTransaction();
  }

  std::optional<DealRecord> deal(const std::string& id) override {
    if (s_.cache.on) {
      auto it = s_.cache.deals.find(id);
      if (it != s_.cache.deals.end()) return it->second;
    }
    Query q(st_.deal);
    q.bind(id);
    if (!q.step()) return std::nullopt;
    return readDeal(q, s_.db.label());
  }

  // The web console's and `voronka stats`' whole-store reads: one query each,
  // not a query per deal.
  void forEachDeal(const std::function<void(const DealRecord&)>& visit) override {
    Query q(st_.allDeals);
    while (q.step()) visit(readDeal(q, s_.db.label()));
  }

  void putDeal(const DealRecord& d) override {
    if (s_.cache.on) {
      st_.dealRows.hold()
          .bind(d.id)
          .bind(d.pipeline)
          .bind(d.stage)
          .bind(d.epoch)
          .bind(d.enteredAt)
          .bind(d.createdAt)
          .bind(d.name)
          .bind(blob::encodeFields(d.fields))
          .bind(blob::encodeTags(d.tags))
          .bind(d.responsible)
          .bind(d.contactName)
          .bind(d.contactEmail)
          .bind(d.contactPhone)
          .bind(d.companyName)
          .bind(blob::encodeVisits(d.visits))
          .bind(d.lostReason)
          .bind(d.error)
          .bind(d.childDeals)
          .bind(d.version)
          .bind(d.previousPipeline)
          .bind(d.previousStage)
          .bind(d.moduleVersion)
          .done();
      s_.cache.deals[d.id] = d;
      s_.cache.touched = true;
      return;
    }
    Query q(st_.putDeal);
    q.bind(d.id).bind(d.pipeline).bind(d.stage).bind(d.epoch).bind(d.enteredAt).bind(d.createdAt).bind(d.name);
    q.bindBlob(blob::encodeFields(d.fields)).bindBlob(blob::encodeTags(d.tags)).bind(d.responsible);
    q.bind(d.contactName).bind(d.contactEmail).bind(d.contactPhone).bind(d.companyName);
    q.bindBlob(blob::encodeVisits(d.visits)).bind(d.lostReason).bind(d.error).bind(d.childDeals).bind(d.version);
    q.bind(d.previousPipeline).bind(d.previousStage).bind(d.moduleVersion).run();
  }

  int64_t addTask(TaskRecord t) override {
    Query q(st_.addTask);
    q.bind(t.deal).bind(t.type).bind(t.text).bind(t.due).bind(t.responsible).bind(t.done).bind(t.createdAt);
    q.bind(t.completedAt).bind(t.comment).bind(t.epoch);
    return returnedId(q);
  }

  int64_t addTimer(TimerRecord t) override {
    if (s_.cache.on) return addTimerHeldBack(std::move(t));
    Query q(st_.addTimer);
    q.bind(t.deal).bind(t.due).bind(static_cast<int64_t>(t.kind)).bind(t.rule).bind(t.action).bind(t.epoch);
    q.bind(t.event).bind(t.payload).bind(t.unlessEvent).bind(t.unlessArg).bind(t.task).bind(t.scheduledAt);
    q.bind(t.cause);
    return returnedId(q);
  }

  void putTimer(const TimerRecord& t) override {
    Query q(st_.putTimer);
    q.bind(t.due).bind(static_cast<int64_t>(t.kind)).bind(t.rule).bind(t.action).bind(t.epoch).bind(t.event);
    q.bind(t.payload).bind(t.unlessEvent).bind(t.unlessArg).bind(t.task).bind(t.scheduledAt).bind(t.cause).bind(t.id);
    if (s_.cache.on) {
      if (TimerRecord* cached = s_.cache.findTimer(t.id, s_.timerScope)) {
        std::string deal = cached->deal;  // a timer stays with its deal
        *cached = t;
        cached->deal = deal;
        s_.cache.touched = true;
        return q.defer();
      }
    }
    q.run();
    if (q.changes() == 0) throw std::logic_error("putTimer: no such timer");
  }

  void removeTimer(int64_t id) override {
    if (s_.cache.on) {
      std::vector<TimerRecord>* list = nullptr;
      if (TimerRecord* cached = s_.cache.findTimer(id, s_.timerScope, &list)) {
        list->erase(list->begin() + (cached - list->data()));
      }
      s_.cache.touched = true;
      st_.removedTimers.hold().bind(id).done();
      return;
    }
    Query q(st_.removeTimer);
    q.bind(id).run();
  }

  std::vector<TimerRecord> timersOf(const std::string& deal) override {
    if (s_.cache.on) {
      auto it = s_.cache.timers.find(deal);
      if (it != s_.cache.timers.end()) return it->second;
    }
    std::vector<TimerRecord> out;
    Query q(st_.timersOf);
    q.bind(deal);
    while (q.step()) out.push_back(readTimer(q));
    return out;
  }

  std::vector<TimerRecord> dueTimers(int64_t until, size_t limit) override {
    std::vector<TimerRecord> out;
    if (s_.cache.on && s_.timerScope) {
      auto it = s_.cache.timers.find(*s_.timerScope);
      if (it != s_.cache.timers.end()) {
        for (const TimerRecord& t : it->second)
          if (t.due <= until) out.push_back(t);
        std::sort(out.begin(), out.end(), [](const TimerRecord& a, const TimerRecord& b) {
          return std::tie(a.due, a.id) < std::tie(b.due, b.id);
        });
        if (out.size() > limit) out.resize(limit);
        return out;
      }
    }
    Query q(s_.timerScope ? st_.dueTimersOfDeal : st_.dueTimers);
    q.bind(until).bindLimit(limit);
    if (s_.timerScope) q.bind(*s_.timerScope);
    while (q.step()) out.push_back(readTimer(q));
    return out;
  }

  void addEffect(EffectRecord e) override {
    ++s_.effectsAdded;
    Query q(st_.addEffect);
    q.bind(e.deal).bind(e.kind).bind(e.key).bind(e.payload).bind(e.createdAt).bind(e.notBefore).bind(e.status);
    q.bind(e.attempts).bind(e.nextAttemptAt).bind(e.deliveredAt).bind(e.lastError);
    if (s_.cache.on) return q.defer();
    q.run();
  }

  std::vector<EffectRecord> dueEffects(int64_t now, size_t limit) override {
    std::vector<EffectRecord> out;
    bool shared = s_.options.sharedWorkers;
    if (!shared) {
      OutboxScanPlan plan(s_.db);
      Query q(st_.dueEffects);
      q.bind(now).bindLimit(limit);
      while (q.step()) out.push_back(readEffect(q));
      return out;
    }
    if (limit == 0) return out;
    std::vector<std::string> deals;
    {
      OutboxScanPlan plan(s_.db);
      Query lock(st_.lockDueDeals);
      lock.bind(now).bindLimit(limit);
      while (lock.step()) deals.push_back(lock.text(0));
    }
    return lockedHeads(now, deals);
  }

  std::vector<EffectRecord> dueEffectsOfChosen(int64_t now, size_t limit, const DealChoice& choose) override {
    if (!s_.options.sharedWorkers) return Transaction::dueEffectsOfChosen(now, limit, choose);
    std::vector<EffectRecord> heads;
    if (limit == 0) return heads;
    {
      OutboxScanPlan plan(s_.db);
      Query q(st_.dueHeads);
      q.bind(now).bindLimit(limit);
      while (q.step()) heads.push_back(readEffect(q));
    }
    // Another worker's claim may hold a chosen deal (both read the same
    // heads): then the choice is made again without it, so that this claim
    // takes the next deals instead, as a scan with SKIP LOCKED would.
    std::vector<std::string> locked;
    std::set<std::string, std::less<>> taken, held;
    for (int round = 0; round < 4; ++round) {
      std::vector<EffectRecord> open;
      for (const EffectRecord& h : heads) {
        if (!held.count(h.deal)) open.push_back(h);
      }
      std::vector<std::string> wanted;
      for (std::string& deal : choose(open)) {
        if (!taken.count(deal)) wanted.push_back(std::move(deal));
      }
      if (wanted.empty()) break;
      Query lock(st_.lockChosenDeals);
      lock.bindTexts(wanted);
      while (lock.step()) taken.insert(locked.emplace_back(lock.text(0)));
      bool allTaken = true;
      for (const std::string& deal : wanted) {
        if (taken.count(deal)) continue;
        held.insert(deal);
        allTaken = false;
      }
      if (allTaken) break;
    }
    return lockedHeads(now, locked);
  }

  // Shared workers: the heads of `deals` (locked by this transaction), each
  // row locked too.
  std::vector<EffectRecord> lockedHeads(int64_t now, const std::vector<std::string>& deals) {
    std::vector<EffectRecord> out;
    if (deals.empty()) return out;
    Query q(st_.dueEffectsLocked);
    q.bind(now).bindTexts(deals);
    while (q.step()) {
      out.push_back(readEffect(q));
      // Its worker never recorded a result: a takeover, if this claim takes it
      // (the relay may leave it for later: its deal or receiver is busy).
      if (q.i64(12) != 0) leasedBefore_.insert(out.back().id);
    }
    return out;
  }

  void putEffect(const EffectRecord& e) override {
    bool shared = s_.options.sharedWorkers;
    Query q(shared ? st_.putEffectFenced : st_.putEffect);
    q.bind(e.status).bind(e.attempts).bind(e.nextAttemptAt).bind(e.deliveredAt).bind(e.lastError).bind(e.id);
    if (!shared) {
      q.run();
      if (q.changes() == 0) throw std::logic_error("putEffect: no such effect");
      addAttempt(e);
      return;
    }
    if (!q.step()) {
      s_.outbox.staleResults++;  // fenced out: another worker owns a newer attempt
      s_.leases.erase(e.id);
      return;
    }
    // A claim (rolled back later or not: extending a lease that is not there changes nothing).
    if (q.i64(0) != 0) {
      if (leasedBefore_.erase(e.id)) s_.outbox.takeovers++;
      s_.leases[e.id] = e.attempts;
    } else {
      s_.leases.erase(e.id);
    }
    addAttempt(e);
  }

  bool eventSeen(const std::string& id) override {
    if (s_.cache.on) {
      if (s_.cache.seen.count(id)) return true;
      if (s_.cache.unseen.count(id)) return false;
    }
    Query q(st_.eventSeen);
    q.bind(id);
    return q.step();
  }

  void recordEvent(const EventRecord& e) override {
    if (s_.cache.on) {
      st_.eventRows.hold()
          .bind(e.id)
          .bind(e.deal)
          .bind(e.type)
          .bind(e.at)
          .bind(e.outcome)
          .bind(e.moduleVersion)
          .bind(e.body)
          .bind(firedText(e.fired))
          .done();
      s_.cache.unseen.erase(e.id);
      s_.cache.seen.insert(e.id);
      s_.cache.touched = true;
      return;
    }
    // Recorded already: it stays as it was, its rules too.
    Query q(st_.recordEvent);
    q.bind(e.id).bind(e.deal).bind(e.type).bind(e.at).bind(e.outcome).bind(e.moduleVersion).bind(e.body);
    q.bind(firedText(e.fired)).run();
  }

  std::optional<EventRecord> event(const std::string& id) override {
    Query q(st_.event);
    q.bind(id);
    if (!q.step()) return std::nullopt;
    return readEventWithFired(q);
  }

  std::vector<EventRecord> eventsOf(const std::string& deal) override {
    std::vector<EventRecord> out;
    Query q(st_.eventsOf);
    q.bind(deal);
    while (q.step()) out.push_back(readEventWithFired(q));
    return out;
  }

  void addHistory(const HistoryRecord& h) override {
    Query q(st_.addHistory);
    q.bind(h.deal).bind(h.fromPipeline).bind(h.fromStage).bind(h.toPipeline).bind(h.toStage).bind(h.at);
    q.bind(h.cause).bind(h.how);
    if (!s_.cache.on) return q.run();
    st_.historyRows.hold()
        .bind(h.deal)
        .bind(h.fromPipeline)
        .bind(h.fromStage)
        .bind(h.toPipeline)
        .bind(h.toStage)
        .bind(h.at)
        .bind(h.cause)
        .bind(h.how)
        .done();
  }

  void addNote(const NoteRecord& n) override {
    if (s_.cache.on) return st_.noteRows.hold().bind(n.deal).bind(n.at).bind(n.text).done();
    Query q(st_.addNote);
    q.bind(n.deal).bind(n.at).bind(n.text).run();
  }

  int64_t takeCounter(const std::string& name) override {
    Query q(st_.takeCounter);
    q.bind(name);
    if (!q.step()) throw StoreError("store " + s_.db.label() + ": taking counter \"" + name + "\" returned nothing");
    return q.i64(0);
  }

  int64_t addDeployment(DeploymentRecord d) override {
    Query q(st_.addDeployment);
    q.bind(d.startedAt).bind(d.finishedAt).bind(d.by).bind(d.fromVersion).bind(d.toVersion).bind(d.plan);
    q.bind(d.status).bind(d.result);
    return returnedId(q);
  }

  // The attempt whose outcome this putEffect() records, if it is one.
  void addAttempt(const EffectRecord& e) {
    if (!e.attempt) return;
    const AttemptRecord& a = *e.attempt;
    Query add(st_.addAttempt);
    add.bind(a.attempt).bind(a.at).bind(a.outcome).bind(a.httpStatus).bind(a.error).bind(a.durationMs).bind(e.id).run();
  }

  void commit() override {
    if (committed_) return;
    s_.commitTransaction();
    committed_ = true;
  }

 private:
  // A timer added in a cached batch: its id taken ahead, the insert held back.
  int64_t addTimerHeldBack(TimerRecord t) {
    BatchCache& c = s_.cache;
    if (c.timerIds.empty()) {
      Query ids(st_.takeTimerIds);
      ids.bindLimit(256);  // a claim's worth of deals
      while (ids.step()) c.timerIds.push_back(ids.i64(0));
      std::reverse(c.timerIds.begin(), c.timerIds.end());  // taken from the back, lowest first
      if (c.timerIds.empty()) throw StoreError("store " + s_.db.label() + ": taking timer ids returned none");
    }
    t.id = c.timerIds.back();
    c.timerIds.pop_back();
    st_.timerRows.hold()
        .bind(t.id)
        .bind(t.deal)
        .bind(t.due)
        .bind(static_cast<int64_t>(t.kind))
        .bind(t.rule)
        .bind(t.action)
        .bind(t.epoch)
        .bind(t.event)
        .bind(t.payload)
        .bind(t.unlessEvent)
        .bind(t.unlessArg)
        .bind(t.task)
        .bind(t.scheduledAt)
        .bind(t.cause)
        .done();
    c.touched = true;
    auto it = c.timers.find(t.deal);
    if (it != c.timers.end()) {
      auto at = std::upper_bound(it->second.begin(), it->second.end(), t.id,
                                 [](int64_t id, const TimerRecord& r) { return id < r.id; });
      it->second.insert(at, t);
    }
    return t.id;
  }

  int64_t returnedId(Query& q) {
    if (!q.step()) throw StoreError("store " + s_.db.label() + ": an insert returned no id");
    return q.i64(0);
  }

  PostgresStore::Impl& s_;
  std::unique_lock<std::recursive_mutex> lock_;  // held for the transaction's life
  bool committed_ = false;
  std::set<int64_t> leasedBefore_;  // due effects read with a lease that ran out
};

}  // namespace

PostgresStore::PostgresStore(const std::string& conninfo, PostgresOptions options)
    : impl_(std::make_unique<Impl>(conninfo, options)) {}

PostgresStore::~PostgresStore() {
  if (impl_->batchOpen) {
    // Never ended: nothing of the batch is kept. The batch's thread holds the mutex.
    impl_->rollbackQuietly();
    impl_->batchOpen = false;
    impl_->mutex.unlock();
  }
}

std::unique_ptr<Transaction> PostgresStore::begin() { return std::make_unique<PostgresTransaction>(*impl_); }

std::optional<int64_t> PostgresStore::nextDue() {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->batchOpen) impl_->reconnectIfBroken();
  Query q(impl_->st->nextDue);
  if (!q.step() || q.isNull(0)) return std::nullopt;
  return q.i64(0);
}

void PostgresStore::cacheBatch(const std::vector<std::string>& deals, const std::vector<std::string>& eventIds,
                               const std::vector<bool>* seen) {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->batchOpen) throw std::logic_error("cacheBatch: no batch is open");
  BatchCache& c = impl_->cache;
  c.end();
  Statements& st = *impl_->st;
  for (const std::string& d : deals) {
    c.deals[d] = std::nullopt;
    c.timers[d];
  }
  Query dealRows(st.dealsIn);
  dealRows.bindTexts(deals);
  while (dealRows.step()) {
    DealRecord d = readDeal(dealRows, impl_->db.label());
    c.deals[d.id] = std::move(d);
  }
  Query timerRows(st.timersIn);
  timerRows.bindTexts(deals);
  while (timerRows.step()) {
    TimerRecord t = readTimer(timerRows);
    c.timers[t.deal].push_back(std::move(t));
  }
  if (seen && seen->size() == eventIds.size()) {
    for (size_t i = 0; i < eventIds.size(); ++i) ((*seen)[i] ? c.seen : c.unseen).insert(eventIds[i]);
  } else if (!eventIds.empty()) {
    c.unseen.insert(eventIds.begin(), eventIds.end());
    Query seen(st.seenIn);
    seen.bindTexts(eventIds);
    while (seen.step()) {
      c.unseen.erase(seen.text(0));
      c.seen.insert(seen.text(0));
    }
  }
  c.on = true;
}

std::optional<int64_t> PostgresStore::earliestTimerOf(const std::string& deal) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->cache.on) {
    auto it = impl_->cache.timers.find(deal);
    if (it != impl_->cache.timers.end()) {
      std::optional<int64_t> earliest;
      for (const TimerRecord& t : it->second) earliest = std::min(earliest.value_or(t.due), t.due);
      return earliest;
    }
  }
  Query q(impl_->st->earliestTimerOf);
  q.bind(deal);
  if (!q.step() || q.isNull(0)) return std::nullopt;
  return q.i64(0);
}

void PostgresStore::beginBatch() {
  std::unique_lock lock(impl_->mutex);
  if (impl_->batchOpen) throw std::logic_error("beginBatch: a batch is open already");
  if (impl_->transactionOpen) throw std::logic_error("beginBatch: a transaction is open");
  impl_->beginOnLiveConnection("starting a batch");
  impl_->batchOpen = true;
  impl_->beginHeld = false;
  lock.release();  // the batch keeps the mutex until endBatch()
}

void PostgresStore::beginBatchWithFirstRead() {
  std::unique_lock lock(impl_->mutex);
  if (impl_->batchOpen) throw std::logic_error("beginBatch: a batch is open already");
  if (impl_->transactionOpen) throw std::logic_error("beginBatch: a transaction is open");
  impl_->reconnectIfBroken();
  impl_->db.defer("BEGIN", "starting a batch");
  impl_->batchOpen = true;
  impl_->beginHeld = true;
  lock.release();  // the batch keeps the mutex until endBatch()
}

void PostgresStore::endBatch() {
  std::unique_lock lock(impl_->mutex);
  if (!impl_->batchOpen) throw std::logic_error("endBatch: no batch is open");
  if (impl_->transactionOpen) throw std::logic_error("endBatch: a transaction of the batch is still open");
  impl_->batchOpen = false;
  impl_->cache.end();     // held-back writes are sent with the COMMIT below
  impl_->mutex.unlock();  // the batch's own hold; `lock` still has this thread's
  // COMMIT of an aborted transaction would roll back and report success.
  // (A BEGIN still held back goes with the COMMIT and what was held after it.)
  if (PQtransactionStatus(impl_->db.handle()) != PQTRANS_INTRANS && !impl_->beginNotSent()) {
    impl_->rollbackQuietly();
    throw StoreError("store " + impl_->db.label() +
                     ": the batch was rolled back after an earlier error: nothing of it was kept");
  }
  try {
    if (impl_->options.sharedWorkers) {
      impl_->db.defer("COMMIT", "committing the batch");  // with the writes held back: one round trip
      impl_->db.flush();
    } else {
      impl_->db.exec("COMMIT", "committing the batch");
    }
  } catch (const StoreError& e) {
    impl_->rollbackQuietly();
    throw StoreError(std::string(e.what()) + ": nothing of the batch was kept");
  }
}

const std::string& PostgresStore::label() const { return impl_->db.label(); }

int PostgresStore::schemaVersion() { return pg::kSchemaVersion; }

void PostgresStore::scopeTimersToDeal(std::optional<std::string> deal) {
  std::lock_guard lock(impl_->mutex);
  impl_->timerScope = std::move(deal);
}

const SharedOutboxCounters& PostgresStore::outboxCounters() const { return impl_->outbox; }

pg::Conn& PostgresStore::connection() { return impl_->db; }

uint64_t PostgresStore::effectsAdded() const { return impl_->effectsAdded.load(); }

void PostgresStore::extendLeases(int64_t until) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->leases.empty()) return;
  auto tx = begin();
  for (auto it = impl_->leases.begin(); it != impl_->leases.end();) {
    Query q(impl_->st->extendLease);
    q.bind(until).bind(it->first).bind(it->second).run();
    it = q.changes() == 0 ? impl_->leases.erase(it) : std::next(it);  // delivered, or never claimed
  }
  tx->commit();
}

}  // namespace voronka::store
