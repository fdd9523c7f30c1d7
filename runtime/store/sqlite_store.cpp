#include "runtime/store/sqlite_store.h"

#include <mutex>
#include <unordered_map>

#include "runtime/store/deal_blob.h"
#include "runtime/store/sql_transaction.h"
#include "runtime/store/sqlite_db.h"
#include "runtime/store/sqlite_schema.h"

namespace voronka::store {

using sql::readDeployment;
using sql::readEffect;
using sql::readEvent;
using sql::readTask;
using sql::readTimer;
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

class SqliteTransaction final : public sql::SqlTransaction<Query, Statements> {
 public:
  explicit SqliteTransaction(SqliteStore::Impl& s) : SqlTransaction(*s.st), s_(s), lock_(s.mutex) {
    s_.beginTransaction();
  }
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

  int64_t addTask(TaskRecord t) override {
    Query q(st_.addTask);
    q.bind(t.deal).bind(t.type).bind(t.text).bind(t.due).bind(t.responsible).bind(t.done).bind(t.createdAt);
    q.bind(t.completedAt).bind(t.comment).bind(t.epoch).run();
    return sqlite3_last_insert_rowid(s_.db.handle());
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

  void addNote(const NoteRecord& n) override {
    Query q(st_.addNote);
    q.bind(n.deal).bind(n.at).bind(n.text).run();
  }

  int64_t takeCounter(const std::string& name) override {
    Query q(st_.takeCounter);
    q.bind(name);
    if (!q.step()) throw StoreError("store " + s_.db.path() + ": taking counter \"" + name + "\" returned nothing");
    return q.i64(0);
  }

  int64_t addDeployment(DeploymentRecord d) override {
    Query q(st_.addDeployment);
    q.bind(d.startedAt).bind(d.finishedAt).bind(d.by).bind(d.fromVersion).bind(d.toVersion).bind(d.plan);
    q.bind(d.status).bind(d.result).run();
    return sqlite3_last_insert_rowid(s_.db.handle());
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
