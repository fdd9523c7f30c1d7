// The memory store's index of deals by id against a plain map: random adds
// and removals (removals from the middle of probe runs included, which move
// the entries after them back), with every id looked up after each step.
#include "runtime/store/row_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace voronka::store {
namespace {

TEST(RowIndex, FindsWhatAMapFindsThroughAddsAndRemovals) {
  std::mt19937 random(7);
  std::vector<std::string> ids;  // by row
  for (int i = 0; i < 600; ++i) ids.push_back(i % 3 == 0 ? "сделка-" + std::to_string(i) : "d" + std::to_string(i));
  auto idOf = [&](uint32_t row) -> const std::string& { return ids[row]; };
  RowIndex index;
  std::map<std::string, uint32_t> model;
  for (int step = 0; step < 4000; ++step) {
    auto row = static_cast<uint32_t>(random() % ids.size());
    const std::string& id = ids[row];
    if (model.count(id)) {
      index.remove(id, row);
      model.erase(id);
    } else {
      index.add(id, row);
      model[id] = row;
    }
    ASSERT_EQ(index.size(), model.size());
    if (step % 50 != 0) continue;
    for (uint32_t r = 0; r < ids.size(); ++r) {
      auto it = model.find(ids[r]);
      std::optional<uint32_t> found = index.find(ids[r], idOf);
      if (it == model.end()) {
        ASSERT_FALSE(found) << ids[r] << " at step " << step;
      } else {
        ASSERT_EQ(found, it->second) << ids[r] << " at step " << step;
      }
    }
  }
  EXPECT_FALSE(index.find("никто", idOf));
}

TEST(RowIndex, AnEmptyIndexFindsNothing) {
  RowIndex index;
  EXPECT_FALSE(index.find("d1", [](uint32_t) { return std::string("d1"); }));
  EXPECT_EQ(index.size(), 0u);
}

}  // namespace
}  // namespace voronka::store
