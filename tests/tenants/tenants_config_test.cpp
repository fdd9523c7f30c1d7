#include "runtime/server/tenants_config.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace voronka::server {
namespace {

namespace fs = std::filesystem;

// A temporary directory with tenants.toml and whatever else a test writes.
class TenantsConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("voronka_tenants_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }

  Result<TenantsFile, std::vector<std::string>> load(const std::string& text,
                                                     std::map<std::string, std::string> env = {}) {
    return loadTenantsFile(write("tenants.toml", text), [env](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    });
  }

  std::string at(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

bool anyStartsWith(const std::vector<std::string>& errors, const std::string& prefix, const std::string& part) {
  for (const auto& e : errors) {
    if (e.rfind(prefix, 0) == 0 && e.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST_F(TenantsConfigTest, ReadsEntriesOfTheFileAndTheDirectory) {
  write("tenants.d/beta.toml", "store = \"sqlite:../beta.db\"\ntokens = [\"beta-token-0123456789\"]\n");
  auto file = load(
      "[server]\nlisten = \"0.0.0.0:9000\"\nadmin_tokens_env = \"ADMIN\"\ntenants_dir = \"tenants.d\"\n\n"
      "[tenant.alpha]\nstore = \"sqlite:alpha.db\"\ntokens = [\"alpha-token-0123456789\"]\n"
      "read_tokens_env = \"ALPHA_READ\"\nsynchronous = \"normal\"\n",
      {{"ADMIN", "admin-token-0123456789"}, {"ALPHA_READ", "read-one-0123456789, read-two-0123456789"}});
  ASSERT_TRUE(file) << file.error()[0];
  EXPECT_TRUE(file->errors.empty());
  EXPECT_EQ(file->server.listen, "0.0.0.0:9000");
  EXPECT_EQ(file->server.adminTokens, std::vector<std::string>{"admin-token-0123456789"});
  ASSERT_EQ(file->tenants.size(), 2u);
  const TenantEntry& alpha = file->tenants[0];
  EXPECT_EQ(alpha.id, "alpha");
  EXPECT_EQ(alpha.where, at("tenants.toml") + ":6:1");
  EXPECT_EQ(alpha.store, "sqlite:" + at("alpha.db"));
  EXPECT_EQ(alpha.readTokens, (std::vector<std::string>{"read-one-0123456789", "read-two-0123456789"}));
  EXPECT_EQ(alpha.synchronous, store::Synchronous::Normal);
  EXPECT_EQ(file->tenants[1].id, "beta");
  EXPECT_EQ(file->tenants[1].store, "sqlite:" + at("beta.db"));
  EXPECT_NE(alpha.fingerprint, file->tenants[1].fingerprint);
}

TEST_F(TenantsConfigTest, ABrokenEntryIsReportedWithItsPlaceAndTheOthersStand) {
  auto file = load(
      "[tenant.good]\nstore = \"sqlite:good.db\"\ntokens = [\"good-token-0123456789\"]\n\n"
      "[tenant.bad]\nstore = \"sqlite:bad.db\"\nmodul = \"x.funnelc\"\ntokens = [\"short\"]\n\n"
      "[tenant.Upper]\nstore = \"sqlite:u.db\"\ntokens = [\"upper-token-0123456789\"]\n\n"
      "[tenant.nostore]\ntokens = [\"nostore-token-0123456789\"]\n");
  ASSERT_TRUE(file);
  ASSERT_EQ(file->tenants.size(), 1u);
  EXPECT_EQ(file->tenants[0].id, "good");
  EXPECT_EQ(file->broken, (std::vector<std::string>{"bad", "Upper", "nostore"}));
  std::string f = at("tenants.toml");
  EXPECT_TRUE(anyStartsWith(file->errors, f + ":7:9: [tenant.bad]: unknown key \"modul\"", "did you mean \"module\""));
  EXPECT_TRUE(anyStartsWith(file->errors, f + ":8:10: [tenant.bad]: \"tokens\"", "at least 16 characters"));
  EXPECT_TRUE(anyStartsWith(file->errors, f + ":10:1: [tenant.Upper]", "not usable in a path"));
  EXPECT_TRUE(anyStartsWith(file->errors, f + ":14:1: [tenant.nostore]", "\"store\" is missing"));
}

TEST_F(TenantsConfigTest, ATokenOrAStoreOfTwoTenantsIsRefusedOnTheSecond) {
  auto file = load(
      "[tenant.a]\nstore = \"sqlite:a.db\"\ntokens = [\"shared-token-0123456789\"]\n"
      "[tenant.b]\nstore = \"sqlite:b.db\"\nread_tokens = [\"shared-token-0123456789\"]\n"
      "tokens = [\"b-token-0123456789aaa\"]\n"
      "[tenant.c]\nstore = \"sqlite:a.db\"\ntokens = [\"c-token-0123456789aaa\"]\n");
  ASSERT_TRUE(file);
  ASSERT_EQ(file->tenants.size(), 1u);
  EXPECT_EQ(file->broken, (std::vector<std::string>{"b", "c"}));
  std::string f = at("tenants.toml");
  EXPECT_TRUE(anyStartsWith(file->errors, f + ":4:1: [tenant.b]: a token is tenant a's too", f + ":1:1"));
  EXPECT_TRUE(anyStartsWith(file->errors, f + ":8:1: [tenant.c]: the store", "another tenant's"));
}

TEST_F(TenantsConfigTest, ATenantsTokenThatIsAnAdminTokenIsRefused) {
  // It would log the tenant's users in to every tenant's console as the operator.
  auto file = load(
      "[server]\nadmin_tokens = [\"operator-token-0123456789\"]\n"
      "[tenant.a]\nstore = \"sqlite:a.db\"\ntokens = [\"a-token-0123456789aaa\"]\n"
      "[tenant.b]\nstore = \"sqlite:b.db\"\ntokens = [\"b-token-0123456789aaa\"]\n"
      "read_tokens = [\"operator-token-0123456789\"]\n");
  ASSERT_TRUE(file);
  ASSERT_EQ(file->tenants.size(), 1u);
  EXPECT_EQ(file->tenants[0].id, "a");
  EXPECT_EQ(file->broken, (std::vector<std::string>{"b"}));
  EXPECT_TRUE(anyStartsWith(file->errors,
                            at("tenants.toml") + ":6:1: [tenant.b]: a token is one of [server] admin_tokens",
                            "every tenant's console"));
}

TEST_F(TenantsConfigTest, TheFilesAnEntryNamesAreCheckedWithTheirOwnPlaces) {
  write("a/serve.toml", "[outbox]\nmax_atempts = 3\n");
  write("b/serve.toml", "[server]\nlisten = \"0.0.0.0:1\"\n");
  auto file = load(
      "[tenant.a]\nstore = \"sqlite:a.db\"\ntokens = [\"a-token-0123456789aaa\"]\nconfig = \"a/serve.toml\"\n"
      "module = \"missing.funnelc\"\n"
      "[tenant.b]\nstore = \"sqlite:b.db\"\ntokens = [\"b-token-0123456789aaa\"]\nconfig = \"b/serve.toml\"\n"
      "[tenant.c]\nstore_env = \"C_STORE\"\ntokens = [\"c-token-0123456789aaa\"]\n");
  ASSERT_TRUE(file);
  EXPECT_TRUE(file->tenants.empty());
  EXPECT_TRUE(anyStartsWith(file->errors, at("a/serve.toml") + ":2:1:", "max_attempts"));
  EXPECT_TRUE(anyStartsWith(file->errors, at("tenants.toml") + ":5:10: [tenant.a]: cannot read", "missing.funnelc"));
  EXPECT_TRUE(anyStartsWith(file->errors, at("tenants.toml") + ":9:10: [tenant.b]:", "listen, store and tokens"));
  EXPECT_TRUE(anyStartsWith(file->errors, at("tenants.toml") + ":11:13: [tenant.c]:", "C_STORE is not set"));
}

TEST_F(TenantsConfigTest, AFileThatDoesNotParseIsRefusedWhole) {
  auto file = load("[tenant.a]\nstore = \"sqlite:a.db\"\n[[ broken\n");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error()[0].rfind(at("tenants.toml") + ":3:", 0), 0u) << file.error()[0];
  auto server = load("[server]\nlisten = \"nowhere\"\n[tenant.a]\nstore = \"sqlite:a.db\"\n");
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error()[0].rfind(at("tenants.toml") + ":2:10: [server]: listen:", 0), 0u) << server.error()[0];
  auto unknown = load("[tenants.a]\nstore = \"sqlite:a.db\"\n");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error()[0].find("unknown table \"tenants\""), std::string::npos);
}

TEST(TenantId, PathSafeNamesOnly) {
  EXPECT_FALSE(tenantIdProblem("shop-a_2"));
  EXPECT_FALSE(tenantIdProblem("7days"));
  EXPECT_TRUE(tenantIdProblem(""));
  EXPECT_TRUE(tenantIdProblem("-a"));
  EXPECT_TRUE(tenantIdProblem("Shop"));
  EXPECT_TRUE(tenantIdProblem("a/b"));
  EXPECT_TRUE(tenantIdProblem(std::string(65, 'a')));
}

}  // namespace
}  // namespace voronka::server
