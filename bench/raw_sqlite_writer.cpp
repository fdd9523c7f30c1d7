#include "bench/raw_sqlite_writer.h"

#include <stdexcept>

namespace voronka::bench {

namespace {

struct Blob {
  const std::string& bytes;
};

void bindOne(sqlite3_stmt* s, int i, int64_t v) { sqlite3_bind_int64(s, i, v); }
void bindOne(sqlite3_stmt* s, int i, int32_t v) { sqlite3_bind_int64(s, i, v); }
void bindOne(sqlite3_stmt* s, int i, uint64_t v) { sqlite3_bind_int64(s, i, static_cast<int64_t>(v)); }
void bindOne(sqlite3_stmt* s, int i, bool v) { sqlite3_bind_int64(s, i, v); }
void bindOne(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}
void bindOne(sqlite3_stmt* s, int i, Blob v) {
  sqlite3_bind_blob(s, i, v.bytes.data(), static_cast<int>(v.bytes.size()), SQLITE_STATIC);
}

template <typename... Args>
sqlite3_stmt* bindRow(sqlite3_stmt* s, const Args&... args) {
  int i = 0;
  (bindOne(s, ++i, args), ...);
  return s;
}

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

RawSqliteWriter::RawSqliteWriter(const std::string& path, bool fullSync) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    throw std::runtime_error("raw: cannot open " + path);
  }
  const char* pragmas = fullSync ? "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL"
                                 : "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL";
  if (sqlite3_exec(db_, pragmas, nullptr, nullptr, nullptr) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
  begin_ = prepare("BEGIN IMMEDIATE");
  commit_ = prepare("COMMIT");
  savepoint_ = prepare("SAVEPOINT event");
  release_ = prepare("RELEASE event");
  putDeal_ = prepare(
      "INSERT INTO deals (id, pipeline, stage, epoch, entered_at, created_at, name, fields, tags, responsible, "
      "contact_name, contact_email, contact_phone, company_name, visits, lost_reason, error, child_deals, version) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET pipeline = excluded.pipeline, "
      "stage = excluded.stage, epoch = excluded.epoch, entered_at = excluded.entered_at, created_at = excluded.created_at, "
      "name = excluded.name, fields = excluded.fields, tags = excluded.tags, responsible = excluded.responsible, "
      "contact_name = excluded.contact_name, contact_email = excluded.contact_email, "
      "contact_phone = excluded.contact_phone, company_name = excluded.company_name, visits = excluded.visits, "
      "lost_reason = excluded.lost_reason, error = excluded.error, child_deals = excluded.child_deals, "
      "version = excluded.version");
  addTask_ = prepare(
      "INSERT INTO tasks (deal, type, text, due, responsible, done, created_at, completed_at, comment, epoch) "
      "VALUES (?,?,?,?,?,?,?,?,?,?)");
  putTask_ = prepare(
      "UPDATE tasks SET type = ?, text = ?, due = ?, responsible = ?, done = ?, created_at = ?, completed_at = ?, "
      "comment = ?, epoch = ? WHERE id = ?");
  addTimer_ = prepare(
      "INSERT INTO timers (deal, due, kind, rule, action, epoch, event, payload, unless_event, unless_arg, task, "
      "scheduled_at, cause) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  removeTimer_ = prepare("DELETE FROM timers WHERE id = ?");
  addEffect_ = prepare(
      "INSERT INTO effects (deal, kind, key, payload, created_at, not_before, status, attempts, next_attempt_at, "
      "delivered_at, last_error) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  putEffect_ = prepare(
      "UPDATE effects SET status = ?, attempts = ?, next_attempt_at = ?, delivered_at = ?, last_error = ? WHERE id = ?");
  recordEvent_ =
      prepare("INSERT INTO events (id, deal, type, at, outcome) VALUES (?,?,?,?,?) ON CONFLICT (id) DO NOTHING");
  addHistory_ = prepare(
      "INSERT INTO history (deal, from_pipeline, from_stage, to_pipeline, to_stage, at, cause, how) "
      "VALUES (?,?,?,?,?,?,?,?)");
  addNote_ = prepare("INSERT INTO notes (deal, at, text) VALUES (?,?,?)");
  takeCounter_ = prepare(
      "INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 "
      "RETURNING value - 1");
  putMeta_ =
      prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
}

RawSqliteWriter::~RawSqliteWriter() {
  for (sqlite3_stmt* s : all_) sqlite3_finalize(s);
  sqlite3_close(db_);
}

sqlite3_stmt* RawSqliteWriter::prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    throw std::runtime_error(std::string("raw: ") + sqlite3_errmsg(db_));
  }
  all_.push_back(s);
  return s;
}

void RawSqliteWriter::step(sqlite3_stmt* s) {
  int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) throw std::runtime_error(std::string("raw: ") + sqlite3_errmsg(db_));
  sqlite3_reset(s);
}

void RawSqliteWriter::write(const Write& w) {
  std::visit(
      Overloaded{
          [&](const write::PutDeal& p) {
            const store::DealRecord& d = p.deal;
            step(bindRow(putDeal_, d.id, d.pipeline, d.stage, d.epoch, d.enteredAt, d.createdAt, d.name, Blob{p.fields},
                         Blob{p.tags}, d.responsible, d.contactName, d.contactEmail, d.contactPhone, d.companyName,
                         Blob{p.visits}, d.lostReason, d.error, d.childDeals, d.version));
          },
          [&](const write::AddTask& a) {
            const store::TaskRecord& t = a.task;
            step(bindRow(addTask_, t.deal, t.type, t.text, t.due, t.responsible, t.done, t.createdAt, t.completedAt,
                         t.comment, t.epoch));
          },
          [&](const write::PutTask& p) {
            const store::TaskRecord& t = p.task;
            step(bindRow(putTask_, t.type, t.text, t.due, t.responsible, t.done, t.createdAt, t.completedAt, t.comment,
                         t.epoch, t.id));
          },
          [&](const write::AddTimer& a) {
            const store::TimerRecord& t = a.timer;
            step(bindRow(addTimer_, t.deal, t.due, static_cast<int64_t>(t.kind), t.rule, t.action, t.epoch, t.event,
                         t.payload, t.unlessEvent, t.unlessArg, t.task, t.scheduledAt, t.cause));
          },
          [&](const write::RemoveTimer& r) { step(bindRow(removeTimer_, r.id)); },
          [&](const write::AddEffect& a) {
            const store::EffectRecord& e = a.effect;
            step(bindRow(addEffect_, e.deal, e.kind, e.key, e.payload, e.createdAt, e.notBefore, e.status, e.attempts,
                         e.nextAttemptAt, e.deliveredAt, e.lastError));
          },
          [&](const write::PutEffect& p) {
            const store::EffectRecord& e = p.effect;
            step(bindRow(putEffect_, e.status, e.attempts, e.nextAttemptAt, e.deliveredAt, e.lastError, e.id));
          },
          [&](const write::RecordEvent& r) {
            const store::EventRecord& e = r.event;
            step(bindRow(recordEvent_, e.id, e.deal, e.type, e.at, e.outcome));
          },
          [&](const write::AddHistory& a) {
            const store::HistoryRecord& h = a.entry;
            step(bindRow(addHistory_, h.deal, h.fromPipeline, h.fromStage, h.toPipeline, h.toStage, h.at, h.cause,
                         h.how));
          },
          [&](const write::AddNote& a) { step(bindRow(addNote_, a.note.deal, a.note.at, a.note.text)); },
          [&](const write::TakeCounter& t) { step(bindRow(takeCounter_, t.name)); },
          [&](const write::PutMeta& p) { step(bindRow(putMeta_, p.key, p.value)); },
      },
      w);
}

void RawSqliteWriter::replayEventAndDeal(const std::vector<RecordedTransaction>& log, size_t perCommit) {
  std::vector<RecordedTransaction> small;
  for (const RecordedTransaction& tx : log) {
    RecordedTransaction two;
    const Write* deal = nullptr;
    for (const Write& w : tx) {
      if (std::holds_alternative<write::RecordEvent>(w) && two.empty()) two.push_back(w);
      if (std::holds_alternative<write::PutDeal>(w)) deal = &w;
    }
    if (deal) two.push_back(*deal);
    small.push_back(std::move(two));
  }
  replay(small, perCommit);
}

void RawSqliteWriter::replay(const std::vector<RecordedTransaction>& log, size_t perCommit) {
  size_t inBatch = 0;
  for (const RecordedTransaction& tx : log) {
    if (inBatch == 0) step(begin_);
    if (perCommit > 1) step(savepoint_);
    for (const Write& w : tx) write(w);
    if (perCommit > 1) step(release_);
    if (++inBatch == perCommit) {
      step(commit_);
      inBatch = 0;
    }
  }
  if (inBatch > 0) step(commit_);
}

}  // namespace voronka::bench
