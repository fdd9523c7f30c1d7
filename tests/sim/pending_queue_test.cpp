// The simulation's queue: arrivals sorted apart from the heap of actions,
// taken in the order one heap of both would give.
#include "tools/sim/pending_queue.h"

#include <gtest/gtest.h>

#include <queue>
#include <random>

namespace voronka::sim {
namespace {

TEST(PendingQueue, TakesArrivalsAndActionsInTheOrderOfOneHeap) {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int64_t> time(0, 50);  // few times: many ties, broken by order
  PendingQueue queue;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> reference;
  uint64_t order = 0;
  for (uint32_t d = 0; d < 500; ++d) {
    Pending arrival{time(random), order++, d, 0, -1, -1, -1};
    queue.arrive(arrival);
    reference.push(arrival);
  }
  size_t taken = 0;
  while (!reference.empty()) {
    ASSERT_FALSE(queue.empty());
    const Pending expected = reference.top();
    const Pending got = queue.top();
    ASSERT_EQ(got.at, expected.at) << "after " << taken;
    ASSERT_EQ(got.order, expected.order) << "after " << taken;
    reference.pop();
    queue.pop();
    ++taken;
    // Taking a thing draws actions, some at its own time (a tie with
    // arrivals still waiting) and some later.
    for (int i = 0; i < 2 && order < 1500; ++i) {
      Pending action{expected.at + time(random) % 3 * (i + 1), order++, expected.deal, 1, 0, 0, i};
      queue.push(action);
      reference.push(action);
    }
  }
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(taken, 1500u);
}

TEST(PendingQueue, WithoutArrivalsIsAHeap) {
  PendingQueue queue;
  EXPECT_TRUE(queue.empty());
  queue.push({5, 1, 0, 0, 0, 0, 0});
  queue.push({3, 2, 0, 0, 0, 0, 0});
  queue.push({3, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(queue.top().order, 0u);
  queue.pop();
  EXPECT_EQ(queue.top().order, 2u);
  queue.pop();
  EXPECT_EQ(queue.top().at, 5);
  queue.pop();
  EXPECT_TRUE(queue.empty());
}

}  // namespace
}  // namespace voronka::sim
