#include "runtime/store/pg_schema.h"
#include "runtime/store/pg_lock_keys.h"

#include <iterator>
#include <string>

namespace voronka::store::pg {

namespace {

// Version 1: the same records as the SQLite store's schema version 3. Every
// integer is a bigint (epoch and version, unsigned in the records, are kept
// bit for bit); a deal's fields, tags and visits are the same blobs as in
// SQLite (deal_blob.h). Ids come from identity columns: never given twice,
// and a rolled-back insert does not give its id back (ids only increase).
// The timer and outbox tables change all the time: autovacuum looks at them
// after 2% of their rows changed instead of 20%.
const char* const kMigration1 = R"sql(
CREATE TABLE voronka_store (version bigint NOT NULL);
INSERT INTO voronka_store (version) VALUES (0);

CREATE TABLE deals (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- creation order (deals are never deleted)
  id text NOT NULL UNIQUE,
  pipeline bigint NOT NULL,
  stage bigint NOT NULL,
  epoch bigint NOT NULL,
  entered_at bigint NOT NULL,
  created_at bigint NOT NULL,
  name text NOT NULL,
  fields bytea NOT NULL,
  tags bytea NOT NULL,
  responsible bigint NOT NULL,
  contact_name text NOT NULL,
  contact_email text NOT NULL,
  contact_phone text NOT NULL,
  company_name text NOT NULL,
  visits bytea NOT NULL,
  lost_reason text NOT NULL,
  error text NOT NULL,
  child_deals bigint NOT NULL,
  version bigint NOT NULL,
  previous_pipeline bigint NOT NULL,
  previous_stage bigint NOT NULL,
  module_version text NOT NULL
);
CREATE INDEX deals_by_stage ON deals (pipeline, stage);
CREATE INDEX deals_by_responsible ON deals (responsible, pipeline, stage);

CREATE TABLE tasks (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deal text NOT NULL,
  type bigint NOT NULL,
  text text NOT NULL,
  due bigint NOT NULL,
  responsible bigint NOT NULL,
  done bigint NOT NULL,
  created_at bigint NOT NULL,
  completed_at bigint NOT NULL,
  comment text NOT NULL,
  epoch bigint NOT NULL
);
CREATE INDEX tasks_by_deal ON tasks (deal, id);

CREATE TABLE timers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deal text NOT NULL,
  due bigint NOT NULL,
  kind bigint NOT NULL,
  rule bigint NOT NULL,
  action bigint NOT NULL,
  epoch bigint NOT NULL,
  event bigint NOT NULL,
  payload text NOT NULL,
  unless_event bigint NOT NULL,
  unless_arg bigint NOT NULL,
  task bigint NOT NULL,
  scheduled_at bigint NOT NULL,
  cause text NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE INDEX timers_by_due ON timers (due, id);
CREATE INDEX timers_by_deal ON timers (deal, id);

CREATE TABLE effects (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deal text NOT NULL,
  kind text NOT NULL,
  key text NOT NULL,
  payload text NOT NULL,
  created_at bigint NOT NULL,
  not_before bigint NOT NULL,
  status text NOT NULL,
  attempts bigint NOT NULL,
  next_attempt_at bigint NOT NULL,
  delivered_at bigint NOT NULL,
  last_error text NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE INDEX effects_by_deal ON effects (deal, id);
CREATE INDEX effects_by_status ON effects (status, id);  -- the relay's pending ones and dead letters

CREATE TABLE events (
  id text PRIMARY KEY,                  -- the dedup key
  deal text NOT NULL,
  type text NOT NULL,
  at bigint NOT NULL,
  outcome text NOT NULL,
  module_version text NOT NULL,
  body text NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY  -- the order events were recorded in
);
CREATE INDEX events_by_seq ON events (seq);

CREATE TABLE history (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deal text NOT NULL,
  from_pipeline bigint NOT NULL,
  from_stage bigint NOT NULL,
  to_pipeline bigint NOT NULL,
  to_stage bigint NOT NULL,
  at bigint NOT NULL,
  cause text NOT NULL,
  how text NOT NULL
);
CREATE INDEX history_by_deal ON history (deal, seq);

CREATE TABLE notes (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deal text NOT NULL,
  at bigint NOT NULL,
  text text NOT NULL
);
CREATE INDEX notes_by_deal ON notes (deal, seq);

CREATE TABLE counters (name text PRIMARY KEY, value bigint NOT NULL);
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);

CREATE TABLE modules (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  version text NOT NULL UNIQUE,
  bytes bytea NOT NULL,
  source text NOT NULL,
  added_at bigint NOT NULL
);
CREATE TABLE deployments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  started_at bigint NOT NULL,
  finished_at bigint NOT NULL,
  "by" text NOT NULL,
  from_version text NOT NULL,
  to_version text NOT NULL,
  plan text NOT NULL,
  status text NOT NULL,
  result text NOT NULL
);
)sql";

// Version 2: the shared workers' queue (`voronka serve --workers shared`,
// docs/scaling.md). `inbox` holds events the HTTP intake acknowledged, until a
// worker applied them (then their outcome, kept an hour for callers that wait
// for it and for resends). `deal_work` has one row per deal that has or had
// something to do: workers claim deals through it with FOR UPDATE SKIP
// LOCKED, so one deal is worked on by one transaction at a time. A trigger on
// timers keeps it up to date whoever adds or moves a timer (a rule, a
// deployment, a single server). `effects.leased` is true between an outbox
// claim and its recorded result: a claim of a leased effect is a takeover.
const char* const kMigration2 = R"sql(
CREATE TABLE inbox (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- the order events of one deal are applied in
  event_id text NOT NULL UNIQUE,
  deal text NOT NULL,
  body text NOT NULL,
  received_at bigint NOT NULL,
  applied_at bigint,  -- NULL until a worker applied it
  status text NOT NULL DEFAULT '',
  message text NOT NULL DEFAULT ''
) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE INDEX inbox_waiting ON inbox (deal, seq) WHERE applied_at IS NULL;
CREATE INDEX inbox_applied ON inbox (applied_at) WHERE applied_at IS NOT NULL;

CREATE TABLE deal_work (
  deal text PRIMARY KEY,
  next_run_at bigint  -- NULL: nothing to do
) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE INDEX deal_work_due ON deal_work (next_run_at) WHERE next_run_at IS NOT NULL;
INSERT INTO deal_work (deal, next_run_at) SELECT deal, min(due) FROM timers GROUP BY deal;

-- SET search_path FROM CURRENT: the store's own deal_work, whatever the
-- search_path of the session that adds a timer.
CREATE FUNCTION voronka_timer_work() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO deal_work (deal, next_run_at) VALUES (NEW.deal, NEW.due)
  ON CONFLICT (deal) DO UPDATE SET next_run_at = excluded.next_run_at
  WHERE deal_work.next_run_at IS NULL OR deal_work.next_run_at > excluded.next_run_at;
  RETURN NULL;
END $$;
CREATE TRIGGER timers_work AFTER INSERT OR UPDATE OF due ON timers
  FOR EACH ROW EXECUTE FUNCTION voronka_timer_work();

ALTER TABLE effects ADD COLUMN leased boolean NOT NULL DEFAULT false;
)sql";

// Version 3: why a deal got what it got (the console's deal page; the same
// tables as the SQLite store's schema version 5). The rules that fired for
// each event or timer, named as the module that applied it had them; one row
// per delivery attempt of an effect, added when its outcome is recorded; and
// a deal's events found by deal. Events and effects from before have none:
// the meta key fired_rules_after_seq says which events those are (seq up to it).
const char* const kMigration3 = R"sql(
CREATE TABLE fired_rules (
  event text NOT NULL,  -- events.id
  ord bigint NOT NULL,  -- the order they ran in
  rule bigint NOT NULL,
  name text NOT NULL,
  file text NOT NULL,
  line bigint NOT NULL,
  PRIMARY KEY (event, ord)
);
CREATE TABLE attempts (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  effect bigint NOT NULL,
  deal text NOT NULL,
  attempt bigint NOT NULL,
  at bigint NOT NULL,
  outcome text NOT NULL,
  http_status bigint NOT NULL,
  error text NOT NULL,
  duration_ms bigint NOT NULL
);
CREATE INDEX attempts_by_deal ON attempts (deal, effect, seq);
CREATE INDEX events_by_deal ON events (deal, seq);
INSERT INTO meta (key, value) SELECT 'fired_rules_after_seq', coalesce(max(seq), 0)::text FROM events;
)sql";

// Version 4: a deal's pending effects found by deal, for the outbox's order
// per deal (an effect waits while an earlier one of its deal is in flight or
// waits to retry): the relay's claim looks up each due effect's deal here,
// reading only the few effects still pending, not the deal's whole outbox.
const char* const kMigration4 = R"sql(
CREATE INDEX effects_pending_by_deal ON effects (deal, id) WHERE status = 'pending';
)sql";

// Version 5: cheaper writes per fired timer and applied event on the shared
// workers. Deals keep room on their pages (fillfactor 70), so rewriting a
// deal (every event and fired timer does) can stay on its page as a HOT
// update that adds nothing to the deal's four indexes. The trigger that keeps
// deal_work up to date runs once per statement over the timers it added or
// moved (one multi-row upsert, the deals in order), not once per timer with
// its search_path set and reset each time: a worker's batch adds its timers
// with one INSERT. It now follows every UPDATE of timers, not only those
// naming `due` (a statement trigger with a transition table takes no column
// list): it only ever makes a deal due earlier, never later.
const char* const kMigration5 = R"sql(
ALTER TABLE deals SET (fillfactor = 70);
DROP TRIGGER timers_work ON timers;
DROP FUNCTION voronka_timer_work();
CREATE FUNCTION voronka_timers_work() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO deal_work (deal, next_run_at) SELECT deal, min(due) FROM changed_timers GROUP BY deal ORDER BY deal
  ON CONFLICT (deal) DO UPDATE SET next_run_at = excluded.next_run_at
  WHERE deal_work.next_run_at IS NULL OR deal_work.next_run_at > excluded.next_run_at;
  RETURN NULL;
END $$;
CREATE TRIGGER timers_added AFTER INSERT ON timers REFERENCING NEW TABLE AS changed_timers
  FOR EACH STATEMENT EXECUTE FUNCTION voronka_timers_work();
CREATE TRIGGER timers_moved AFTER UPDATE ON timers REFERENCING NEW TABLE AS changed_timers
  FOR EACH STATEMENT EXECUTE FUNCTION voronka_timers_work();
)sql";

// Version 6: fewer rows and index entries per event and fired timer. The
// rules that fired for an event are a column of its row (`fired`: a JSON
// array of [rule, name, file, line] in the order they ran, '' when none),
// not a row each in fired_rules with a primary key of its own; the rows kept
// there move into the column. Notes and history are only ever read by deal:
// their primary key is (deal, seq), which serves those reads, instead of seq
// alone beside an index on (deal, seq) — one index entry per row, not two.
// Deals keep half of each page free (70% full left room for about 40% of a
// page's deals to be rewritten in place before the page was pruned: a batch
// that fired the timers of every deal of a page rewrote the rest with a new
// entry in each of the deal's four indexes). Pages written from now on.
const char* const kMigration6 = R"sql(
ALTER TABLE events ADD COLUMN fired text NOT NULL DEFAULT '';
UPDATE events e SET fired = f.list
  FROM (SELECT event, json_agg(json_build_array(rule, name, file, line) ORDER BY ord)::text AS list
        FROM fired_rules GROUP BY event) f
  WHERE e.id = f.event;
DROP TABLE fired_rules;
ALTER TABLE notes DROP CONSTRAINT notes_pkey;
DROP INDEX notes_by_deal;
ALTER TABLE notes ADD PRIMARY KEY (deal, seq);
ALTER TABLE history DROP CONSTRAINT history_pkey;
DROP INDEX history_by_deal;
ALTER TABLE history ADD PRIMARY KEY (deal, seq);
ALTER TABLE deals SET (fillfactor = 50);
)sql";

// Index i holds the migration to version i + 1.
const char* const kMigrations[] = {kMigration1, kMigration2, kMigration3, kMigration4, kMigration5, kMigration6};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

}  // namespace

void migrate(Conn& conn, const std::string& schema) {
  conn.exec("BEGIN", "starting the schema migration");
  try {
    // Two servers opening one new schema at once: the second waits here.
    conn.exec("SELECT pg_advisory_xact_lock(" VORONKA_PG_LOCK_MIGRATION ", hashtext(current_schema()))",
              "locking the schema");
    bool hasStore = conn.queryText(
                        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
                        "AND tablename = 'voronka_store'",
                        "looking for the store") != "0";
    int64_t version = 0;
    if (hasStore) {
      version = std::stoll(conn.queryText("SELECT max(version) FROM voronka_store", "reading the schema version"));
    } else if (conn.queryText("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()",
                              "listing the schema's tables") != "0") {
      throw StoreError("store " + conn.label() + ": schema \"" + schema +
                       "\" has tables but is not a Voronka store: give Voronka a schema of its own "
                       "(options=-csearch_path=NAME in the connection string, after CREATE SCHEMA NAME)");
    }
    if (version > kSchemaVersion) {
      throw StoreError("store " + conn.label() + " has PostgreSQL store schema version " + std::to_string(version) +
                       ", newer than version " + std::to_string(kSchemaVersion) +
                       " that this Voronka knows: open it with a newer Voronka");
    }
    for (int64_t v = version + 1; v <= kSchemaVersion; ++v) {
      std::string what = "migrating the store to schema version " + std::to_string(v);
      conn.exec(kMigrations[v - 1], what.c_str());
      conn.exec(("UPDATE voronka_store SET version = " + std::to_string(v)).c_str(), what.c_str());
    }
    conn.exec("COMMIT", "committing the schema migration");
  } catch (...) {
    PQclear(PQexec(conn.handle(), "ROLLBACK"));
    throw;
  }
}

}  // namespace voronka::store::pg
