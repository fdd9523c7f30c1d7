#include <gtest/gtest.h>

#include "compiler/parse/literals.h"

namespace voronka::parse {
namespace {

SourceRange at(uint32_t begin, uint32_t end) { return SourceRange{0, begin, end}; }

TEST(Literals, DurationsCombineUnits) {
  DiagnosticSink sink;
  EXPECT_EQ(parseDuration("30m", at(0, 3), sink).seconds, 1800);
  EXPECT_EQ(parseDuration("1d12h", at(0, 5), sink).seconds, 86400 + 12 * 3600);
  EXPECT_EQ(parseDuration("1w", at(0, 2), sink).seconds, 7 * 86400);
  EXPECT_EQ(sink.errorCount(), 0u);
}

TEST(Literals, AbsurdDurationsAreReported) {
  DiagnosticSink sink;
  parseDuration("99999999999d", at(0, 12), sink);
  ASSERT_EQ(sink.errorCount(), 1u);
  EXPECT_EQ(sink.all()[0].id(), "bad-duration");
}

TEST(Literals, TimesAndDatesAreValidated) {
  DiagnosticSink sink;
  EXPECT_EQ(parseTime("09:30", at(0, 5), sink).minutes, 9 * 60 + 30);
  EXPECT_EQ(parseTime("9:05", at(0, 4), sink).minutes, 9 * 60 + 5);
  EXPECT_EQ(sink.errorCount(), 0u);
  parseTime("24:00", at(0, 5), sink);
  parseTime("10:60", at(0, 5), sink);
  EXPECT_EQ(sink.errorCount(), 2u);
  ast::Date d = parseDate("2028-02-29", at(0, 10), sink);
  EXPECT_EQ(d.day, 29);
  EXPECT_EQ(sink.errorCount(), 2u);
  parseDate("2026-02-29", at(0, 10), sink);
  parseDate("2026-13-01", at(0, 10), sink);
  EXPECT_EQ(sink.errorCount(), 4u);
}

TEST(Literals, NumbersAllowUnderscoresBetweenDigitsOnly) {
  DiagnosticSink sink;
  EXPECT_EQ(parseNumber("1_000_000", at(0, 9), sink), 1000000);
  EXPECT_EQ(parseNumber("12.5", at(0, 4), sink), 12.5);
  EXPECT_EQ(sink.errorCount(), 0u);
  parseNumber("1__0", at(0, 4), sink);
  EXPECT_EQ(sink.errorCount(), 1u);
  EXPECT_EQ(sink.all()[0].id(), "bad-number-literal");
}

TEST(Literals, StringEscapesDecode) {
  DiagnosticSink sink;
  EXPECT_EQ(decodePlainString(R"("a\"b\\c\nd\te\{f\}")", 0, 0, sink), "a\"b\\c\nd\te{f}");
  EXPECT_EQ(sink.errorCount(), 0u);
  decodePlainString(R"("bad \q")", 0, 0, sink);
  ASSERT_EQ(sink.errorCount(), 1u);
  EXPECT_EQ(sink.all()[0].range.begin, 5u);
}

TEST(Literals, InterpolationSplitsTextAndExpressions) {
  DiagnosticSink sink;
  // "Позвонить {contact.name} до {x}" — offsets are bytes of the token.
  std::string raw = "\"Позвонить {contact.name} до {x}\"";
  StringSegments s = decodeString(raw, 0, 100, true, sink);
  ASSERT_EQ(s.segments.size(), 4u);
  EXPECT_EQ(s.segments[0].text, "Позвонить ");
  EXPECT_TRUE(s.segments[1].isExpression);
  EXPECT_EQ(s.segments[1].text, "contact.name");
  EXPECT_EQ(s.segments[1].begin, 100u + raw.find("contact"));
  EXPECT_EQ(s.segments[2].text, " до ");
  EXPECT_EQ(s.segments[3].text, "x");
  EXPECT_EQ(sink.errorCount(), 0u);
}

TEST(Literals, EscapedBraceIsText) {
  DiagnosticSink sink;
  StringSegments s = decodeString(R"("a \{b} c")", 0, 0, true, sink);
  ASSERT_EQ(s.segments.size(), 1u);
  EXPECT_EQ(s.segments[0].text, "a {b} c");
}

TEST(Literals, BadInterpolationsAreReported) {
  DiagnosticSink sink;
  decodeString(R"("a {b")", 0, 0, true, sink);
  decodeString(R"("a {} b")", 0, 0, true, sink);
  decodeString(R"("a {f("x")} b")", 0, 0, true, sink);
  ASSERT_EQ(sink.errorCount(), 3u);
  for (const auto& d : sink.all()) EXPECT_EQ(d.id(), "bad-interpolation");
}

TEST(Literals, TextBlocksDropCommonIndentation) {
  DiagnosticSink sink;
  std::string raw = "\"\"\"\n    Здравствуйте, {name}!\n      Отступ.\n    \"\"\"";
  StringSegments s = decodeString(raw, 0, 0, true, sink);
  ASSERT_EQ(s.segments.size(), 3u);
  EXPECT_EQ(s.segments[0].text, "Здравствуйте, ");
  EXPECT_EQ(s.segments[1].text, "name");
  EXPECT_EQ(s.segments[2].text, "!\n  Отступ.");
  EXPECT_EQ(sink.errorCount(), 0u);
}

}  // namespace
}  // namespace voronka::parse
