#include <gtest/gtest.h>

#include "compiler/source/source.h"

namespace voronka {
namespace {

TEST(SourceFile, ColumnsCountCharactersNotBytes) {
  SourceFile f(0, "a.funnel", "stage сбор \"Сбор\"\n  x");
  // "stage " is 6 bytes; "сбор" is 4 characters, 8 bytes.
  LineColumn p = f.position(6 + 8 + 1);
  EXPECT_EQ(p.line, 1u);
  EXPECT_EQ(p.column, 12u);
  EXPECT_EQ(f.position(static_cast<uint32_t>(f.text().size()) - 1).line, 2u);
  EXPECT_EQ(f.position(static_cast<uint32_t>(f.text().size()) - 1).column, 3u);
}

TEST(SourceFile, Utf16ColumnsCountSurrogatePairs) {
  SourceFile f(0, "a.funnel", "x \"😀\" y");
  // 😀 is 4 bytes, one code point, two UTF-16 units.
  LineColumn y = f.position(2 + 1 + 4 + 1 + 1);
  EXPECT_EQ(y.column, 7u);
  EXPECT_EQ(y.utf16Column, 8u);
  EXPECT_EQ(f.offsetOfUtf16(1, 7), 2u + 1 + 4 + 1 + 1);
}

TEST(SourceFile, LineTextDropsLineBreaks) {
  SourceFile f(0, "a.funnel", "one\r\ntwo\nthree");
  EXPECT_EQ(f.lineText(1), "one");
  EXPECT_EQ(f.lineText(2), "two");
  EXPECT_EQ(f.lineText(3), "three");
  EXPECT_EQ(f.lineText(4), "");
}

TEST(Utf8, FindsInvalidSequences) {
  EXPECT_FALSE(utf8::firstInvalid("Привет, мир"));
  EXPECT_EQ(utf8::firstInvalid("ab\xff"), 2u);
  EXPECT_EQ(utf8::firstInvalid("a\xd0"), 1u);         // truncated
  EXPECT_EQ(utf8::firstInvalid("\xc0\xaf"), 0u);      // overlong '/'
  EXPECT_EQ(utf8::firstInvalid("\xed\xa0\x80"), 0u);  // a surrogate
}

}  // namespace
}  // namespace voronka
