#include "runtime/store/sqlite_store.h"

#include <mutex>
#include <unordered_map>

#include "runtime/store/deal_blob.h"
#include "runtime/store/sqlite_db.h"
#include "runtime/store/sqlite_schema.h"

namespace voronka::store {

using sqlite::Query;
using sqlite::Statement;

namespace {

#define DEAL_COLUMNS                                                                                    \
  "id, pipeline, stage, epoch, entered_at, created_at, name, fields, tags, responsible, contact_name, " \
  "contact_email, contact_phone, company_name, visits, lost_reason, error, child_deals, version, "      \
  "previous_pipeline, previous_stage, module_version"
#define TASK_COLUMNS "deal, type, text, due, responsible, done, created_at, completed_at, comment, epoch"
#define TIMER_COLUMNS \
  "deal, due, kind, rule, action, epoch, event, payload, unless_event, unless_arg, task, scheduled_at, cause"
#define EFFECT_COLUMNS \
  "deal, kind, key, payload, created_at, not_before, status, attempts, next_attempt_at, delivered_at, last_error"
#define HISTORY_COLUMNS "deal, from_pipeline, from_stage, to_pipeline, to_stage, at, cause, how"
#define EVENT_COLUMNS "id, deal, type, at, outcome, module_version, body, seq"
#define DEPLOYMENT_COLUMNS "started_at, finished_at, by, from_version, to_version, plan, status, result"

// Every statement the store runs, prepared once when the store opens.
struct Statements {
  Statements(sqlite::Db& d, bool readOnly) : db(d), readOnly(readOnly) {}
  sqlite::Db& db;
  bool readOnly;

  // A reader takes no write lock: it must not wait for the server writing the file.
  Statement begin{db, readOnly ? "BEGIN" : "BEGIN IMMEDIATE", "starting a transaction"};
  Statement commit{db, "COMMIT", "committing"};
  Statement rollback{db, "ROLLBACK", "rolling back"};
  Statement savepoint{db, "SAVEPOINT event", "starting a transaction in the batch"};
  Statement release{db, "RELEASE event", "committing a transaction in the batch"};
  Statement rollbackTo{db, "ROLLBACK TO event", "rolling back a transaction in the batch"};

  Statement deal{db, "SELECT " DEAL_COLUMNS " FROM deals WHERE id = ?", "reading a deal"};
  Statement putDeal{db,
                    "INSERT INTO deals (" DEAL_COLUMNS
                    ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                    "ON CONFLICT (id) DO UPDATE SET pipeline = excluded.pipeline, stage = excluded.stage, "
                    "epoch = excluded.epoch, entered_at = excluded.entered_at, created_at = excluded.created_at, "
                    "name = excluded.name, fields = excluded.fields, tags = excluded.tags, "
                    "responsible = excluded.responsible, contact_name = excluded.contact_name, "
                    "contact_email = excluded.contact_email, contact_phone = excluded.contact_phone, "
                    "company_name = excluded.company_name, visits = excluded.visits, "
                    "lost_reason = excluded.lost_reason, error = excluded.error, "
                    "child_deals = excluded.child_deals, version = excluded.version, "
                    "previous_pipeline = excluded.previous_pipeline, previous_stage = excluded.previous_stage, "
                    "module_version = excluded.module_version",
                    "saving a deal"};
  Statement dealIds{db, "SELECT id FROM deals ORDER BY seq", "listing deals"};
  Statement allDeals{db, "SELECT " DEAL_COLUMNS " FROM deals ORDER BY seq", "reading every deal"};
  Statement dealsOfUser{db,
                        "SELECT pipeline, stage, count(*) FROM deals WHERE responsible = ? GROUP BY pipeline, stage",
                        "counting a user's deals"};

  Statement addTask{db, "INSERT INTO tasks (" TASK_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?,?)", "adding a task"};
  Statement putTask{db,
                    "UPDATE tasks SET type = ?, text = ?, due = ?, responsible = ?, done = ?, created_at = ?, "
                    "completed_at = ?, comment = ?, epoch = ? WHERE id = ?",
                    "saving a task"};
  Statement openTasksDueBefore{
      db, "SELECT id, " TASK_COLUMNS " FROM tasks WHERE done = 0 AND due != 0 AND due < ? ORDER BY id",
      "reading overdue tasks"};
  Statement tasksOf{db, "SELECT id, " TASK_COLUMNS " FROM tasks WHERE deal = ? ORDER BY id", "reading tasks"};

  Statement addTimer{db, "INSERT INTO timers (" TIMER_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", "adding a timer"};
  Statement putTimer{db,
                     "UPDATE timers SET due = ?, kind = ?, rule = ?, action = ?, epoch = ?, event = ?, payload = ?, "
                     "unless_event = ?, unless_arg = ?, task = ?, scheduled_at = ?, cause = ? WHERE id = ?",
                     "saving a timer"};
  Statement removeTimer{db, "DELETE FROM timers WHERE id = ?", "removing a timer"};
  Statement timersOf{db, "SELECT id, " TIMER_COLUMNS " FROM timers WHERE deal = ? ORDER BY id", "reading timers"};
  Statement dueTimers{db, "SELECT id, " TIMER_COLUMNS " FROM timers WHERE due <= ? ORDER BY due, id LIMIT ?",
                      "reading due timers"};
  Statement nextDue{db, "SELECT min(due) FROM timers", "reading the next due timer"};

  Statement addEffect{db, "INSERT INTO effects (" EFFECT_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                      "adding to the outbox"};
  Statement effectsOf{db, "SELECT id, " EFFECT_COLUMNS " FROM effects WHERE deal = ? ORDER BY id",
                      "reading the outbox"};
  // The check of a deal's earlier effects reads the deal's effects
  // (effects_by_deal): `+p.status` keeps SQLite from reading every earlier
  // pending effect of the outbox through effects_by_status instead, for each
  // effect it looks at.
  Statement dueEffects{db,
                       "SELECT id, " EFFECT_COLUMNS
                       " FROM effects e WHERE status = 'pending' AND not_before <= ?1 "
                       "AND next_attempt_at <= ?1 AND NOT EXISTS (SELECT 1 FROM effects p WHERE p.deal = e.deal "
                       "AND p.id < e.id AND +p.status = 'pending' AND p.attempts > 0 AND p.next_attempt_at > ?1) "
                       "ORDER BY id LIMIT ?2",
                       "reading due effects"};
  Statement putEffect{db,
                      "UPDATE effects SET status = ?, attempts = ?, next_attempt_at = ?, delivered_at = ?, "
                      "last_error = ? WHERE id = ?",
                      "saving an effect's delivery"};
  Statement effectsWithStatus{db, "SELECT id, " EFFECT_COLUMNS " FROM effects WHERE status = ? ORDER BY id LIMIT ?",
                              "reading the outbox"};
  Statement addAttempt{db,
                       "INSERT INTO attempts (effect, deal, attempt, at, outcome, http_status, error, duration_ms) "
                       "SELECT id, deal, ?, ?, ?, ?, ?, ? FROM effects WHERE id = ?",
                       "recording a delivery attempt"};
  Statement attemptsOf{db,
                       "SELECT effect, deal, attempt, at, outcome, http_status, error, duration_ms FROM attempts "
                       "WHERE deal = ? ORDER BY effect, seq",
                       "reading delivery attempts"};

  Statement eventSeen{db, "SELECT 1 FROM events WHERE id = ?", "looking up an event"};
  Statement event{db, "SELECT " EVENT_COLUMNS " FROM events WHERE id = ?", "reading an event"};
  Statement recordEvent{db,
                        "INSERT INTO events (" EVENT_COLUMNS
                        ") VALUES (?,?,?,?,?,?,?, (SELECT coalesce(max(seq), 0) + 1 FROM events)) "
                        "ON CONFLICT (id) DO NOTHING",
                        "recording an event"};
  Statement eventsOf{db, "SELECT " EVENT_COLUMNS " FROM events WHERE deal = ? ORDER BY seq", "reading a deal's events"};
  Statement addFired{db, "INSERT INTO fired_rules (event, ord, rule, name, file, line) VALUES (?,?,?,?,?,?)",
                     "recording the rules that fired"};
  Statement firedOf{db, "SELECT rule, name, file, line FROM fired_rules WHERE event = ? ORDER BY ord",
                    "reading the rules that fired"};
  Statement firedOfDeal{db,
                        "SELECT f.event, f.rule, f.name, f.file, f.line FROM fired_rules f JOIN events e ON e.id = "
                        "f.event WHERE e.deal = ? ORDER BY e.seq, f.ord",
                        "reading the rules that fired"};
  Statement eventLog{db, "SELECT " EVENT_COLUMNS " FROM events WHERE seq > ? AND body != '' ORDER BY seq LIMIT ?",
                     "reading the event log"};

  Statement addHistory{db, "INSERT INTO history (" HISTORY_COLUMNS ") VALUES (?,?,?,?,?,?,?,?)", "adding history"};
  Statement historyOf{db, "SELECT " HISTORY_COLUMNS " FROM history WHERE deal = ? ORDER BY seq", "reading history"};
  Statement allHistory{db, "SELECT " HISTORY_COLUMNS " FROM history ORDER BY deal, seq",
                       "reading every history record"};
  Statement removeHistory{db, "DELETE FROM history WHERE deal = ?", "rewriting history"};
  Statement addNote{db, "INSERT INTO notes (deal, at, text) VALUES (?,?,?)", "adding a note"};
  Statement notesOf{db, "SELECT deal, at, text FROM notes WHERE deal = ? ORDER BY seq", "reading notes"};

  Statement takeCounter{db,
                        "INSERT INTO counters (name, value) VALUES (?, 1) "
                        "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value - 1",
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
                      "INSERT INTO modules (version, bytes, source, added_at) VALUES (?,?,?,?) "
                      "ON CONFLICT (version) DO NOTHING",
                      "keeping a module version"};
  Statement module{db, "SELECT version, bytes, source, added_at FROM modules WHERE version = ?",
                   "reading a module version"};
  Statement moduleVersions{db, "SELECT version, source, added_at FROM modules ORDER BY seq", "listing module versions"};
  Statement addDeployment{db, "INSERT INTO deployments (" DEPLOYMENT_COLUMNS ") VALUES (?,?,?,?,?,?,?,?)",
                          "adding to the deployment journal"};
  Statement putDeployment{db,
                          "UPDATE deployments SET started_at = ?, finished_at = ?, by = ?, from_version = ?, "
                          "to_version = ?, plan = ?, status = ?, result = ? WHERE id = ?",
                          "saving a deployment"};
  Statement deployment{db, "SELECT id, " DEPLOYMENT_COLUMNS " FROM deployments WHERE id = ?", "reading a deployment"};
  Statement deployments{db, "SELECT id, " DEPLOYMENT_COLUMNS " FROM deployments ORDER BY id DESC LIMIT ?",
                        "reading the deployment journal"};
  Statement dealsNotOn{db, "SELECT seq, id FROM deals WHERE seq > ? AND module_version != ? ORDER BY seq LIMIT ?",
                       "listing deals on other versions"};
  Statement timersPerRule{
      db, "SELECT kind, rule, count(*) FROM timers WHERE kind != 2 GROUP BY kind, rule ORDER BY kind, rule",
      "counting timers per rule"};
  Statement meta{db, "SELECT value FROM meta WHERE key = ?", "reading meta"};
  Statement putMeta{
      db, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      "saving meta"};
};

#undef DEAL_COLUMNS
#undef TASK_COLUMNS
#undef TIMER_COLUMNS
#undef EFFECT_COLUMNS
#undef HISTORY_COLUMNS
#undef EVENT_COLUMNS
#undef DEPLOYMENT_COLUMNS

TaskRecord readTask(const Query& q) {
  TaskRecord t;
  t.id = q.i64(0);
  t.deal = q.text(1);
  t.type = q.i32(2);
  t.text = q.text(3);
  t.due = q.i64(4);
  t.responsible = q.i32(5);
  t.done = q.i64(6) != 0;
  t.createdAt = q.i64(7);
  t.completedAt = q.i64(8);
  t.comment = q.text(9);
  t.epoch = q.u64(10);
  return t;
}

TimerRecord readTimer(const Query& q) {
  TimerRecord t;
  t.id = q.i64(0);
  t.deal = q.text(1);
  t.due = q.i64(2);
  t.kind = static_cast<TimerKind>(q.i64(3));
  t.rule = q.i32(4);
  t.action = q.i32(5);
  t.epoch = q.u64(6);
  t.event = q.i32(7);
  t.payload = q.text(8);
  t.unlessEvent = q.i32(9);
  t.unlessArg = q.i32(10);
  t.task = q.i64(11);
  t.scheduledAt = q.i64(12);
  t.cause = q.text(13);
  return t;
}

EventRecord readEvent(const Query& q) {
  EventRecord e{q.text(0), q.text(1), q.text(2), q.i64(3), q.text(4)};
  e.moduleVersion = q.text(5);
  e.body = q.text(6);
  e.seq = q.i64(7);
  return e;
}

DeploymentRecord readDeployment(const Query& q) {
  DeploymentRecord d;
  d.id = q.i64(0);
  d.startedAt = q.i64(1);
  d.finishedAt = q.i64(2);
  d.by = q.text(3);
  d.fromVersion = q.text(4);
  d.toVersion = q.text(5);
  d.plan = q.text(6);
  d.status = q.text(7);
  d.result = q.text(8);
  return d;
}

EffectRecord readEffect(const Query& q) {
  EffectRecord e;
  e.id = q.i64(0);
  e.deal = q.text(1);
  e.kind = q.text(2);
  e.key = q.text(3);
  e.payload = q.text(4);
  e.createdAt = q.i64(5);
  e.notBefore = q.i64(6);
  e.status = q.text(7);
  e.attempts = q.i32(8);
  e.nextAttemptAt = q.i64(9);
  e.deliveredAt = q.i64(10);
  e.lastError = q.text(11);
  return e;
}

}  // namespace

struct SqliteStore::Impl {
  Impl(const std::string& path, SqliteOptions options);

  void beginTransaction();
  void commitTransaction();
  void abandonTransaction() noexcept;
  void run(Statement& s) { Query(s).run(); }

  sqlite::Db db;
  std::unique_ptr<Statements> st;
  std::recursive_mutex mutex;
  bool batchOpen = false;
  bool transactionOpen = false;
};

SqliteStore::Impl::Impl(const std::string& path, SqliteOptions options) : db(path, options.readOnly) {
  sqlite3_busy_timeout(db.handle(), options.busyTimeoutMs);
  if (options.readOnly) {
    sqlite::checkCurrent(db);
    st = std::make_unique<Statements>(db, true);
    return;
  }
  sqlite::checkStoreFile(db);
  std::string mode = db.queryText("PRAGMA journal_mode = WAL", "switching to write-ahead logging");
  if (mode != "wal" && path != ":memory:") {
    throw StoreError("store " + path + ": cannot use write-ahead logging here (journal mode stays " + mode + ")");
  }
  db.exec(options.synchronous == Synchronous::Full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
          "setting synchronous");
  sqlite::migrate(db);
  st = std::make_unique<Statements>(db, false);
}

void SqliteStore::Impl::beginTransaction() {
  if (transactionOpen) throw std::logic_error("the SQLite store runs one transaction at a time per thread");
  if (batchOpen) {
    // An I/O error or a full disk can make SQLite roll the batch back on its
    // own; a savepoint then would start a transaction outside the batch.
    if (sqlite3_get_autocommit(db.handle())) {
      throw StoreError("store " + db.path() + ": the batch was rolled back after an earlier error");
    }
    run(st->savepoint);
  } else {
    run(st->begin);
  }
  transactionOpen = true;
}

void SqliteStore::Impl::commitTransaction() {
  run(batchOpen ? st->release : st->commit);
  transactionOpen = false;
}

void SqliteStore::Impl::abandonTransaction() noexcept {
  transactionOpen = false;
  // Errors are ignored: after an I/O error SQLite may have rolled back already.
  try {
    if (batchOpen) {
      if (sqlite3_get_autocommit(db.handle())) return;
      run(st->rollbackTo);
      run(st->release);
    } else if (!sqlite3_get_autocommit(db.handle())) {
      run(st->rollback);
    }
  } catch (const StoreError&) {}
}

namespace {

class SqliteTransaction final : public Transaction {
 public:
  explicit SqliteTransaction(SqliteStore::Impl& s) : s_(s), st_(*s.st), lock_(s.mutex) { s_.beginTransaction(); }
  ~SqliteTransaction() override {
    if (!committed_) s_.abandonTransaction();
  }

  std::optional<DealRecord> deal(const std::string& id) override {
    Query q(st_.deal);
    q.bind(id);
    if (!q.step()) return std::nullopt;
    return readDeal(q);
  }

  void forEachDeal(const std::function<void(const DealRecord&)>& visit) override {
    Query q(st_.allDeals);
    while (q.step()) visit(readDeal(q));
  }

  void forEachHistory(const std::function<void(const HistoryRecord&)>& visit) override {
    Query q(st_.allHistory);
    while (q.step()) visit({q.text(0), q.i32(1), q.i32(2), q.i32(3), q.i32(4), q.i64(5), q.text(6), q.text(7)});
  }

  std::vector<EventRecord> eventsOf(const std::string& deal) override {
    std::vector<EventRecord> out;
    std::unordered_map<std::string, size_t> at;
    {
      Query q(st_.eventsOf);
      q.bind(deal);
      while (q.step()) {
        out.push_back(readEvent(q));
        at[out.back().id] = out.size() - 1;
      }
    }
    Query q(st_.firedOfDeal);
    q.bind(deal);
    while (q.step()) {
      auto it = at.find(q.text(0));
      if (it != at.end()) out[it->second].fired.push_back({q.i32(1), q.text(2), q.text(3), q.i32(4)});
    }
    return out;
  }

  void putDeal(const DealRecord& d) override {
    std::string fields = blob::encodeFields(d.fields);
    std::string tags = blob::encodeTags(d.tags);
    std::string visits = blob::encodeVisits(d.visits);
    Query q(st_.putDeal);
    q.bind(d.id).bind(d.pipeline).bind(d.stage).bind(d.epoch).bind(d.enteredAt).bind(d.createdAt).bind(d.name);
    q.bindBlob(fields).bindBlob(tags).bind(d.responsible).bind(d.contactName).bind(d.contactEmail);
    q.bind(d.contactPhone).bind(d.companyName).bindBlob(visits).bind(d.lostReason).bind(d.error);
    q.bind(d.childDeals).bind(d.version).bind(d.previousPipeline).bind(d.previousStage).bind(d.moduleVersion).run();
  }

  std::vector<std::string> dealIds() override {
    std::vector<std::string> out;
    Query q(st_.dealIds);
    while (q.step()) out.push_back(q.text(0));
    return out;
  }

  int64_t openDealsOf(int32_t user, const std::vector<std::pair<int32_t, int32_t>>& finalStages) override {
    int64_t count = 0;
    Query q(st_.dealsOfUser);
    q.bind(user);
    while (q.step()) {
      std::pair<int32_t, int32_t> at{q.i32(0), q.i32(1)};
      bool closed = false;
      for (const auto& f : finalStages) closed = closed || f == at;
      if (!closed) count += q.i64(2);
    }
    return count;
  }

  int64_t addTask(TaskRecord t) override {
    Query q(st_.addTask);
    q.bind(t.deal).bind(t.type).bind(t.text).bind(t.due).bind(t.responsible).bind(t.done).bind(t.createdAt);
    q.bind(t.completedAt).bind(t.comment).bind(t.epoch).run();
    return sqlite3_last_insert_rowid(s_.db.handle());
  }

  // A task stays with the deal it was added to: its deal is not rewritten.
  void putTask(const TaskRecord& t) override {
    Query q(st_.putTask);
    q.bind(t.type).bind(t.text).bind(t.due).bind(t.responsible).bind(t.done).bind(t.createdAt).bind(t.completedAt);
    q.bind(t.comment).bind(t.epoch).bind(t.id).run();
    if (q.changes() == 0) throw std::logic_error("putTask: no such task");
  }

  std::vector<TaskRecord> tasksOf(const std::string& deal) override {
    std::vector<TaskRecord> out;
    Query q(st_.tasksOf);
    q.bind(deal);
    while (q.step()) out.push_back(readTask(q));
    return out;
  }

  std::vector<TaskRecord> openTasksDueBefore(int64_t t) override {
    std::vector<TaskRecord> out;
    Query q(st_.openTasksDueBefore);
    q.bind(t);
    while (q.step()) out.push_back(readTask(q));
    return out;
  }

  int64_t addTimer(TimerRecord t) override {
    Query q(st_.addTimer);
    q.bind(t.deal).bind(t.due).bind(static_cast<int64_t>(t.kind)).bind(t.rule).bind(t.action).bind(t.epoch);
    q.bind(t.event).bind(t.payload).bind(t.unlessEvent).bind(t.unlessArg).bind(t.task).bind(t.scheduledAt);
    q.bind(t.cause).run();
    return sqlite3_last_insert_rowid(s_.db.handle());
  }

  void putTimer(const TimerRecord& t) override {
    Query q(st_.putTimer);
    q.bind(t.due).bind(static_cast<int64_t>(t.kind)).bind(t.rule).bind(t.action).bind(t.epoch).bind(t.event);
    q.bind(t.payload).bind(t.unlessEvent).bind(t.unlessArg).bind(t.task).bind(t.scheduledAt).bind(t.cause).bind(t.id);
    q.run();
    if (q.changes() == 0) throw std::logic_error("putTimer: no such timer");
  }

  void removeTimer(int64_t id) override {
    Query q(st_.removeTimer);
    q.bind(id).run();
  }

  std::vector<TimerRecord> timersOf(const std::string& deal) override {
    std::vector<TimerRecord> out;
    Query q(st_.timersOf);
    q.bind(deal);
    while (q.step()) out.push_back(readTimer(q));
    return out;
  }

  std::vector<TimerRecord> dueTimers(int64_t until, size_t limit) override {
    std::vector<TimerRecord> out;
    Query q(st_.dueTimers);
    q.bind(until).bindLimit(limit);
    while (q.step()) out.push_back(readTimer(q));
    return out;
  }

  void addEffect(EffectRecord e) override {
    Query q(st_.addEffect);
    q.bind(e.deal).bind(e.kind).bind(e.key).bind(e.payload).bind(e.createdAt).bind(e.notBefore).bind(e.status);
    q.bind(e.attempts).bind(e.nextAttemptAt).bind(e.deliveredAt).bind(e.lastError).run();
  }

  std::vector<EffectRecord> effectsOf(const std::string& deal) override {
    std::vector<EffectRecord> out;
    Query q(st_.effectsOf);
    q.bind(deal);
    while (q.step()) out.push_back(readEffect(q));
    return out;
  }

  std::vector<EffectRecord> dueEffects(int64_t now, size_t limit) override {
    std::vector<EffectRecord> out;
    Query q(st_.dueEffects);
    q.bind(now).bindLimit(limit);
    while (q.step()) out.push_back(readEffect(q));
    return out;
  }

  void putEffect(const EffectRecord& e) override {
    Query q(st_.putEffect);
    q.bind(e.status).bind(e.attempts).bind(e.nextAttemptAt).bind(e.deliveredAt).bind(e.lastError).bind(e.id).run();
    if (q.changes() == 0) throw std::logic_error("putEffect: no such effect");
    if (!e.attempt) return;
    const AttemptRecord& a = *e.attempt;
    Query add(st_.addAttempt);
    add.bind(a.attempt).bind(a.at).bind(a.outcome).bind(a.httpStatus).bind(a.error).bind(a.durationMs).bind(e.id).run();
  }

  std::vector<AttemptRecord> attemptsOf(const std::string& deal) override {
    std::vector<AttemptRecord> out;
    Query q(st_.attemptsOf);
    q.bind(deal);
    while (q.step()) out.push_back({q.i64(0), q.text(1), q.i32(2), q.i64(3), q.text(4), q.i32(5), q.text(6), q.i64(7)});
    return out;
  }

  std::vector<EffectRecord> effectsWithStatus(const std::string& status, size_t limit) override {
    std::vector<EffectRecord> out;
    Query q(st_.effectsWithStatus);
    q.bind(status).bindLimit(limit);
    while (q.step()) out.push_back(readEffect(q));
    return out;
  }

  bool eventSeen(const std::string& id) override {
    Query q(st_.eventSeen);
    q.bind(id);
    return q.step();
  }

  void recordEvent(const EventRecord& e) override {
    Query q(st_.recordEvent);
    q.bind(e.id).bind(e.deal).bind(e.type).bind(e.at).bind(e.outcome).bind(e.moduleVersion).bind(e.body).run();
    if (q.changes() == 0) return;  // recorded already: its rules stay as they were
    for (size_t i = 0; i < e.fired.size(); ++i) {
      const FiredRule& f = e.fired[i];
      Query add(st_.addFired);
      add.bind(e.id).bind(static_cast<int64_t>(i)).bind(f.rule).bind(f.name).bind(f.file).bind(f.line).run();
    }
  }

  std::optional<EventRecord> event(const std::string& id) override {
    std::optional<EventRecord> e;
    {
      Query q(st_.event);
      q.bind(id);
      if (!q.step()) return std::nullopt;
      e = readEvent(q);
    }
    Query q(st_.firedOf);
    q.bind(id);
    while (q.step()) e->fired.push_back({q.i32(0), q.text(1), q.text(2), q.i32(3)});
    return e;
  }

  void addHistory(const HistoryRecord& h) override {
    Query q(st_.addHistory);
    q.bind(h.deal).bind(h.fromPipeline).bind(h.fromStage).bind(h.toPipeline).bind(h.toStage).bind(h.at);
    q.bind(h.cause).bind(h.how).run();
  }

  std::vector<HistoryRecord> historyOf(const std::string& deal) override {
    std::vector<HistoryRecord> out;
    Query q(st_.historyOf);
    q.bind(deal);
    while (q.step()) {
      out.push_back({q.text(0), q.i32(1), q.i32(2), q.i32(3), q.i32(4), q.i64(5), q.text(6), q.text(7)});
    }
    return out;
  }

  void replaceHistory(const std::string& deal, const std::vector<HistoryRecord>& entries) override {
    Query remove(st_.removeHistory);
    remove.bind(deal).run();
    for (const auto& h : entries) addHistory(h);
  }

  void addNote(const NoteRecord& n) override {
    Query q(st_.addNote);
    q.bind(n.deal).bind(n.at).bind(n.text).run();
  }

  std::vector<NoteRecord> notesOf(const std::string& deal) override {
    std::vector<NoteRecord> out;
    Query q(st_.notesOf);
    q.bind(deal);
    while (q.step()) out.push_back({q.text(0), q.i64(1), q.text(2)});
    return out;
  }

  int64_t takeCounter(const std::string& name) override {
    Query q(st_.takeCounter);
    q.bind(name);
    if (!q.step()) throw StoreError("store " + s_.db.path() + ": taking counter \"" + name + "\" returned nothing");
    return q.i64(0);
  }

  StoreCounts counts() override {
    Query q(st_.counts);
    StoreCounts c;
    if (q.step()) c = {q.i64(0), q.i64(1), q.i64(2), q.i64(3), q.i64(4)};
    return c;
  }

  std::vector<StageCount> dealsPerStage() override {
    std::vector<StageCount> out;
    Query q(st_.dealsPerStage);
    while (q.step()) out.push_back({q.i32(0), q.i32(1), q.i64(2)});
    return out;
  }

  std::optional<std::string> meta(const std::string& key) override {
    Query q(st_.meta);
    q.bind(key);
    if (!q.step()) return std::nullopt;
    return q.text(0);
  }

  void putMeta(const std::string& key, const std::string& value) override {
    Query q(st_.putMeta);
    q.bind(key).bind(value).run();
  }

  void putModule(const ModuleRecord& m) override {
    Query q(st_.putModule);
    q.bind(m.version).bindBlob(m.bytes).bind(m.source).bind(m.addedAt).run();
  }

  std::optional<ModuleRecord> module(const std::string& version) override {
    Query q(st_.module);
    q.bind(version);
    if (!q.step()) return std::nullopt;
    return ModuleRecord{q.text(0), std::string(q.blob(1)), q.text(2), q.i64(3)};
  }

  std::vector<ModuleRecord> moduleVersions() override {
    std::vector<ModuleRecord> out;
    Query q(st_.moduleVersions);
    while (q.step()) out.push_back({q.text(0), "", q.text(1), q.i64(2)});
    return out;
  }

  int64_t addDeployment(DeploymentRecord d) override {
    Query q(st_.addDeployment);
    q.bind(d.startedAt).bind(d.finishedAt).bind(d.by).bind(d.fromVersion).bind(d.toVersion).bind(d.plan);
    q.bind(d.status).bind(d.result).run();
    return sqlite3_last_insert_rowid(s_.db.handle());
  }

  void putDeployment(const DeploymentRecord& d) override {
    Query q(st_.putDeployment);
    q.bind(d.startedAt).bind(d.finishedAt).bind(d.by).bind(d.fromVersion).bind(d.toVersion).bind(d.plan);
    q.bind(d.status).bind(d.result).bind(d.id).run();
    if (q.changes() == 0) throw std::logic_error("putDeployment: no such deployment");
  }

  std::optional<DeploymentRecord> deployment(int64_t id) override {
    Query q(st_.deployment);
    q.bind(id);
    if (!q.step()) return std::nullopt;
    return readDeployment(q);
  }

  std::vector<DeploymentRecord> deployments(size_t limit) override {
    std::vector<DeploymentRecord> out;
    Query q(st_.deployments);
    q.bindLimit(limit);
    while (q.step()) out.push_back(readDeployment(q));
    return out;
  }

  std::vector<DealPosition> dealsNotOn(const std::string& version, int64_t afterPosition, size_t limit) override {
    std::vector<DealPosition> out;
    Query q(st_.dealsNotOn);
    q.bind(afterPosition).bind(version).bindLimit(limit);
    while (q.step()) out.push_back({q.i64(0), q.text(1)});
    return out;
  }

  std::vector<RuleTimerCount> timersPerRule() override {
    std::vector<RuleTimerCount> out;
    Query q(st_.timersPerRule);
    while (q.step()) out.push_back({static_cast<TimerKind>(q.i64(0)), q.i32(1), q.i64(2)});
    return out;
  }

  std::vector<EventRecord> eventLog(int64_t afterSeq, size_t limit) override {
    std::vector<EventRecord> out;
    Query q(st_.eventLog);
    q.bind(afterSeq).bindLimit(limit);
    while (q.step()) out.push_back(readEvent(q));
    return out;
  }

  void commit() override {
    if (committed_) return;
    s_.commitTransaction();
    committed_ = true;
  }

 private:
  DealRecord readDeal(const Query& q) {
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
      throw StoreError("store " + s_.db.path() + ": deal \"" + d.id + "\" is damaged: " + e.what());
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

  SqliteStore::Impl& s_;
  Statements& st_;
  std::unique_lock<std::recursive_mutex> lock_;  // held for the transaction's life
  bool committed_ = false;
};

}  // namespace

SqliteStore::SqliteStore(const std::string& path, SqliteOptions options)
    : impl_(std::make_unique<Impl>(path, options)) {}

SqliteStore::~SqliteStore() {
  if (impl_->batchOpen) {
    // Never ended: nothing of the batch is kept. The batch's thread holds the mutex.
    sqlite3_exec(impl_->db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    impl_->batchOpen = false;
    impl_->mutex.unlock();
  }
}

std::unique_ptr<Transaction> SqliteStore::begin() { return std::make_unique<SqliteTransaction>(*impl_); }

std::optional<int64_t> SqliteStore::nextDue() {
  std::lock_guard lock(impl_->mutex);
  Query q(impl_->st->nextDue);
  if (!q.step() || q.isNull(0)) return std::nullopt;
  return q.i64(0);
}

void SqliteStore::beginBatch() {
  std::unique_lock lock(impl_->mutex);
  if (impl_->batchOpen) throw std::logic_error("beginBatch: a batch is open already");
  if (impl_->transactionOpen) throw std::logic_error("beginBatch: a transaction is open");
  impl_->run(impl_->st->begin);
  impl_->batchOpen = true;
  lock.release();  // the batch keeps the mutex until endBatch()
}

void SqliteStore::endBatch() {
  std::unique_lock lock(impl_->mutex);
  if (!impl_->batchOpen) throw std::logic_error("endBatch: no batch is open");
  if (impl_->transactionOpen) throw std::logic_error("endBatch: a transaction of the batch is still open");
  impl_->batchOpen = false;
  impl_->mutex.unlock();  // the batch's own hold; `lock` still has this thread's
  if (sqlite3_get_autocommit(impl_->db.handle())) {
    throw StoreError("store " + impl_->db.path() +
                     ": the batch was rolled back after an earlier error: nothing of it was kept");
  }
  try {
    impl_->run(impl_->st->commit);
  } catch (const StoreError& e) {
    sqlite3_exec(impl_->db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw StoreError(std::string(e.what()) + ": nothing of the batch was kept");
  }
}

const std::string& SqliteStore::path() const { return impl_->db.path(); }

int SqliteStore::schemaVersion() { return sqlite::kSchemaVersion; }

}  // namespace voronka::store
