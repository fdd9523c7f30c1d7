// What only the SQLite store promises: its file survives the process,
// refuses what it cannot read, group commit is durable at endBatch() and only
// then, and several threads may use it at once.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <future>

#include "runtime/store/sqlite_schema.h"
#include "tests/store/store_test_support.h"

namespace voronka {
namespace {

using store::SqliteStore;
using testing::everyKindProbe;
using testing::sampleDeal;
using testing::sampleTimer;
using testing::snapshot;
using testing::TempDir;

// Runs SQL on the file with a connection of its own, as another program would.
void rawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

std::string rawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string out;
  sqlite3_exec(
      db, sql.c_str(),
      [](void* to, int columns, char** values, char**) {
        auto* text = static_cast<std::string*>(to);
        for (int i = 0; i < columns; ++i) *text += std::string(values[i] ? values[i] : "NULL") + "|";
        *text += "\n";
        return 0;
      },
      &out, nullptr);
  sqlite3_close(db);
  return out;
}

// The message of the StoreError opening `path` throws ("" when it opens).
std::string openError(const std::string& path) {
  try {
    SqliteStore store(path);
  } catch (const store::StoreError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> noteTexts(store::Store& s, const std::string& deal) {
  auto tx = s.begin();
  std::vector<std::string> out;
  for (const auto& n : tx->notesOf(deal)) out.push_back(n.text);
  return out;
}

// Runs `child` in a forked process that ends with _exit, as a crash would:
// no destructor runs, nothing is closed. Returns its exit status.
template <typename Child>
int inChildProcess(Child child) {
  pid_t pid = fork();
  if (pid == 0) {
    int status = 1;
    try {
      status = child();
    } catch (...) {
      status = 2;
    }
    _exit(status);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

TEST(SqliteStore, EverythingSurvivesClosingAndReopening) {
  TempDir dir;
  const std::string path = dir.file("store.db");
  std::string before;
  {
    SqliteStore store(path);
    auto tx = store.begin();
    testing::writeEveryKind(*tx);
    tx->commit();
    tx.reset();
    before = snapshot(store, everyKindProbe());
  }
  SqliteStore reopened(path);
  EXPECT_EQ(snapshot(reopened, everyKindProbe()), before);
  // Ids go on from where they were.
  auto tx = reopened.begin();
  int64_t highest = 0;
  for (const auto& t : tx->dueTimers(INT64_MAX, 10)) highest = std::max(highest, t.id);
  ASSERT_GT(highest, 0);
  EXPECT_GT(tx->addTimer(sampleTimer("d1", 1)), highest + 1);  // nor the removed timer's id after it
}

TEST(SqliteStore, ANewFileGetsTheCurrentSchemaVersionAndWalMode) {
  TempDir dir;
  const std::string path = dir.file("store.db");
  { SqliteStore store(path); }
  EXPECT_EQ(rawQuery(path, "PRAGMA user_version"), std::to_string(SqliteStore::schemaVersion()) + "|\n");
  EXPECT_EQ(rawQuery(path, "PRAGMA journal_mode"), "wal|\n");
  EXPECT_EQ(rawQuery(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'timers_by_due'"), "1|\n");
}

TEST(SqliteStore, AFileFromANewerVoronkaIsRefusedNamingBothVersions) {
  TempDir dir;
  const std::string path = dir.file("store.db");
  {
    SqliteStore store(path);
    auto tx = store.begin();
    tx->putDeal(sampleDeal("d1"));
    tx->commit();
  }
  rawExec(path, "PRAGMA user_version = 99");
  std::string error = openError(path);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("version 99"), std::string::npos) << error;
  EXPECT_NE(error.find("version " + std::to_string(SqliteStore::schemaVersion())), std::string::npos) << error;
  EXPECT_NE(error.find("newer"), std::string::npos) << error;
  // Nothing was changed by the refusal.
  EXPECT_EQ(rawQuery(path, "PRAGMA user_version"), "99|\n");
  EXPECT_EQ(rawQuery(path, "SELECT id FROM deals"), "d1|\n");
}

// A store written by a Voronka of schema version 1, with one deal that was
// created in 0.0 and moved to 0.2, then to 1.0, and one that never moved.
void writeVersion1Store(const std::string& path) {
  rawExec(path, store::sqlite::migrationSql(1));
  rawExec(path,
          "PRAGMA user_version = 1; PRAGMA application_id = " + std::to_string(store::sqlite::kApplicationId) + ";");
  const std::string columns =
      "(id, pipeline, stage, epoch, entered_at, created_at, name, fields, tags, responsible, contact_name, "
      "contact_email, contact_phone, company_name, visits, lost_reason, error, child_deals, version)";
  rawExec(path,
          "INSERT INTO deals " + columns +
              " VALUES ('moved', 1, 0, 3, 300, 100, 'Moved', x'', x'', -1, '', '', '', '', x'', '', '', 0, 3),"
              " ('still', 0, 0, 1, 100, 100, 'Still', x'', x'', -1, '', '', '', '', x'', '', '', 0, 1);"
              "INSERT INTO history (deal, from_pipeline, from_stage, to_pipeline, to_stage, at, cause, how) VALUES"
              " ('moved', -1, -1, 0, 0, 100, 'e1', 'created'),"
              " ('moved', 0, 0, 0, 2, 200, 'e2', 'trigger'),"
              " ('moved', 0, 2, 1, 0, 300, 'e3', 'automatic'),"
              " ('still', -1, -1, 0, 0, 100, 'e4', 'created');");
}

TEST(SqliteStore, AVersion1StoreOpensAndItsDealsKnowTheirPreviousStage) {
  TempDir dir;
  std::string path = dir.file("v1.db");
  writeVersion1Store(path);
  {
    SqliteStore store(path);
    auto tx = store.begin();
    std::optional<store::DealRecord> moved = tx->deal("moved");
    ASSERT_TRUE(moved.has_value());
    EXPECT_EQ(moved->name, "Moved");
    EXPECT_EQ(moved->pipeline, 1);
    EXPECT_EQ(moved->stage, 0);
    EXPECT_EQ(moved->previousPipeline, 0);  // where its last move came from
    EXPECT_EQ(moved->previousStage, 2);
    std::optional<store::DealRecord> still = tx->deal("still");
    ASSERT_TRUE(still.has_value());
    EXPECT_EQ(still->previousPipeline, -1);
    EXPECT_EQ(still->previousStage, -1);
    // The migrated store takes new deals and moves as any other.
    store::DealRecord d = sampleDeal("new");
    tx->putDeal(d);
    moved->previousPipeline = 1;
    moved->previousStage = 0;
    moved->stage = 1;
    tx->putDeal(*moved);
    tx->commit();
  }
  EXPECT_EQ(rawQuery(path, "PRAGMA user_version"), std::to_string(SqliteStore::schemaVersion()) + "|\n");
  SqliteStore reopened(path);
  auto tx = reopened.begin();
  EXPECT_EQ(testing::show(*tx->deal("new")), testing::show(sampleDeal("new")));
  EXPECT_EQ(tx->deal("moved")->previousStage, 0);
  EXPECT_EQ(tx->deal("moved")->stage, 1);
}

// A store of schema version 2 (before versions), as the Voronka before
// `deploy` left it: the module it ran on known only by its checksum in meta.
void writeVersion2Store(const std::string& path) {
  writeVersion1Store(path);
  rawExec(path, std::string(store::sqlite::migrationSql(2)) + "PRAGMA user_version = 2;");
  rawExec(path,
          "INSERT INTO meta (key, value) VALUES ('module_checksum', '00112233aabbccdd'), ('module_path', 'f.funnelc');"
          "INSERT INTO events (id, deal, type, at, outcome) VALUES ('e1', 'moved', 'deal_created', 100, 'applied');");
}

TEST(SqliteStore, AVersion2StoreIsMigratedInPlaceAndItsDealsRunOnTheModuleItServed) {
  TempDir dir;
  std::string path = dir.file("v2.db");
  writeVersion2Store(path);
  // A reader does not migrate: it says what to run.
  try {
    SqliteStore reader(path, store::SqliteOptions{.readOnly = true});
    ADD_FAILURE() << "a version 2 file opened read-only";
  } catch (const store::StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(rawQuery(path, "PRAGMA user_version"), "2|\n");
  {
    SqliteStore store(path);
    auto tx = store.begin();
    EXPECT_EQ(tx->deal("moved")->moduleVersion, "00112233aabbccdd");
    EXPECT_EQ(tx->deal("still")->moduleVersion, "00112233aabbccdd");
    EXPECT_EQ(tx->deal("moved")->previousStage, 2);  // what version 2 added is kept
    EXPECT_EQ(tx->meta("active_version"), "00112233aabbccdd");
    EXPECT_EQ(tx->event("e1")->outcome, "applied");
    EXPECT_EQ(tx->event("e1")->moduleVersion, "");
    EXPECT_TRUE(tx->eventLog(0, 10).empty());  // old events kept no body
    EXPECT_TRUE(tx->moduleVersions().empty());
    EXPECT_TRUE(tx->deployments(10).empty());
    store::EventRecord next{"e2", "still", "link_clicked", 200, "applied"};
    next.body = "{}";
    next.moduleVersion = "00112233aabbccdd";
    tx->recordEvent(next);
    tx->commit();
  }
  EXPECT_EQ(rawQuery(path, "PRAGMA user_version"), std::to_string(SqliteStore::schemaVersion()) + "|\n");
  EXPECT_EQ(rawQuery(path, "SELECT id, seq FROM events ORDER BY id"), "e1|0|\ne2|1|\n");
  SqliteStore reader(path, store::SqliteOptions{.readOnly = true});
  auto tx = reader.begin();
  EXPECT_EQ(tx->eventLog(0, 10).at(0).id, "e2");
}

// A store of schema version 4, before the store kept the rules that fired
// and each delivery attempt: events recorded, a letter tried twice.
TEST(SqliteStore, AVersion4StoreKeepsItsHistoryAndTheNewRowsStartAfterIt) {
  TempDir dir;
  std::string path = dir.file("v4.db");
  writeVersion2Store(path);
  rawExec(path, std::string(store::sqlite::migrationSql(3)) + store::sqlite::migrationSql(4) +
                    "PRAGMA user_version = 4;"
                    "INSERT INTO events (id, deal, type, at, outcome, module_version, body, seq) VALUES "
                    "('e2', 'still', 'link_clicked', 200, 'applied', 'v', '{}', 7);"
                    "INSERT INTO effects (deal, kind, key, payload, created_at, not_before, status, attempts, "
                    "next_attempt_at, delivered_at, last_error) VALUES "
                    "('still', 'email', 'k', '{}', 200, 0, 'dead', 2, 0, 0, 'gave up');");
  {
    SqliteStore store(path);
    auto tx = store.begin();
    EXPECT_EQ(tx->meta("fired_rules_after_seq"), "7");  // events up to it have no fired rules recorded
    EXPECT_TRUE(tx->event("e2")->fired.empty());
    EXPECT_EQ(tx->eventsOf("still").size(), 1u);
    EXPECT_TRUE(tx->attemptsOf("still").empty());  // its two attempts were before: only counted
    EXPECT_EQ(tx->effectsOf("still").at(0).attempts, 2);
    store::EventRecord next{"e3", "still", "link_clicked", 300, "applied"};
    next.fired = {{1, "shop.new#2", "f.funnel", 9}};
    tx->recordEvent(next);
    tx->commit();
  }
  EXPECT_EQ(rawQuery(path, "PRAGMA user_version"), std::to_string(SqliteStore::schemaVersion()) + "|\n");
  SqliteStore reader(path, store::SqliteOptions{.readOnly = true});
  auto tx = reader.begin();
  std::vector<store::EventRecord> events = tx->eventsOf("still");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_GT(events[1].seq, 7);
  ASSERT_EQ(events[1].fired.size(), 1u);
  EXPECT_EQ(events[1].fired[0].name, "shop.new#2");
}

TEST(SqliteStore, AFileThatIsNotADatabaseIsRefused) {
  TempDir dir;
  for (size_t repeat : {1, 200}) {
    const std::string path = dir.file("notes" + std::to_string(repeat) + ".txt");
    {
      std::ofstream out(path);
      for (size_t i = 0; i < repeat; ++i) out << "These are my notes, not a database.\n";
    }
    std::string error = openError(path);
    EXPECT_NE(error.find(path), std::string::npos) << error;
    EXPECT_NE(error.find("not an SQLite database"), std::string::npos) << error;
    std::ifstream in(path);
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first, "These are my notes, not a database.");  // left as it was
  }
}

TEST(SqliteStore, AnotherProgramsDatabaseIsRefused) {
  TempDir dir;
  const std::string path = dir.file("other.db");
  rawExec(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
  std::string error = openError(path);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("not a Voronka store"), std::string::npos) << error;
  EXPECT_EQ(rawQuery(path, "SELECT count(*) FROM sqlite_schema"), "1|\n");
}

TEST(SqliteStore, AFileThatCannotBeCreatedIsAClearError) {
  TempDir dir;
  const std::string path = dir.file("no/such/directory/store.db");
  std::string error = openError(path);
  EXPECT_NE(error.find("cannot open the store " + path), std::string::npos) << error;
}

TEST(SqliteStore, TheDueQueriesUseIndexes) {
  TempDir dir;
  const std::string path = dir.file("store.db");
  { SqliteStore store(path); }
  std::string timers =
      rawQuery(path, "EXPLAIN QUERY PLAN SELECT id FROM timers WHERE due <= 5 ORDER BY due, id LIMIT 1");
  EXPECT_NE(timers.find("timers_by_due"), std::string::npos) << timers;
  EXPECT_EQ(timers.find("TEMP B-TREE"), std::string::npos) << timers;
  std::string next = rawQuery(path, "EXPLAIN QUERY PLAN SELECT min(due) FROM timers");
  EXPECT_NE(next.find("timers_by_due"), std::string::npos) << next;
  std::string effects =
      rawQuery(path,
               "EXPLAIN QUERY PLAN SELECT id FROM effects WHERE status = 'pending' AND not_before <= 5 "
               "AND next_attempt_at <= 5 ORDER BY id LIMIT 10");
  EXPECT_NE(effects.find("effects_by_status"), std::string::npos) << effects;
  EXPECT_EQ(effects.find("TEMP B-TREE"), std::string::npos) << effects;
}

TEST(SqliteStore, ASecondTransactionOnTheSameThreadIsRefusedWithoutDeadlock) {
  TempDir dir;
  SqliteStore store(dir.file("store.db"));
  {
    auto tx = store.begin();
    tx->addNote({"a", 1, "outer"});
    EXPECT_THROW(store.begin(), std::logic_error);
    EXPECT_THROW(store.beginBatch(), std::logic_error);
    tx->commit();
  }
  EXPECT_THROW(store.endBatch(), std::logic_error);
  EXPECT_EQ(noteTexts(store, "a"), std::vector<std::string>{"outer"});
}

TEST(SqliteStore, EndBatchMakesTheBatchDurableWithoutAClose) {
  TempDir dir;
  const std::string path = dir.file("store.db");
  int status = inChildProcess([&] {
    auto* store = new SqliteStore(path);  // never deleted: the process just ends
    store->beginBatch();
    for (int i = 0; i < 10; ++i) {
      auto tx = store->begin();
      tx->addNote({"a", i, "note " + std::to_string(i)});
      if (i != 4) tx->commit();
    }
    store->endBatch();
    return 0;
  });
  ASSERT_EQ(status, 0);
  SqliteStore store(path);
  EXPECT_EQ(noteTexts(store, "a").size(), 9u);
}

TEST(SqliteStore, ABatchNeverEndedLeavesNothingEvenAfterACrash) {
  TempDir dir;
  const std::string path = dir.file("store.db");
  {
    SqliteStore store(path);
    auto tx = store.begin();
    tx->addNote({"a", 0, "before the batch"});
    tx->commit();
  }
  int status = inChildProcess([&] {
    auto* store = new SqliteStore(path);
    store->beginBatch();
    // Enough to spill pages into the write-ahead log before the commit.
    const std::string text(200, 'x');
    for (int i = 0; i < 20000; ++i) {
      auto tx = store->begin();
      tx->addNote({"a", i, text});
      tx->putDeal(sampleDeal(std::to_string(i) + "-d"));  // (not "d" + …: GCC 12 warns wrongly)
      tx->commit();
    }
    return 0;  // the process ends mid-batch
  });
  ASSERT_EQ(status, 0);
  SqliteStore store(path);
  EXPECT_EQ(noteTexts(store, "a"), std::vector<std::string>{"before the batch"});
  auto tx = store.begin();
  EXPECT_EQ(tx->counts().deals, 0);
}

TEST(SqliteStore, AStoreDestroyedMidBatchKeepsNothingOfTheBatch) {
  TempDir dir;
  const std::string path = dir.file("store.db");
  {
    SqliteStore store(path);
    {
      auto tx = store.begin();
      tx->addNote({"a", 0, "before"});
      tx->commit();
    }
    store.beginBatch();
    auto tx = store.begin();
    tx->addNote({"a", 1, "in the batch"});
    tx->putDeal(sampleDeal("d1"));
    tx->commit();
  }
  SqliteStore store(path);
  EXPECT_EQ(noteTexts(store, "a"), std::vector<std::string>{"before"});
  auto tx = store.begin();
  EXPECT_FALSE(tx->deal("d1").has_value());
}

TEST(SqliteStore, ReopenedAfterEndBatchSeesEveryCommittedTransaction) {
  TempDir dir;
  const std::string path = dir.file("store.db");
  {
    SqliteStore store(path, {store::Synchronous::Normal, 1000});
    store.beginBatch();
    auto tx = store.begin();
    testing::writeEveryKind(*tx);
    tx->commit();
    tx.reset();
    store.endBatch();
  }
  SqliteStore store(path);
  auto tx = store.begin();
  EXPECT_EQ(tx->counts().deals, 3);
  EXPECT_EQ(tx->takeCounter("rr:sales"), 2);
}

TEST(SqliteStore, ThreadsShareTheStoreWithoutCorruptionOrDeadlock) {
  TempDir dir;
  SqliteStore store(dir.file("store.db"));
  constexpr int kBatches = 40, kPerBatch = 6, kSingles = 200;
  auto writer = std::async(std::launch::async, [&] {  // the event writer: batches, one event failing in each
    for (int b = 0; b < kBatches; ++b) {
      store.beginBatch();
      for (int i = 0; i < kPerBatch; ++i) {
        auto tx = store.begin();
        tx->takeCounter("writer");
        tx->addNote({"w", b, "w"});
        tx->addTimer(sampleTimer("w", 1000 + b));
        if (i != 0) tx->commit();
      }
      store.endBatch();
    }
  });
  auto relay = std::async(std::launch::async, [&] {  // one transaction at a time
    for (int i = 0; i < kSingles; ++i) {
      auto tx = store.begin();
      tx->takeCounter("relay");
      tx->addNote({"r", i, "r"});
      tx->commit();
    }
  });
  auto reader = std::async(std::launch::async, [&] {  // reads only: never sees a half-done batch
    int64_t seen = 0;
    for (int i = 0; i < kSingles; ++i) {
      if (store.nextDue()) ++seen;
      auto tx = store.begin();
      store::StoreCounts c = tx->counts();
      EXPECT_EQ(c.timersPending % (kPerBatch - 1), 0) << "a batch was seen half done";
    }
    return seen;
  });
  for (auto* f : std::initializer_list<std::future<void>*>{&writer, &relay}) {
    if (f->wait_for(std::chrono::seconds(120)) != std::future_status::ready) {
      ADD_FAILURE() << "deadlock: a thread did not finish";
      std::_Exit(1);
    }
    f->get();
  }
  if (reader.wait_for(std::chrono::seconds(120)) != std::future_status::ready) std::_Exit(1);
  reader.get();

  auto tx = store.begin();
  EXPECT_EQ(tx->takeCounter("writer"), kBatches * (kPerBatch - 1));
  EXPECT_EQ(tx->takeCounter("relay"), kSingles);
  EXPECT_EQ(tx->notesOf("w").size(), static_cast<size_t>(kBatches * (kPerBatch - 1)));
  EXPECT_EQ(tx->notesOf("r").size(), static_cast<size_t>(kSingles));
  EXPECT_EQ(tx->counts().timersPending, kBatches * (kPerBatch - 1));
}

TEST(SqliteStore, ADamagedDealIsReportedWithItsIdAndFile) {
  TempDir dir;
  const std::string path = dir.file("store.db");
  {
    SqliteStore store(path);
    auto tx = store.begin();
    tx->putDeal(sampleDeal("d1"));
    tx->commit();
  }
  rawExec(path, "UPDATE deals SET fields = x'0105' WHERE id = 'd1'");
  SqliteStore store(path);
  auto tx = store.begin();
  try {
    tx->deal("d1");
    ADD_FAILURE() << "a damaged deal was read";
  } catch (const store::StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("\"d1\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace voronka
