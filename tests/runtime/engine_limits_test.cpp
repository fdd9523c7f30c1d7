// The engine's bounds on what one deal may hold: tags are de-duplicated in
// linear time and capped per deal, and going over the cap fails the event
// instead of growing the deal without end.
#include "runtime/bytecode/limits.h"
#include "tests/runtime/engine_support.h"

namespace voronka {
namespace {

using testing::Harness;
using testing::kMoscow;
using testing::program;

const char* kStages = R"(
    stage a "A" { on tag_added("vip") { note "vip" } }
    stage b "B")";

nlohmann::json createWithTags(const std::vector<std::string>& tags) {
  return {{"id", "create-d"}, {"deal", "d"}, {"type", "deal_created"}, {"pipeline", "p"}, {"tags", tags}};
}

TEST(EngineLimits, RepeatedTagsAreKeptOnceInTheirFirstOrder) {
  Harness h(program(kMoscow, "", kStages));
  std::vector<std::string> tags;
  for (int i = 0; i < 100'000; ++i) tags.push_back(i % 2 ? "b" : "a");
  tags.push_back("c");
  ASSERT_TRUE(h.wire(createWithTags(tags)).ok());
  EXPECT_EQ(h.deal("d").tags, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(EngineLimits, ADealWithMoreTagsThanTheCapIsNotCreated) {
  Harness h(program(kMoscow, "", kStages));
  std::vector<std::string> tags;
  for (size_t i = 0; i <= limits::kMaxTagsPerDeal; ++i) tags.push_back("t" + std::to_string(i));
  engine::Outcome o = h.wire(createWithTags(tags));
  EXPECT_EQ(o.status, engine::Outcome::Status::Failed);
  EXPECT_NE(o.message.find("1000 tags"), std::string::npos) << o.message;
}

TEST(EngineLimits, ATagAddedBeyondTheCapFailsTheEvent) {
  Harness h(program(kMoscow, "", kStages));
  std::vector<std::string> tags;
  for (size_t i = 0; i < limits::kMaxTagsPerDeal; ++i) tags.push_back("t" + std::to_string(i));
  ASSERT_TRUE(h.wire(createWithTags(tags)).ok());
  engine::Outcome o = h.event("e1", "d", "tag_added", {{"arg", "vip"}});
  EXPECT_EQ(o.status, engine::Outcome::Status::Failed) << o.message;
  EXPECT_EQ(h.deal("d").tags.size(), limits::kMaxTagsPerDeal);
  // A tag it has already is no change, and so no failure.
  EXPECT_TRUE(h.event("e2", "d", "tag_added", {{"arg", "t1"}}).ok());
}

// After downtime the backlog of due timers is fired in bounded batches,
// oldest first, so that the writer can commit and take events in between.
TEST(EngineLimits, DueTimersFireInBoundedBatchesOldestFirst) {
  Harness h(program(kMoscow, "", R"(
    stage a "A" { after 1h { note "fired" } })"));
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(h.wire({{"id", "c" + std::to_string(i)},
                        {"deal", "d" + std::to_string(i)},
                        {"type", "deal_created"},
                        {"pipeline", "p"}})
                    .ok());
    h.clock.set(h.clock.now() + 60);  // each deal's timer a minute after the previous one
  }
  h.clock.set(h.clock.now() + 24 * 3600);
  EXPECT_EQ(h.engine.runDue(h.clock.now(), 10), 10u);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(h.notes("d" + std::to_string(i)).size(), i < 10 ? 1u : 0u) << i;
  EXPECT_EQ(h.engine.runDue(h.clock.now(), 10), 10u);
  EXPECT_EQ(h.engine.runDue(h.clock.now(), 10), 5u);
  EXPECT_EQ(h.engine.runDue(h.clock.now(), 10), 0u);
}

}  // namespace
}  // namespace voronka
