// A deal's values interpolated into a webhook's URL are percent-encoded:
// "/", "?", "#", "@" in a field cannot rewrite the path, query or host.
#include "tests/runtime/engine_support.h"

namespace voronka {
namespace {

using testing::Harness;
using testing::kMoscow;
using testing::program;

TEST(WebhookUrl, InterpolatedValuesArePercentEncoded) {
  Harness h(program(kMoscow, "field remark: text", R"(
    stage a "A" { on enter { webhook "https://hooks.example/deal/{deal.id}?remark={remark}" with { id: deal.id } } })"));
  ASSERT_TRUE(h.wire({{"id", "c1"},
                      {"deal", "a/b?c#d@evil.example"},
                      {"type", "deal_created"},
                      {"pipeline", "p"},
                      {"fields", {{"remark", "x&y=z Ж"}}}})
                  .ok());
  auto effects = h.effects("a/b?c#d@evil.example");
  ASSERT_EQ(effects.size(), 1u);
  nlohmann::json payload = nlohmann::json::parse(effects[0].payload);
  EXPECT_EQ(payload["url"], "https://hooks.example/deal/a%2Fb%3Fc%23d%40evil.example?remark=x%26y%3Dz%20%D0%96");
  // The body keeps the values as they are.
  EXPECT_EQ(payload["body"]["id"], "a/b?c#d@evil.example");
}

}  // namespace
}  // namespace voronka
