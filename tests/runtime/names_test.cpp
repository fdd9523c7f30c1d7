// Looking things up by name in a module: every name found at its index
// through the table's growth, no unknown name found, the first of equal
// names kept.
#include "runtime/engine/names.h"

#include <gtest/gtest.h>

#include "tests/runtime/engine_support.h"

namespace voronka::testing {
namespace {

TEST(Names, FindsEveryFieldOfAHundredAndNothingElse) {
  std::string fields;
  for (int i = 0; i < 100; ++i) fields += "field f" + std::to_string(i) + ": number \"F" + std::to_string(i) + "\"\n";
  bc::Module m = compileModule(program(kMoscow, fields, "  stage a \"A\" initial {}"));
  engine::Names names(m);
  for (size_t f = 0; f < m.fields.size(); ++f) {
    EXPECT_EQ(names.field(m.str(m.fields[f].name)), static_cast<int32_t>(f)) << m.str(m.fields[f].name);
  }
  EXPECT_GE(m.fields.size(), 100u);
  for (std::string unknown : {"", "f100", "f", "F1", "f1 ", "f01", "contact"}) {
    EXPECT_EQ(names.field(unknown), bc::kNo) << unknown;
  }
  EXPECT_EQ(names.pipeline("p"), 0);
  EXPECT_EQ(names.pipeline("q"), bc::kNo);
  EXPECT_EQ(names.stage(0, "a"), 0);
}

TEST(Names, AnEmptyListFindsNothing) {
  bc::Module m = compileModule(program(kMoscow, "", "  stage a \"A\" initial {}"));
  engine::Names names(m);
  EXPECT_EQ(names.user("anyone"), bc::kNo);
  EXPECT_EQ(names.user(""), bc::kNo);
}

}  // namespace
}  // namespace voronka::testing
