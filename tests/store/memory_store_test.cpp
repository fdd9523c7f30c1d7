// The memory store's own promises, besides the conformance suite's: it runs
// one transaction at a time, in room of its own.
#include <gtest/gtest.h>

#include <stdexcept>

#include "runtime/store/memory_store.h"
#include "tests/store/store_test_support.h"

namespace voronka::store {
namespace {

using voronka::testing::sampleDeal;
using voronka::testing::sampleTask;

// A second begin() while one is open is refused, and the open transaction
// goes on unharmed: the new one is not built over it in the store's room.
TEST(MemoryStore, ASecondBeginIsRefusedAndTheOpenTransactionGoesOn) {
  MemoryStore store;
  {
    auto tx = store.begin();
    tx->addTask(sampleTask("new1", "Позвонить"));  // a deal being created keeps its tasks in the transaction
    EXPECT_THROW(store.begin(), std::logic_error);
    tx->putDeal(sampleDeal("new1"));
    tx->commit();
  }
  auto tx = store.begin();
  ASSERT_TRUE(tx->deal("new1"));
  ASSERT_EQ(tx->tasksOf("new1").size(), 1u);
  EXPECT_EQ(tx->tasksOf("new1")[0].text, "Позвонить");
}

// Transactions one after another reuse the room: each starts clean, and an
// undone one takes back only its own changes.
TEST(MemoryStore, TransactionsOneAfterAnotherEachStartClean) {
  MemoryStore store;
  for (int i = 0; i < 3; ++i) {
    auto tx = store.begin();
    tx->putDeal(sampleDeal("d" + std::to_string(i)));
    if (i != 1) tx->commit();
  }
  auto tx = store.begin();
  EXPECT_EQ(tx->dealIds(), (std::vector<std::string>{"d0", "d2"}));
}

}  // namespace
}  // namespace voronka::store
