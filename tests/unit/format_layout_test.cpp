// Layout rules of the formatter that the golden files (tests/fmt) do not
// show well: line endings, byte-order marks, refusals, widths, text blocks.
#include <gtest/gtest.h>

#include "compiler/format/format.h"
#include "compiler/format/unified_diff.h"
#include "compiler/parse/parse.h"

namespace voronka {
namespace {

format::FormatResult formatText(const std::string& text, DiagnosticSink* sinkOut = nullptr) {
  SourceManager sources;
  FileId id = sources.add("test.funnel", text);
  DiagnosticSink sink;
  format::FormatResult r = format::formatFile(sources.file(id), sink);
  if (sinkOut) *sinkOut = sink;
  return r;
}

std::string fmt(const std::string& text) {
  format::FormatResult r = formatText(text);
  EXPECT_TRUE(r.ok()) << r.error;
  return r.text;
}

TEST(FormatLayout, RefusesAFileWithSyntaxErrors) {
  DiagnosticSink sink;
  format::FormatResult r = formatText("field x: text \"X\"\npipeline p {\n  stage a \"A\" {\n", &sink);
  EXPECT_EQ(r.status, format::FormatResult::Status::SyntaxErrors);
  EXPECT_TRUE(r.text.empty());
  EXPECT_TRUE(sink.hasErrors());
}

TEST(FormatLayout, RefusesInvalidUtf8) {
  format::FormatResult r = formatText("field x: text \"\xff\"\n");
  EXPECT_EQ(r.status, format::FormatResult::Status::SyntaxErrors);
}

TEST(FormatLayout, EmptyAndBlankFilesStayEmpty) {
  EXPECT_EQ(fmt(""), "");
  EXPECT_EQ(fmt("\n\n   \n"), "");
}

TEST(FormatLayout, OnlyCommentsAreKept) { EXPECT_EQ(fmt("\n\n  // one\n\n\n/* two */   \n"), "// one\n\n/* two */\n"); }

TEST(FormatLayout, AddsTheFinalLineBreak) { EXPECT_EQ(fmt("field x: text \"X\""), "field x: text \"X\"\n"); }

TEST(FormatLayout, KeepsWindowsLineEndings) {
  EXPECT_EQ(fmt("field x: text \"X\"\r\nfield y:text \"Y\"\r\n"), "field x: text \"X\"\r\nfield y: text \"Y\"\r\n");
}

TEST(FormatLayout, DropsTheByteOrderMarkAndNoBreakSpaces) {
  EXPECT_EQ(fmt("\xEF\xBB\xBF"
                "field\xC2\xA0x: text \"X\"\n"),
            "field x: text \"X\"\n");
}

TEST(FormatLayout, TabsBecomeSpaces) {
  EXPECT_EQ(fmt("team t \"T\" {\n\ta \"A\"\n\tbb \"B\"\n}\n"), "team t \"T\" {\n  a  \"A\"\n  bb \"B\"\n}\n");
}

TEST(FormatLayout, AtMostOneEmptyLineBetweenItems) {
  EXPECT_EQ(fmt("field a: text \"A\"\n\n\n\nfield b: text \"B\"\n"), "field a: text \"A\"\n\nfield b: text \"B\"\n");
}

TEST(FormatLayout, NoEmptyLineAfterAnOpeningBraceOrBeforeAClosingOne) {
  EXPECT_EQ(fmt("team t \"T\" {\n\n  a \"A\"\n\n}\n"), "team t \"T\" {\n  a \"A\"\n}\n");
}

TEST(FormatLayout, ABlockOnOneLineStaysWhileItFits) {
  std::string rule =
      "pipeline p \"P\" {\n  stage a \"A\" initial {\n    on enter { note \"x\" }\n  }\n  won  \"W\"\n  lost \"L\"\n}\n";
  EXPECT_EQ(fmt(rule), rule);
}

TEST(FormatLayout, ABlockTooLongForOneLineIsSpreadOverLines) {
  std::string longNote(90, 'x');
  std::string in = "pipeline p \"P\" {\n  stage a \"A\" initial {\n    on enter { note \"" + longNote +
                   "\" }\n  }\n  won \"W\"\n  lost \"L\"\n}\n";
  std::string out = fmt(in);
  EXPECT_NE(out.find("    on enter {\n      note \"" + longNote + "\"\n    }\n"), std::string::npos) << out;
}

TEST(FormatLayout, TheLineWidthCanBeChanged) {
  SourceManager sources;
  FileId id = sources.add("t.funnel", "team t \"T\" { a \"A\", b \"B\" }\n");
  DiagnosticSink sink;
  format::FormatOptions narrow;
  narrow.lineWidth = 20;
  EXPECT_EQ(format::formatFile(sources.file(id), sink, narrow).text, "team t \"T\" {\n  a \"A\",\n  b \"B\"\n}\n");
}

TEST(FormatLayout, PipelinesAccountsAndTestsAlwaysSpanLines) {
  EXPECT_EQ(fmt("account \"A\" { currency RUB }\n"), "account \"A\" {\n  currency RUB\n}\n");
  EXPECT_EQ(fmt("test \"t\" { advance 1d }\n"), "test \"t\" {\n  advance 1d\n}\n");
}

TEST(FormatLayout, TwoItemsOnOneLineOfABlockThatSpansLinesAreSplit) {
  EXPECT_EQ(fmt("field a: text \"A\" field b: text \"B\"\n"), "field a: text \"A\"\nfield b: text \"B\"\n");
}

TEST(FormatLayout, ListElementsWrittenOverLinesKeepTheirLines) {
  std::string in = "reasons r {\n  \"a\", \"b\"\n  \"c\"\n}\n";
  EXPECT_EQ(fmt(in), in);
}

TEST(FormatLayout, ASignHasNoSpaceASubtractionHasTwo) {
  std::string out = fmt("field a: number \"A\" = -  1\nfield b: number \"B\" = 2-1\n");
  EXPECT_EQ(out, "field a: number \"A\" = -1\nfield b: number \"B\" = 2 - 1\n");
}

TEST(FormatLayout, ElseJoinsTheClosingBrace) {
  std::string in =
      "pipeline p \"P\" {\n  stage a \"A\" initial {\n    on enter {\n      if true {\n        win\n      }\n"
      "      else {\n        lose\n      }\n    }\n  }\n  won \"W\"\n  lost \"L\"\n}\n";
  std::string out = fmt(in);
  EXPECT_NE(out.find("      } else {\n"), std::string::npos) << out;
}

TEST(FormatLayout, ElseAfterACommentStartsUnderTheClosingBrace) {
  std::string in =
      "pipeline p \"P\" {\n  stage a \"A\" initial {\n    on enter {\n      if true {\n        win\n      } // why\n"
      "          else { lose }\n    }\n  }\n  won \"W\"\n  lost \"L\"\n}\n";
  std::string out = fmt(in);
  EXPECT_NE(out.find("      }  // why\n      else {\n        lose\n      }\n"), std::string::npos) << out;
}

TEST(FormatLayout, TextBlocksMoveWithTheirLineAndKeepTheirValue) {
  std::string in =
      "template email t \"T\" {\n        body \"\"\"\n            Hello,\n\n              indented\n        \"\"\"\n}\n";
  std::string out = fmt(in);
  EXPECT_EQ(out, "template email t \"T\" {\n  body \"\"\"\n      Hello,\n\n        indented\n  \"\"\"\n}\n");
  // Same value: both parse to the same text.
  SourceManager sources;
  DiagnosticSink sink;
  auto a = parse::parseFile(sources.file(sources.add("a", in)), sink);
  auto b = parse::parseFile(sources.file(sources.add("b", out)), sink);
  const auto& ta = a.module->decls[0]->as<ast::TemplateDecl>();
  const auto& tb = b.module->decls[0]->as<ast::TemplateDecl>();
  ASSERT_TRUE(ta.body && tb.body);
  EXPECT_EQ(ta.body->display(), tb.body->display());
  EXPECT_EQ(ta.body->display(), "Hello,\n\n  indented");
}

TEST(FormatLayout, TextBlocksWithTextAfterTheOpeningQuotesDoNotMove) {
  std::string in = "template email t \"T\" {\n    body \"\"\"First\n    second\"\"\"\n}\n";
  EXPECT_EQ(fmt(in), "template email t \"T\" {\n  body \"\"\"First\n    second\"\"\"\n}\n");
}

TEST(FormatLayout, TrailingCommentsLineUpAndKeepTheirColumn) {
  EXPECT_EQ(fmt("field a: text \"A\" // one\nfield bbb: text \"B\" // two\n"),
            "field a: text \"A\"    // one\nfield bbb: text \"B\"  // two\n");
  EXPECT_EQ(fmt("field a: text \"A\"                  // far\n"), "field a: text \"A\"                  // far\n");
}

TEST(FormatLayout, CommentsInsideBlocksFollowTheIndentation) {
  std::string in = "team t \"T\" {\n// about a\n        a \"A\"\n            // at the end\n}\n";
  EXPECT_EQ(fmt(in), "team t \"T\" {\n  // about a\n  a \"A\"\n  // at the end\n}\n");
}

TEST(FormatLayout, MultiLineBlockCommentsMoveWithTheirFirstLine) {
  std::string in = "team t \"T\" {\n      /* one\n         two */\n  a \"A\"\n}\n";
  EXPECT_EQ(fmt(in), "team t \"T\" {\n  /* one\n     two */\n  a \"A\"\n}\n");
}

TEST(FormatLayout, CyrillicTitlesAlignByCharactersNotBytes) {
  EXPECT_EQ(fmt("field s: enum {\n  дом \"Д\"\n  квартира \"К\"\n} \"S\"\n"),
            "field s: enum {\n  дом      \"Д\"\n  квартира \"К\"\n} \"S\"\n");
}

TEST(UnifiedDiff, EqualTextsHaveNoDiff) { EXPECT_EQ(format::unifiedDiff("a\nb\n", "a\nb\n", "f"), ""); }

TEST(UnifiedDiff, ShowsChangedLinesWithContext) {
  std::string d = format::unifiedDiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n", "f.funnel");
  EXPECT_EQ(d,
            "--- f.funnel\t(original)\n+++ f.funnel\t(formatted)\n"
            "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

TEST(UnifiedDiff, SeparateHunksForDistantChanges) {
  std::string before, after;
  for (int i = 1; i <= 20; ++i) {
    before += std::to_string(i) + "\n";
    after += (i == 2 || i == 18 ? "x" : std::to_string(i)) + "\n";
  }
  std::string d = format::unifiedDiff(before, after, "f");
  EXPECT_NE(d.find("@@ -1,5 +1,5 @@"), std::string::npos) << d;
  EXPECT_NE(d.find("@@ -15,6 +15,6 @@"), std::string::npos) << d;
}

TEST(UnifiedDiff, AMissingFinalLineBreakIsShown) {
  std::string d = format::unifiedDiff("a\nb", "a\nb\n", "f");
  EXPECT_NE(d.find("-b\n\\ No newline at end of file\n+b\n"), std::string::npos) << d;
}

TEST(UnifiedDiff, InsertionIntoAnEmptyFile) {
  EXPECT_EQ(format::unifiedDiff("", "a\n", "f"), "--- f\t(original)\n+++ f\t(formatted)\n@@ -0,0 +1 @@\n+a\n");
}

}  // namespace
}  // namespace voronka
