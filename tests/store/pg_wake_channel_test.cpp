// The wake-up channel of a store's shared workers (pg_wake_channel.h): one
// per schema, so tenants in schemas of one database wake only their own
// workers; long schema names stay apart within PostgreSQL's 63 bytes.
#include "runtime/store/pg_wake_channel.h"

#include <gtest/gtest.h>

#include "runtime/store/pg_store.h"
#include "runtime/store/pg_work_queue.h"
#include "tests/store/pg_test_server.h"

namespace voronka {
namespace {

using store::pg::listenSql;
using store::pg::notifySql;
using store::pg::wakeChannelOf;
using testing::TestPostgres;

constexpr store::PostgresOptions kShared{.sharedWorkers = true};

TEST(WakeChannel, IsNamedAfterTheSchemaAndQuoted) {
  EXPECT_EQ(wakeChannelOf("public"), "voronka_work.public");
  EXPECT_EQ(notifySql("shop"), "NOTIFY \"voronka_work.shop\"");
  EXPECT_EQ(listenSql("a\"b"), "LISTEN \"voronka_work.a\"\"b\"");  // a quote in the name is doubled
  EXPECT_EQ(notifySql("shop", store::pg::Channel::Applied), "NOTIFY \"voronka_done.shop\"");
}

TEST(WakeChannel, LongSchemaNamesFitAndStayApart) {
  std::string common(60, 'x');  // schema names may be 63 bytes: with the prefix they are too long
  std::string a = wakeChannelOf(common + "aaa"), b = wakeChannelOf(common + "bbb");
  EXPECT_LE(a.size(), 63u);
  EXPECT_LE(b.size(), 63u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, wakeChannelOf(common + "aaa"));  // every worker of the store agrees
  // Never cut inside a UTF-8 character: "я" is two bytes.
  std::string cyrillic;
  for (int i = 0; i < 31; ++i) cyrillic += "я";
  std::string c = wakeChannelOf(cyrillic);
  EXPECT_LE(c.size(), 63u);
  std::string prefix = "voronka_work.";
  std::string kept = c.substr(prefix.size(), c.find('~') - prefix.size());
  EXPECT_EQ(kept.size() % 2, 0u) << kept;  // whole letters only
}

class PostgresWakeChannel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string& why = server().unavailable(); !why.empty()) GTEST_SKIP() << why;
  }
  static TestPostgres& server() { return TestPostgres::instance(); }
};

// Work for one tenant (a schema of the database) wakes its workers and not another tenant's.
TEST_F(PostgresWakeChannel, WorkInOneSchemaWakesOnlyThatSchemasWorkers) {
  std::string shop = server().freshSchema(), office = server().freshSchema();
  store::PostgresStore shopStore(shop, kShared), officeStore(office, kShared);
  store::pg::WakeListener shopWorker(shop), officeWorker(office);
  EXPECT_FALSE(shopWorker.wait(0));  // connects and listens; nothing yet
  EXPECT_FALSE(officeWorker.wait(0));
  store::pg::Inbox shopIntake(shop), officeIntake(office);

  shopIntake.add({{"e1", "d1", "{}", "", ""}}, 100, true);
  EXPECT_TRUE(shopWorker.wait(10000));
  EXPECT_FALSE(officeWorker.wait(500));

  officeIntake.add({{"e1", "d1", "{}", "", ""}}, 100, true);
  EXPECT_TRUE(officeWorker.wait(10000));
  EXPECT_FALSE(shopWorker.wait(500));
}

// The workers' word that events were applied wakes the intake's listener, not the workers.
TEST_F(PostgresWakeChannel, AppliedAndWorkAreChannelsApart) {
  std::string where = server().freshSchema();
  store::PostgresStore store(where, kShared);
  store::pg::WakeListener worker(where), intake(where, store::pg::Channel::Applied);
  EXPECT_FALSE(worker.wait(0));
  EXPECT_FALSE(intake.wait(0));
  store.connection().exec(notifySql(store::pg::storeSchema(store.connection()), store::pg::Channel::Applied).c_str(),
                          "telling the intakes");
  EXPECT_TRUE(intake.wait(10000));
  EXPECT_FALSE(worker.wait(500));
}

// A schema name as long as PostgreSQL allows: the intake and the workers agree on its channel.
TEST_F(PostgresWakeChannel, ALongSchemaNamesWorkersAreWoken) {
  std::string schema(63, 'l');
  ASSERT_EQ(server().run("CREATE SCHEMA " + schema), "");
  std::string where = server().conninfo() + " options='-csearch_path=" + schema + "'";
  store::PostgresStore store(where, kShared);
  store::pg::WakeListener worker(where);
  EXPECT_FALSE(worker.wait(0));
  store::pg::Inbox(where).add({{"e1", "d1", "{}", "", ""}}, 100, true);
  EXPECT_TRUE(worker.wait(10000));
}

}  // namespace
}  // namespace voronka
