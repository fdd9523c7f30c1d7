// --tenants with --workers shared: which entries every process of a fleet
// can serve (runtime/server/tenants_shared_config.h).
#include "runtime/server/tenants_shared_config.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace voronka::server {
namespace {

namespace fs = std::filesystem;

TenantEntry entry(const std::string& id, const std::string& store) {
  TenantEntry e;
  e.id = id;
  e.where = "tenants.toml:3:1";
  e.store = store;
  return e;
}

TEST(TenantsSharedConfig, APostgresTenantIsShared) {
  EXPECT_EQ(sharedTenantProblem(entry("shop", "postgres:host=/tmp dbname=shop")), std::nullopt);
  EXPECT_EQ(sharedTenantProblem(entry("shop", "postgresql://u@db/shop")), std::nullopt);
}

TEST(TenantsSharedConfig, AnSqliteTenantIsRefusedNamingTheTenantAndTheFile) {
  std::optional<std::string> problem = sharedTenantProblem(entry("shop", "sqlite:/srv/shop.db"));
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->rfind("tenants.toml:3:1: [tenant.shop]: store \"sqlite:/srv/shop.db\" is an SQLite file", 0), 0u)
      << *problem;
  EXPECT_NE(problem->find("postgres:CONNINFO"), std::string::npos) << *problem;
  EXPECT_NE(problem->find("without --workers shared"), std::string::npos) << *problem;
}

// A tenant's CRM runs on the shared workers as a client's own does (worker_crm.h).
TEST(TenantsSharedConfig, ACrmTenantIsShared) {
  TenantEntry e = entry("shop", "postgres:dbname=shop");
  e.crm = crm::CrmConfig{};
  EXPECT_EQ(sharedTenantProblem(e), std::nullopt);
}

TEST(TenantsSharedConfig, AnEmptyConnectionStringIsRefused) {
  std::optional<std::string> problem = sharedTenantProblem(entry("shop", "postgres:"));
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("needs a connection string"), std::string::npos) << *problem;
}

// Through the file: the refused entries are broken ones, the others stand.
TEST(TenantsSharedConfig, RefusedEntriesOfAFileBecomeBrokenOnesAndTheOthersStand) {
  fs::path dir = fs::temp_directory_path() / ("voronka_tenants_shared_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "tenants.toml")
      << "[tenant.alpha]\nstore = \"postgres:host=/tmp dbname=alpha\"\ntokens = [\"alpha-token-0123456789\"]\n\n"
         "[tenant.local]\nstore = \"sqlite:local.db\"\ntokens = [\"local-token-0123456789\"]\n\n"
         "[tenant.beta]\nstore = \"postgres:host=/tmp dbname=beta\"\ntokens = [\"beta-token-01234567890\"]\n";
  auto file = loadTenantsFile(dir / "tenants.toml");
  ASSERT_TRUE(file) << file.error()[0];
  ASSERT_TRUE(file->errors.empty()) << file->errors[0];
  refuseUnsharedTenants(*file);
  ASSERT_EQ(file->tenants.size(), 2u);
  EXPECT_EQ(file->tenants[0].id, "alpha");
  EXPECT_EQ(file->tenants[1].id, "beta");
  EXPECT_EQ(file->broken, std::vector<std::string>{"local"});
  ASSERT_EQ(file->errors.size(), 1u);
  std::string where = (dir / "tenants.toml").string() +
                      ":5:1: [tenant.local]: store \"sqlite:" + (dir / "local.db").string() + "\" is an SQLite file";
  EXPECT_EQ(file->errors[0].rfind(where, 0), 0u) << file->errors[0];
  fs::remove_all(dir);
}

}  // namespace
}  // namespace voronka::server
