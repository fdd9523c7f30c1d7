// The CRM's state shared by the processes of one PostgreSQL store: OAuth
// tokens refreshed once for all of them, one rate budget, one lock holder.
// Each SharedTokenKeeper / SharedRateLimiter / SharedLock has a connection
// of its own, as separate worker processes do.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "runtime/crm/shared_inbound.h"
#include "runtime/crm/shared_lock.h"
#include "runtime/crm/shared_rate_limiter.h"
#include "runtime/crm/shared_tokens.h"
#include "runtime/store/pg_store.h"
#include "tests/store/pg_test_server.h"

namespace voronka::crm {
namespace {

using testing::TestPostgres;

// amoCRM's token endpoint: a refresh token works once; refreshes are slow,
// so that concurrent callers pile up behind the first.
class FakeTokenEndpoint {
 public:
  FakeTokenEndpoint() {
    server_.Post("/oauth2/access_token", [this](const httplib::Request& req, httplib::Response& res) {
      nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
      std::string token = body.is_object() ? body.value("refresh_token", "") : "";
      std::string access, refresh;
      {
        std::lock_guard lock(mutex_);
        if (spent_.count(token)) ++reuse_;
        if (!valid_.count(token)) {
          res.status = 400;
          res.set_content(R"({"title":"invalid_grant"})", "application/json");
          return;
        }
        valid_.erase(token);
        spent_.insert(token);
        ++refreshes_;
        access = "access-" + std::to_string(refreshes_);
        refresh = "refresh-" + std::to_string(refreshes_);
        valid_.insert(refresh);
        used_.push_back(token);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      res.set_content(nlohmann::json{{"access_token", access}, {"refresh_token", refresh}, {"expires_in", 3600}}.dump(),
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeTokenEndpoint() {
    server_.stop();
    thread_.join();
  }
  void allow(const std::string& refresh) {
    std::lock_guard lock(mutex_);
    valid_.insert(refresh);
  }
  int refreshes() {
    std::lock_guard lock(mutex_);
    return refreshes_;
  }
  int reuse() {
    std::lock_guard lock(mutex_);
    return reuse_;
  }
  std::vector<std::string> used() {
    std::lock_guard lock(mutex_);
    return used_;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/oauth2/access_token"; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::set<std::string> valid_, spent_;
  std::vector<std::string> used_;
  int refreshes_ = 0;
  int reuse_ = 0;
};

class PostgresSharedCrm : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string& why = TestPostgres::instance().unavailable(); !why.empty()) GTEST_SKIP() << why;
    conninfo_ = TestPostgres::instance().freshSchema();
    // The store's tables (meta) made as a worker makes them.
    store::PostgresStore made(conninfo_, store::PostgresOptions{.sharedWorkers = true});
    dir_ = std::filesystem::temp_directory_path() / ("voronka_crm_shared_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  CrmConfig oauthConfig(const std::string& refresh, const std::string& tokenFile = "tokens.json") {
    CrmConfig c;
    c.kind = CrmKind::AmoCrm;
    c.timeout = 5;
    OAuthSettings o;
    o.clientId = "client";
    o.clientSecret = "secret";
    o.redirectUri = "https://voronka.example/oauth";
    o.refreshToken = refresh;
    o.tokenUrl = fake_.url();
    o.tokenFile = dir_ / tokenFile;
    c.oauth = o;
    return c;
  }

  std::string conninfo_;
  std::filesystem::path dir_;
  FakeTokenEndpoint fake_;
};

// Runs `call` on `keepers.size() × perKeeper` threads at once; the tokens they got.
template <typename Call>
std::set<std::string> together(std::vector<std::unique_ptr<SharedTokenKeeper>>& keepers, int perKeeper, Call call) {
  std::mutex mutex;
  std::set<std::string> got;
  std::vector<std::thread> threads;
  for (auto& k : keepers) {
    for (int i = 0; i < perKeeper; ++i) {
      threads.emplace_back([&, keeper = k.get()] {
        Result<std::string> token = call(*keeper);
        std::lock_guard lock(mutex);
        got.insert(token ? *token : "error: " + token.error());
      });
    }
  }
  for (auto& t : threads) t.join();
  return got;
}

TEST_F(PostgresSharedCrm, ManyProcessesRefreshTheTokenOnce) {
  fake_.allow("r0");
  std::vector<std::unique_ptr<SharedTokenKeeper>> keepers;
  for (int i = 0; i < 3; ++i)
    keepers.push_back(std::make_unique<SharedTokenKeeper>(oauthConfig("r0", "tokens" + std::to_string(i)), conninfo_));

  // No access token yet: every caller needs one, one refresh for all.
  std::set<std::string> first = together(keepers, 3, [](SharedTokenKeeper& k) { return k.current(); });
  EXPECT_EQ(first, std::set<std::string>{"access-1"});
  EXPECT_EQ(fake_.refreshes(), 1);

  // The CRM refused the token (401) at every process: one refresh again,
  // the others read the new pair after the lock.
  std::set<std::string> second = together(keepers, 3, [](SharedTokenKeeper& k) { return k.renewAfter("access-1"); });
  EXPECT_EQ(second, std::set<std::string>{"access-2"});
  EXPECT_EQ(fake_.refreshes(), 2);
  EXPECT_EQ(fake_.reuse(), 0) << "a refresh token was spent twice";
  EXPECT_EQ(fake_.used(), (std::vector<std::string>{"r0", "refresh-1"}));
  uint64_t made = 0;
  for (auto& k : keepers) made += k->refreshes();
  EXPECT_EQ(made, 2u);

  // A process started later takes the stored pair, not crm.toml's spent one.
  SharedTokenKeeper late(oauthConfig("r0", "late"), conninfo_);
  Result<std::string> token = late.renewAfter("");
  ASSERT_TRUE(token) << token.error();
  EXPECT_EQ(*token, "access-2");
  EXPECT_EQ(fake_.refreshes(), 2);
}

TEST_F(PostgresSharedCrm, ANewRefreshTokenInCrmTomlReplacesTheStoredPair) {
  fake_.allow("r0");
  SharedTokenKeeper first(oauthConfig("r0"), conninfo_);
  ASSERT_TRUE(first.current());
  // The integration was authorized again: crm.toml names a new refresh token.
  fake_.allow("r-again");
  SharedTokenKeeper again(oauthConfig("r-again", "again.json"), conninfo_);
  Result<std::string> token = again.current();
  ASSERT_TRUE(token) << token.error();
  EXPECT_EQ(*token, "access-2");
  EXPECT_EQ(fake_.used(), (std::vector<std::string>{"r0", "r-again"}));
  // A worker still on the old crm.toml (a rolling restart) does not put the
  // spent r0 back: it takes the stored pair.
  SharedTokenKeeper old(oauthConfig("r0", "old.json"), conninfo_);
  token = old.current();
  ASSERT_TRUE(token) << token.error();
  EXPECT_EQ(*token, "access-2");
  EXPECT_EQ(fake_.reuse(), 0);
}

TEST_F(PostgresSharedCrm, ARefusedRefreshChangesNothingStored) {
  SharedTokenKeeper keeper(oauthConfig("never-issued"), conninfo_);
  Result<std::string> token = keeper.current();
  ASSERT_FALSE(token);
  EXPECT_NE(token.error().find("HTTP 400"), std::string::npos) << token.error();
  EXPECT_NE(token.error().find("authorize the integration again"), std::string::npos) << token.error();
  fake_.allow("never-issued");  // now it works, and the row was not spoiled by the failure
  EXPECT_TRUE(keeper.current());
}

TEST_F(PostgresSharedCrm, OneHolderOfALockAndItIsFreedWithItsSession) {
  SharedLock a(conninfo_, "crm.leader"), b(conninfo_, "crm.leader"), other(conninfo_, "crm.other");
  EXPECT_TRUE(a.tryLock());
  EXPECT_TRUE(a.tryLock()) << "the holder asks again";
  EXPECT_FALSE(b.tryLock());
  EXPECT_TRUE(other.tryLock()) << "another name is another lock";
  a.unlock();
  EXPECT_TRUE(b.tryLock());
  {
    SharedLock c(conninfo_, "crm.x");
    EXPECT_TRUE(c.tryLock());
  }  // its session ends: as a process killed with -9
  SharedLock d(conninfo_, "crm.x");
  EXPECT_TRUE(d.tryLock());
  EXPECT_TRUE(d.stillHeld());
}

TEST_F(PostgresSharedCrm, TheRateBudgetIsOneForEveryProcess) {
  // 0.5 per second: a turn every 2.5 s (with the shared margin of 0.8).
  SharedRateLimiter a(0.5, 1, conninfo_), b(0.5, 1, conninfo_);
  EXPECT_EQ(a.interval(), 2'500'000);
  EXPECT_TRUE(a.tryAcquire());
  EXPECT_FALSE(b.tryAcquire()) << "the other process's call took this second's turn";
  EXPECT_FALSE(a.tryAcquire());
  // A 429 seen by one process holds the other off too.
  SharedRateLimiter c(1000, 1, conninfo_, "crm.rate.other");
  SharedRateLimiter d(1000, 1, conninfo_, "crm.rate.other");
  c.holdOff(30);
  EXPECT_FALSE(d.tryAcquire());
}

TEST_F(PostgresSharedCrm, ABucketHoldsItsBurstForAllProcesses) {
  // Bitrix24's bucket: burst 10 → 8 at once (margin 0.8), shared.
  SharedRateLimiter a(0.5, 10, conninfo_), b(0.5, 10, conninfo_);
  int taken = 0;
  for (int i = 0; i < 8; ++i) taken += (i % 2 ? a : b).tryAcquire() ? 1 : 0;
  EXPECT_EQ(taken, 8);
  EXPECT_FALSE(a.tryAcquire());
  EXPECT_FALSE(b.tryAcquire());
}

}  // namespace
}  // namespace voronka::crm

namespace voronka::crm {
namespace {

TEST(SharedInbound, AReportSurvivesTheInboxRow) {
  CrmReport r;
  r.crmId = "42";
  r.crmPipeline = "7";
  r.crmStage = "101";
  r.responsible = "6001";
  r.fields = {{"price", 50000}, {"5001", nlohmann::json::array({9001})}};
  r.tags = std::vector<std::string>{"крупный"};
  r.modifiedBy = "6001";
  r.name = "Сделка";
  r.version = "1733200000";
  r.events = {nlohmann::json{{"type", "documents_ready"}, {"payload", {{"count", 2}}}}};
  r.robotToken = "token-1";
  CrmReport back = reportFromJson(reportToJson(r));
  EXPECT_EQ(reportToJson(back), reportToJson(r));
  EXPECT_EQ(back.responsible, r.responsible);
  EXPECT_EQ(back.tags, r.tags);
  CrmReport none = reportFromJson(reportToJson(CrmReport{}));
  EXPECT_FALSE(none.responsible);
  EXPECT_FALSE(none.tags) << "tags not reported stay unknown, not empty";
}

TEST(SharedInbound, VersionsCompareWithinOneKind) {
  EXPECT_TRUE(olderVersion("999", "1000"));  // amoCRM's seconds, as numbers
  EXPECT_FALSE(olderVersion("1000", "999"));
  EXPECT_FALSE(olderVersion("1000", "1000"));
  EXPECT_TRUE(olderVersion("2026-12-01T10:02:00+03:00", "2026-12-01T11:01:00+03:00"));
  EXPECT_FALSE(olderVersion("2026-12-01T11:01:00+03:00", "2026-12-01T11:01:00+03:00"));
  // What cannot be compared is never taken for older.
  EXPECT_FALSE(olderVersion("note-7", "1000"));
  EXPECT_FALSE(olderVersion("", "1000"));
  EXPECT_FALSE(olderVersion("1000", "2026-12-01T11:01:00+03:00"));
}

}  // namespace
}  // namespace voronka::crm
