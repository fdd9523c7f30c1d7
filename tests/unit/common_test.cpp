// common/: the helpers the compiler and the runtime share.
#include <gtest/gtest.h>

#include <string>

#include "common/edit_distance.h"
#include "common/hash.h"
#include "common/utf8.h"

namespace voronka {
namespace {

TEST(EditDistance, CountsCodePointsAndSwaps) {
  EXPECT_EQ(editDistance("choose", "chose"), 1u);
  EXPECT_EQ(editDistance("recieve", "receive"), 1u);  // a swap
  EXPECT_EQ(editDistance("сбор", "сбоp"), 1u);         // Cyrillic vs Latin р
  EXPECT_EQ(editDistance("", "abc"), 3u);
  EXPECT_EQ(editDistance("listen", "listen"), 0u);
  EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(editDistance("ca", "abc"), 3u);  // a letter swapped once is not edited again
}

TEST(Hash, Fnv1aKnownValuesAndSeed) {
  EXPECT_EQ(fnv1a(""), kFnv1aOffsetBasis);
  EXPECT_EQ(fnv1a("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a("bar", fnv1a("foo")), fnv1a("foobar"));
}

TEST(Utf8, DecodeAllAndCount) {
  EXPECT_EQ(utf8::decodeAll("дa"), std::u32string(U"дa"));
  EXPECT_EQ(utf8::codePointCount("Привет"), 6u);
  std::string out;
  utf8::append(out, U'я');
  EXPECT_EQ(out, "я");
}

}  // namespace
}  // namespace voronka
