#include "runtime/store/sqlite_schema.h"

#include <iterator>
#include <string>

namespace voronka::store::sqlite {

namespace {

// Version 1. Times are UTC seconds; epoch and version (unsigned in the
// records) are kept bit for bit in INTEGER columns. A deal's fields, tags and
// visits are blobs (deal_blob.h). Tasks, timers and effects take their ids
// from AUTOINCREMENT, so an id is never given twice, even after the row with
// the highest id is gone (a fired timer); a rolled-back insert gives its id
// back, as in the memory store. No foreign keys: the Store interface does not
// require a deal to exist before its tasks or notes, and checks cost a lookup
// on every insert.
const char* const kMigration1 = R"sql(
CREATE TABLE deals (
  seq INTEGER PRIMARY KEY,              -- creation order (deals are never deleted)
  id TEXT NOT NULL UNIQUE,
  pipeline INTEGER NOT NULL,
  stage INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  entered_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  name TEXT NOT NULL,
  fields BLOB NOT NULL,
  tags BLOB NOT NULL,
  responsible INTEGER NOT NULL,
  contact_name TEXT NOT NULL,
  contact_email TEXT NOT NULL,
  contact_phone TEXT NOT NULL,
  company_name TEXT NOT NULL,
  visits BLOB NOT NULL,
  lost_reason TEXT NOT NULL,
  error TEXT NOT NULL,
  child_deals INTEGER NOT NULL,
  version INTEGER NOT NULL
);
CREATE INDEX deals_by_stage ON deals(pipeline, stage);
CREATE INDEX deals_by_responsible ON deals(responsible, pipeline, stage);

CREATE TABLE tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  deal TEXT NOT NULL,
  type INTEGER NOT NULL,
  text TEXT NOT NULL,
  due INTEGER NOT NULL,
  responsible INTEGER NOT NULL,
  done INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  completed_at INTEGER NOT NULL,
  comment TEXT NOT NULL,
  epoch INTEGER NOT NULL
);
CREATE INDEX tasks_by_deal ON tasks(deal);

CREATE TABLE timers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  deal TEXT NOT NULL,
  due INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  rule INTEGER NOT NULL,
  action INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  event INTEGER NOT NULL,
  payload TEXT NOT NULL,
  unless_event INTEGER NOT NULL,
  unless_arg INTEGER NOT NULL,
  task INTEGER NOT NULL,
  scheduled_at INTEGER NOT NULL,
  cause TEXT NOT NULL
);
CREATE INDEX timers_by_due ON timers(due);   -- (due, id): the rowid ends every index entry
CREATE INDEX timers_by_deal ON timers(deal);

CREATE TABLE effects (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  deal TEXT NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  not_before INTEGER NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  delivered_at INTEGER NOT NULL,
  last_error TEXT NOT NULL
);
CREATE INDEX effects_by_deal ON effects(deal);
CREATE INDEX effects_by_status ON effects(status);  -- the relay's pending ones and dead letters, by id

CREATE TABLE events (
  id TEXT PRIMARY KEY,                  -- the dedup key
  deal TEXT NOT NULL,
  type TEXT NOT NULL,
  at INTEGER NOT NULL,
  outcome TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE history (
  seq INTEGER PRIMARY KEY,
  deal TEXT NOT NULL,
  from_pipeline INTEGER NOT NULL,
  from_stage INTEGER NOT NULL,
  to_pipeline INTEGER NOT NULL,
  to_stage INTEGER NOT NULL,
  at INTEGER NOT NULL,
  cause TEXT NOT NULL,
  how TEXT NOT NULL
);
CREATE INDEX history_by_deal ON history(deal);

CREATE TABLE notes (
  seq INTEGER PRIMARY KEY,
  deal TEXT NOT NULL,
  at INTEGER NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX notes_by_deal ON notes(deal);

CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
)sql";

// Version 2: `deal.previous_stage`, the stage a deal was in before its
// current one (-1: it has not moved since it was created). A deal written
// before knows it from its history: where its last move came from.
const char* const kMigration2 = R"sql(
ALTER TABLE deals ADD COLUMN previous_pipeline INTEGER NOT NULL DEFAULT -1;
ALTER TABLE deals ADD COLUMN previous_stage INTEGER NOT NULL DEFAULT -1;
UPDATE deals SET (previous_pipeline, previous_stage) = (
  SELECT h.from_pipeline, h.from_stage FROM history h WHERE h.deal = deals.id ORDER BY h.seq DESC LIMIT 1)
WHERE EXISTS (SELECT 1 FROM history h WHERE h.deal = deals.id);
)sql";

// Version 3: versions (runtime/versions). Every deployed module, kept whole
// by its content hash, and the journal of deployments; the version each deal
// runs on, and for each event the version that applied it, its body as it
// came in (for replay) and the order it was recorded in. Deals written before
// ran on the module whose checksum the store kept in its meta (its content
// hash: the same FNV-1a of the bytes); that module's bytes are added the next
// time it is served.
const char* const kMigration3 = R"sql(
CREATE TABLE modules (
  seq INTEGER PRIMARY KEY,
  version TEXT NOT NULL UNIQUE,
  bytes BLOB NOT NULL,
  source TEXT NOT NULL,
  added_at INTEGER NOT NULL
);
CREATE TABLE deployments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  by TEXT NOT NULL,
  from_version TEXT NOT NULL,
  to_version TEXT NOT NULL,
  plan TEXT NOT NULL,
  status TEXT NOT NULL,
  result TEXT NOT NULL
);
ALTER TABLE deals ADD COLUMN module_version TEXT NOT NULL DEFAULT '';
UPDATE deals SET module_version = coalesce((SELECT value FROM meta WHERE key = 'module_checksum'), '');
ALTER TABLE events ADD COLUMN module_version TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN body TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX events_by_seq ON events(seq);
INSERT INTO meta (key, value) SELECT 'active_version', value FROM meta WHERE key = 'module_checksum';
)sql";

// Version 4: a deal's events found by deal (the web console's deal page).
const char* const kMigration4 = R"sql(
CREATE INDEX events_by_deal ON events(deal, seq);
)sql";

// Version 5: why a deal got what it got (the console's deal page). The rules
// that fired for each event or timer, named as the module that applied it
// had them; and one row per delivery attempt of an effect, added when the
// relay records its outcome. Events and effects from before have none: the
// meta key fired_rules_after_seq says which events those are (seq up to it).
const char* const kMigration5 = R"sql(
CREATE TABLE fired_rules (
  event TEXT NOT NULL,                  -- events.id
  ord INTEGER NOT NULL,                 -- the order they ran in
  rule INTEGER NOT NULL,
  name TEXT NOT NULL,
  file TEXT NOT NULL,
  line INTEGER NOT NULL,
  PRIMARY KEY (event, ord)
) WITHOUT ROWID;
CREATE TABLE attempts (
  seq INTEGER PRIMARY KEY,
  effect INTEGER NOT NULL,
  deal TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  error TEXT NOT NULL,
  duration_ms INTEGER NOT NULL
);
CREATE INDEX attempts_by_deal ON attempts(deal, effect);
INSERT INTO meta (key, value) SELECT 'fired_rules_after_seq', coalesce(max(seq), 0) FROM events;
)sql";

// Index i holds the migration to version i + 1.
const char* const kMigrations[] = {kMigration1, kMigration2, kMigration3, kMigration4, kMigration5};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

int64_t tableCount(Db& db) { return db.queryInt("SELECT count(*) FROM sqlite_schema", "reading the list of tables"); }

}  // namespace

const char* migrationSql(int version) {
  return version >= 1 && version <= kSchemaVersion ? kMigrations[version - 1] : nullptr;
}

void checkStoreFile(Db& db) {
  // The first read of the header: a file that is not a database fails here.
  int64_t application = 0;
  try {
    application = db.queryInt("PRAGMA application_id", "reading the file header");
  } catch (const StoreError&) {
    if (db.lastError() == SQLITE_NOTADB)
      throw StoreError(db.path() + " is not a Voronka store: it is not an SQLite database");
    throw;
  }
  int64_t version = db.queryInt("PRAGMA user_version", "reading the file header");
  bool empty = application == 0 && version == 0 && tableCount(db) == 0;
  if (application != kApplicationId && !empty) {
    throw StoreError(db.path() + " is an SQLite database but not a Voronka store");
  }
  if (version > kSchemaVersion) {
    throw StoreError(db.path() + " has store schema version " + std::to_string(version) + ", newer than version " +
                     std::to_string(kSchemaVersion) + " that this Voronka knows: open it with a newer Voronka");
  }
}

void checkCurrent(Db& db) {
  checkStoreFile(db);
  int64_t version = db.queryInt("PRAGMA user_version", "reading the file header");
  if (version == 0) throw StoreError(db.path() + " is not a Voronka store yet: it is empty");
  if (version < kSchemaVersion) {
    throw StoreError(db.path() + " has store schema version " + std::to_string(version) + ", older than version " +
                     std::to_string(kSchemaVersion) +
                     ": it is brought up to date when `voronka serve` or `voronka deploy` opens it, not when it is "
                     "only read");
  }
}

void migrate(Db& db) {
  db.exec("BEGIN IMMEDIATE", "starting the schema migration");
  try {
    // Read again under the write lock: another process may have migrated meanwhile.
    checkStoreFile(db);
    int64_t version = db.queryInt("PRAGMA user_version", "reading the schema version");
    for (int64_t v = version + 1; v <= kSchemaVersion; ++v) {
      std::string what = "migrating the store to schema version " + std::to_string(v);
      db.exec(kMigrations[v - 1], what.c_str());
      db.exec(("PRAGMA user_version = " + std::to_string(v)).c_str(), what.c_str());
    }
    if (version < kSchemaVersion) {
      db.exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str(), "marking the file as a store");
    }
    db.exec("COMMIT", "committing the schema migration");
  } catch (...) {
    sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace voronka::store::sqlite
