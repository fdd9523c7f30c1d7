// The PostgreSQL store's own promises, beyond the conformance suite: clear
// errors (no server, a bad connection string, a schema that is not a store,
// a newer one, a second server), its data kept across reopening, and a lost
// connection made again.
#include <gtest/gtest.h>

#include "runtime/store/pg_store.h"
#include "tests/store/pg_test_server.h"
#include "tests/store/store_test_support.h"

namespace voronka {
namespace {

using testing::TestPostgres;

std::string openError(const std::string& conninfo) {
  try {
    store::PostgresStore s(conninfo);
  } catch (const store::StoreError& e) {
    return e.what();
  }
  return "(opened)";
}

TEST(PostgresStoreErrors, NoServerIsAClearErrorNamingWhereButNotThePassword) {
  std::string error = openError("host=/nonexistent/voronka dbname=crm user=me password=sekret connect_timeout=2");
  EXPECT_NE(error.find("cannot connect to PostgreSQL at"), std::string::npos) << error;
  EXPECT_NE(error.find("host=/nonexistent/voronka"), std::string::npos) << error;
  EXPECT_NE(error.find("dbname=crm"), std::string::npos) << error;
  EXPECT_EQ(error.find("sekret"), std::string::npos) << error;
}

TEST(PostgresStoreErrors, AnInvalidConnectionStringSaysHowToWriteOne) {
  std::string error = openError("host=/tmp password=sekret nonsense");
  EXPECT_NE(error.find("connection string is not valid"), std::string::npos) << error;
  EXPECT_NE(error.find("postgresql:// URI"), std::string::npos) << error;
  EXPECT_EQ(error.find("sekret"), std::string::npos) << error;
}

class PostgresStore : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string& why = server().unavailable(); !why.empty()) GTEST_SKIP() << why;
  }
  static TestPostgres& server() { return TestPostgres::instance(); }
};

TEST_F(PostgresStore, DataIsKeptAcrossReopening) {
  std::string where = server().freshSchema();
  {
    store::PostgresStore s(where);
    auto tx = s.begin();
    testing::writeEveryKind(*tx);
    tx->commit();
  }
  std::string before;
  {
    store::PostgresStore s(where);
    before = testing::snapshot(s, testing::everyKindProbe());
  }
  store::PostgresStore again(where);
  EXPECT_EQ(testing::snapshot(again, testing::everyKindProbe()), before);
  EXPECT_NE(before.find("deal d3"), std::string::npos);
}

TEST_F(PostgresStore, ASecondStoreOnTheSameSchemaIsRefusedAndAnotherSchemaIsFine) {
  std::string where = server().freshSchema();
  store::PostgresStore first(where);
  std::string error = openError(where);
  EXPECT_NE(error.find("is served by another voronka already"), std::string::npos) << error;
  EXPECT_EQ(openError(server().freshSchema()), "(opened)");
}

TEST_F(PostgresStore, ASchemaWithOtherTablesIsRefusedAndLeftAlone) {
  std::string where = server().freshSchema();
  std::string schema = where.substr(where.find("search_path=") + 12);
  schema.pop_back();  // the closing quote
  ASSERT_EQ(server().run("CREATE TABLE " + schema + ".customers (id int)"), "");
  std::string error = openError(where);
  EXPECT_NE(error.find("has tables but is not a Voronka store"), std::string::npos) << error;
  EXPECT_NE(error.find("schema " + schema), std::string::npos) << error;
  EXPECT_NE(server().run("SELECT 1 FROM " + schema + ".deals"), "");  // nothing was created
}

TEST_F(PostgresStore, AStoreFromANewerVoronkaIsRefused) {
  std::string where = server().freshSchema();
  std::string schema = where.substr(where.find("search_path=") + 12);
  schema.pop_back();
  { store::PostgresStore s(where); }
  ASSERT_EQ(server().run("UPDATE " + schema + ".voronka_store SET version = 99"), "");
  std::string error = openError(where);
  EXPECT_NE(error.find("schema version 99, newer than version"), std::string::npos) << error;
  EXPECT_NE(error.find("open it with a newer Voronka"), std::string::npos) << error;
}

// What the migration to schema version 6 changed, undone (in a store's
// schema): the rules that fired back in a table of their own, notes and
// history keyed by seq with an index by deal. (fired_rules stays empty.)
const std::string kUndoVersion6 =
    "ALTER TABLE events DROP COLUMN fired; "
    "CREATE TABLE fired_rules (event text NOT NULL, ord bigint NOT NULL, rule bigint NOT NULL, name text NOT NULL, "
    "file text NOT NULL, line bigint NOT NULL, PRIMARY KEY (event, ord)); "
    "ALTER TABLE notes DROP CONSTRAINT notes_pkey; ALTER TABLE notes ADD PRIMARY KEY (seq); "
    "CREATE INDEX notes_by_deal ON notes (deal, seq); "
    "ALTER TABLE history DROP CONSTRAINT history_pkey; ALTER TABLE history ADD PRIMARY KEY (seq); "
    "CREATE INDEX history_by_deal ON history (deal, seq); ALTER TABLE deals SET (fillfactor = 70); "
    "UPDATE voronka_store SET version = 5";

// A version 5 store (the rules that fired a row each in fired_rules) is
// migrated when opened: every event keeps its rules, in their order, and its
// notes and history read as before.
TEST_F(PostgresStore, AVersion5StoresFiredRulesMoveIntoTheirEventsRows) {
  std::string where = server().freshSchema();
  std::string schema = where.substr(where.find("search_path=") + 12);
  schema.pop_back();
  {
    store::PostgresStore s(where);
    auto tx = s.begin();
    tx->recordEvent({"two", "d1", "link_clicked", 100, "applied"});
    tx->recordEvent({"none", "d1", "link_clicked", 110, "applied"});
    tx->recordEvent({"one", "d2", "link_clicked", 120, "applied"});
    tx->addNote({"d1", 100, "first"});
    tx->addNote({"d2", 105, "other deal"});
    tx->addNote({"d1", 110, "second"});
    tx->addHistory({"d1", 0, 0, 0, 1, 100, "two", "rule"});
    tx->commit();
  }
  ASSERT_EQ(server().run("SET search_path = " + schema + "; " + kUndoVersion6 +
                         "; INSERT INTO fired_rules VALUES ('two', 1, 7, 'shop.new then 1', 'dir/a b.funnel', 20), "
                         "('two', 0, 2, 'shop.new#3 \"quoted\" \\ ü', 'f.funnel', 14), "
                         "('one', 0, 4, 'retail.x', 'g.funnel', 9)"),
            "");
  store::PostgresStore s(where);
  auto tx = s.begin();
  std::optional<store::EventRecord> two = tx->event("two");
  ASSERT_TRUE(two.has_value());
  ASSERT_EQ(two->fired.size(), 2u);
  EXPECT_EQ(two->fired[0].rule, 2);
  EXPECT_EQ(two->fired[0].name, "shop.new#3 \"quoted\" \\ ü");
  EXPECT_EQ(two->fired[0].file, "f.funnel");
  EXPECT_EQ(two->fired[0].line, 14);
  EXPECT_EQ(two->fired[1].rule, 7);
  EXPECT_EQ(two->fired[1].name, "shop.new then 1");
  EXPECT_EQ(two->fired[1].file, "dir/a b.funnel");
  EXPECT_EQ(two->fired[1].line, 20);
  std::vector<store::EventRecord> d1 = tx->eventsOf("d1");
  ASSERT_EQ(d1.size(), 2u);
  EXPECT_EQ(d1[0].fired.size(), 2u);
  EXPECT_TRUE(d1[1].fired.empty());
  std::vector<store::EventRecord> d2 = tx->eventsOf("d2");
  ASSERT_EQ(d2.size(), 1u);
  ASSERT_EQ(d2[0].fired.size(), 1u);
  EXPECT_EQ(d2[0].fired[0].name, "retail.x");
  // New events, notes and history go on after the old ones.
  store::EventRecord next{"new", "d1", "link_clicked", 200, "applied"};
  next.fired = {{3, "tab\there", "x.funnel", 1}};
  tx->recordEvent(next);
  tx->addNote({"d1", 200, "third"});
  tx->addHistory({"d1", 0, 1, 0, 2, 200, "new", "rule"});
  tx->commit();
  auto again = s.begin();
  std::vector<store::EventRecord> events = again->eventsOf("d1");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].id, "new");
  ASSERT_EQ(events[2].fired.size(), 1u);
  EXPECT_EQ(events[2].fired[0].name, "tab\there");
  std::vector<store::NoteRecord> notes = again->notesOf("d1");
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_EQ(notes[0].text, "first");
  EXPECT_EQ(notes[1].text, "second");
  EXPECT_EQ(notes[2].text, "third");
  std::vector<store::HistoryRecord> history = again->historyOf("d1");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].toStage, 1);
  EXPECT_EQ(history[1].toStage, 2);
  EXPECT_NE(server().run("SELECT 1 FROM " + schema + ".fired_rules"), "");  // gone: reading it is an error
  EXPECT_EQ(server().run("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = "
                         "c.relnamespace WHERE n.nspname = '" +
                         schema +
                         "' AND c.relname = 'deals' AND 'fillfactor=50' = ANY(c.reloptions)) THEN "
                         "RAISE EXCEPTION 'deals do not keep half of each page free'; END IF; END $$"),
            "");
}

// A version 2 store (before fired rules and delivery attempts were kept) is
// migrated when opened: its old events have no fired rules, the new ones do.
TEST_F(PostgresStore, AVersion2StoreIsMigratedAndTheNewRowsStartAfterItsEvents) {
  std::string where = server().freshSchema();
  std::string schema = where.substr(where.find("search_path=") + 12);
  schema.pop_back();
  {
    store::PostgresStore s(where);
    auto tx = s.begin();
    tx->recordEvent({"old", "d1", "link_clicked", 100, "applied"});
    tx->commit();
  }
  // What versions 3 to 6 changed, undone again: as a version 2 store was.
  ASSERT_EQ(server().run("SET search_path = " + schema + "; " + kUndoVersion6 +
                         "; DROP TABLE fired_rules; DROP TABLE attempts; DROP INDEX events_by_deal; "
                         "DROP INDEX effects_pending_by_deal; "
                         "DROP TRIGGER timers_added ON timers; DROP TRIGGER timers_moved ON timers; "
                         "DROP FUNCTION voronka_timers_work(); ALTER TABLE deals RESET (fillfactor); "
                         "CREATE FUNCTION voronka_timer_work() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                         "INSERT INTO deal_work (deal, next_run_at) VALUES (NEW.deal, NEW.due) ON CONFLICT (deal) "
                         "DO UPDATE SET next_run_at = excluded.next_run_at WHERE deal_work.next_run_at IS NULL OR "
                         "deal_work.next_run_at > excluded.next_run_at; RETURN NULL; END $$; "
                         "CREATE TRIGGER timers_work AFTER INSERT OR UPDATE OF due ON timers FOR EACH ROW EXECUTE "
                         "FUNCTION voronka_timer_work(); "
                         "DELETE FROM meta WHERE key = 'fired_rules_after_seq'; UPDATE voronka_store SET version = 2"),
            "");
  store::PostgresStore s(where);
  auto tx = s.begin();
  std::optional<store::EventRecord> old = tx->event("old");
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(tx->meta("fired_rules_after_seq"), std::to_string(old->seq));
  EXPECT_TRUE(old->fired.empty());
  store::EventRecord next{"new", "d1", "link_clicked", 200, "applied"};
  next.fired = {{2, "shop.new#3", "f.funnel", 14}};
  tx->recordEvent(next);
  std::vector<store::EventRecord> events = tx->eventsOf("d1");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_GT(events[1].seq, old->seq);
  ASSERT_EQ(events[1].fired.size(), 1u);
  EXPECT_EQ(events[1].fired[0].line, 14);
}

TEST_F(PostgresStore, ALostConnectionIsMadeAgainAtTheNextTransaction) {
  std::string where = server().freshSchema() + " application_name=victim";
  store::PostgresStore s(where);
  {
    auto tx = s.begin();
    tx->putDeal(testing::sampleDeal("d1"));
    tx->commit();
  }
  ASSERT_EQ(server().run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim'"),
            "");
  auto tx = s.begin();
  EXPECT_TRUE(tx->deal("d1").has_value());
  tx->putDeal(testing::sampleDeal("d2"));
  tx->commit();
  EXPECT_EQ(openError(where), openError(where));  // the lock was taken again: both refused alike
  EXPECT_NE(openError(where).find("is served by another voronka already"), std::string::npos);
}

TEST_F(PostgresStore, AFailedStatementLeavesTheBatchsOtherTransactions) {
  store::PostgresStore s(server().freshSchema());
  s.beginBatch();
  {
    auto tx = s.begin();
    tx->addNote({"a", 1, "kept"});
    tx->commit();
  }
  {
    auto tx = s.begin();
    tx->addNote({"a", 2, "undone"});
    // Text PostgreSQL cannot hold (a NUL byte): the statement fails, the savepoint is rolled back.
    EXPECT_THROW(tx->addNote({"a", 3, std::string("bad\0text", 8)}), store::StoreError);
    EXPECT_THROW(tx->commit(), store::StoreError);
  }
  {
    auto tx = s.begin();
    tx->addNote({"a", 4, "also kept"});
    tx->commit();
  }
  s.endBatch();
  auto tx = s.begin();
  std::vector<std::string> notes;
  for (const auto& n : tx->notesOf("a")) notes.push_back(n.text);
  EXPECT_EQ(notes, (std::vector<std::string>{"kept", "also kept"}));
}

}  // namespace
}  // namespace voronka
