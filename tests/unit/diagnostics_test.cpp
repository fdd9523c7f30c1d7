#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

#include "compiler/check/suggest.h"
#include "compiler/diagnostics/render.h"

namespace voronka {
namespace {

TEST(Diagnostics, IdsAreUniqueAndLowercase) {
  std::set<std::string_view> ids;
  for (const auto& k : allDiagKinds()) {
    EXPECT_TRUE(ids.insert(k.id).second) << k.id;
    for (char c : k.id) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') << k.id;
    EXPECT_FALSE(k.explanation.empty()) << k.id;
  }
}

TEST(Diagnostics, CaretCountsCharacters) {
  SourceManager sources;
  FileId f = sources.add("x.funnel", "  stage сбор \"Сбор\"\n");
  DiagnosticSink sink;
  // The name сбор: bytes 8..16, characters 9..12.
  Diagnostic& d = sink.emit(diag::UnknownName, SourceRange{f, 8, 16}, "stage", "сбор", "");
  d.note("did you mean `сбор2`?");
  std::string text = renderText(d, sources);
  EXPECT_EQ(text,
            "x.funnel:1:9: error: unknown stage `сбор` [unknown-name]\n"
            "    1 |   stage сбор \"Сбор\"\n"
            "      |         ^~~~\n"
            "x.funnel:1:9: note: did you mean `сбор2`?\n");
  // --columns bytes: the headers count bytes (Vim's %c); the caret stays under the text.
  // "Сбор" (in quotes): bytes 18..26, characters 15..18.
  Diagnostic& q = sink.emit(diag::UnknownName, SourceRange{f, 18, 26}, "stage", "Сбор", "");
  q.note("did you mean `сбор`?");
  EXPECT_EQ(renderText(q, sources, {.byteColumns = true}),
            "x.funnel:1:19: error: unknown stage `Сбор` [unknown-name]\n"
            "    1 |   stage сбор \"Сбор\"\n"
            "      |               ^~~~\n"
            "x.funnel:1:19: note: did you mean `сбор`?\n");
  EXPECT_EQ(renderText(q, sources).substr(0, 14), "x.funnel:1:15:");
}

TEST(Diagnostics, JsonCarriesRangesInSeveralUnits) {
  SourceManager sources;
  FileId f = sources.add("x.funnel", "😀 ab");
  DiagnosticSink sink;
  sink.emit(diag::BadCharacter, SourceRange{f, 5, 7}, "ab", "");
  auto j = nlohmann::json::parse(renderJson(sink, sources));
  EXPECT_EQ(j["errors"], 1);
  const auto& start = j["diagnostics"][0]["range"]["start"];
  EXPECT_EQ(start["column"], 3);
  EXPECT_EQ(start["utf16_column"], 4);
  EXPECT_EQ(start["byte"], 5);
  EXPECT_EQ(j["diagnostics"][0]["id"], "bad-character");
}

TEST(Diagnostics, SortAndDeduplicate) {
  DiagnosticSink sink;
  sink.emit(diag::UnknownName, SourceRange{0, 10, 12}, "field", "b", "");
  sink.emit(diag::UnknownName, SourceRange{0, 1, 2}, "field", "a", "");
  sink.emit(diag::UnknownName, SourceRange{0, 10, 12}, "field", "b", "");
  sink.sortAndDeduplicate();
  ASSERT_EQ(sink.all().size(), 2u);
  EXPECT_EQ(sink.all()[0].range.begin, 1u);
  EXPECT_EQ(sink.errorCount(), 2u);
}

TEST(Suggest, ClosestNameAndMixedScripts) {
  EXPECT_EQ(check::closestName("chose", {"choose", "contract"}), "choose");
  EXPECT_FALSE(check::closestName("xyz", {"choose", "contract"}));
  EXPECT_TRUE(check::mixesScripts("сall"));
  EXPECT_FALSE(check::mixesScripts("звонок"));
}

}  // namespace
}  // namespace voronka
