#include "runtime/server/tenant_metrics.h"

#include <gtest/gtest.h>

namespace voronka::server {
namespace {

TEST(TenantMetrics, LabelsEverySample) {
  EXPECT_EQ(withTenantLabel("voronka_deals 3", "shop"), "voronka_deals{tenant=\"shop\"} 3");
  EXPECT_EQ(withTenantLabel("voronka_events_total{outcome=\"applied\"} 5", "shop"),
            "voronka_events_total{tenant=\"shop\",outcome=\"applied\"} 5");
  EXPECT_EQ(withTenantLabel("x{} 1", "a"), "x{tenant=\"a\"} 1");
}

TEST(TenantMetrics, OneHeaderPerFamilyAndTheSamplesOfEveryTenantTogether) {
  const std::string text =
      "# HELP voronka_deals Deals in the store.\n# TYPE voronka_deals gauge\nvoronka_deals 1\n"
      "# HELP voronka_lat A histogram.\n# TYPE voronka_lat histogram\n"
      "voronka_lat_bucket{le=\"0.5\"} 2\nvoronka_lat_sum 0.3\nvoronka_lat_count 2\n";
  std::string merged = mergeTenantMetrics({{"a", text}, {"b", text}});
  EXPECT_EQ(merged,
            "# HELP voronka_deals Deals in the store.\n# TYPE voronka_deals gauge\n"
            "voronka_deals{tenant=\"a\"} 1\nvoronka_deals{tenant=\"b\"} 1\n"
            "# HELP voronka_lat A histogram.\n# TYPE voronka_lat histogram\n"
            "voronka_lat_bucket{tenant=\"a\",le=\"0.5\"} 2\nvoronka_lat_sum{tenant=\"a\"} 0.3\n"
            "voronka_lat_count{tenant=\"a\"} 2\n"
            "voronka_lat_bucket{tenant=\"b\",le=\"0.5\"} 2\nvoronka_lat_sum{tenant=\"b\"} 0.3\n"
            "voronka_lat_count{tenant=\"b\"} 2\n");
  EXPECT_EQ(mergeTenantMetrics({}), "");
}

}  // namespace
}  // namespace voronka::server
