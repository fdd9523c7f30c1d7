// SARIF and GitLab Code Quality rendering: structure, columns, fingerprints.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "compiler/diagnostics/render.h"

namespace voronka {
namespace {

using nlohmann::json;

struct Fixture {
  SourceManager sources;
  DiagnosticSink sink;
  FileId add(std::string path, std::string text) { return sources.add(std::move(path), std::move(text)); }
};

TEST(Sarif, RulesResultsAndCharacterColumns) {
  Fixture f;
  FileId id = f.add("funnels/retail.funnel", "pipeline p {\n  stage думает \"Думает\" {}\n}\n");
  // `"Думает"` starts at character 16 of line 2 (bytes differ: Cyrillic).
  std::string_view text = f.sources.file(id).text();
  uint32_t begin = static_cast<uint32_t>(text.find("\"Думает\""));
  f.sink
      .emit(diag::VagueStageName,
            SourceRange{id, begin, begin + static_cast<uint32_t>(std::string("\"Думает\"").size())}, "думает", "Думает")
      .note(SourceRange{id, 0, 8}, "the pipeline");
  f.sink.emit(diag::UnknownName, SourceRange{id, 0, 8}, "stage", "x", "").note("did you mean `y`?");
  CiReportOptions options;  // relative paths: relative to the current folder, the default root
  options.docsUrl = "https://example.org/voronka/docs/";
  json log = json::parse(renderSarif(f.sink, f.sources, options));
  EXPECT_EQ(log["version"], "2.1.0");
  const json& run = log["runs"][0];
  EXPECT_EQ(run["columnKind"], "unicodeCodePoints");
  std::string cwd = std::filesystem::current_path().generic_string();
  if (cwd.back() != '/') cwd += '/';
  EXPECT_EQ(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file://" + cwd);
  const json& rules = run["tool"]["driver"]["rules"];
  EXPECT_EQ(rules.size(), allDiagKinds().size());

  const json& lint = run["results"][0];
  EXPECT_EQ(lint["ruleId"], "vague-stage-name");
  EXPECT_EQ(rules[lint["ruleIndex"].get<size_t>()]["id"], "vague-stage-name");
  EXPECT_EQ(rules[lint["ruleIndex"].get<size_t>()]["helpUri"],
            "https://example.org/voronka/docs/lints.md#vague-stage-name");
  EXPECT_EQ(rules[lint["ruleIndex"].get<size_t>()]["defaultConfiguration"]["level"], "warning");
  EXPECT_EQ(lint["level"], "warning");
  const json& region = lint["locations"][0]["physicalLocation"]["region"];
  EXPECT_EQ(region["startLine"], 2);
  EXPECT_EQ(region["startColumn"], 16);
  EXPECT_EQ(region["endColumn"], 24);
  const json& artifact = lint["locations"][0]["physicalLocation"]["artifactLocation"];
  EXPECT_EQ(artifact["uri"], "funnels/retail.funnel");
  EXPECT_EQ(artifact["uriBaseId"], "%SRCROOT%");
  EXPECT_EQ(lint["relatedLocations"][0]["message"]["text"], "the pipeline");

  const json& error = run["results"][1];
  EXPECT_EQ(error["level"], "error");
  EXPECT_EQ(error["message"]["text"], "unknown stage `x`\ndid you mean `y`?");
  EXPECT_EQ(rules[error["ruleIndex"].get<size_t>()]["helpUri"],
            "https://example.org/voronka/docs/language.md#104-all-diagnostics");
}

TEST(Sarif, PathsOutsideTheRootAreAbsoluteAndEncoded) {
  Fixture f;
  FileId id = f.add("/srv/воронки/a b.funnel", "x");
  f.sink.emit(diag::PlainHttp, SourceRange{id, 0, 1}, "this webhook");
  CiReportOptions options;
  options.sourceRoot = "/work/project";
  json log = json::parse(renderSarif(f.sink, f.sources, options));
  const json& artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
  EXPECT_EQ(artifact["uri"], "file:///srv/%D0%B2%D0%BE%D1%80%D0%BE%D0%BD%D0%BA%D0%B8/a%20b.funnel");
  EXPECT_FALSE(artifact.contains("uriBaseId"));
}

TEST(Sarif, FingerprintsSurviveMovedLinesAndNotEdits) {
  auto prints = [](const std::string& text, const std::string& flagged) {
    Fixture f;
    FileId id = f.add("a.funnel", text);
    uint32_t at = static_cast<uint32_t>(text.find(flagged));
    f.sink.emit(diag::PlainHttp, SourceRange{id, at, at + static_cast<uint32_t>(flagged.size())}, "this webhook");
    f.sink.emit(diag::PlainHttp, SourceRange{id, at, at + static_cast<uint32_t>(flagged.size())}, "this webhook");
    return fingerprints(f.sink, f.sources);
  };
  std::string line = "webhook \"http://x\"\n";
  auto base = prints(line, "\"http://x\"");
  ASSERT_EQ(base.size(), 2u);
  EXPECT_NE(base[0], base[1]);  // the same finding twice: told apart by rank
  EXPECT_EQ(prints("\n\n// moved\n" + line, "\"http://x\""), base);
  EXPECT_NE(prints("webhook \"http://y\"\n", "\"http://y\"")[0], base[0]);
}

TEST(CodeQuality, IssuesCarryFingerprintsAndRelativePaths) {
  Fixture f;
  FileId id = f.add("funnels/a.funnel", "one\ntwo\n");
  f.sink.emit(diag::PlainHttp, SourceRange{id, 4, 7}, "this webhook");
  CiReportOptions options;
  options.sourceRoot = std::filesystem::current_path();
  json issues = json::parse(renderCodeQuality(f.sink, f.sources, options));
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0]["check_name"], "plain-http");
  EXPECT_EQ(issues[0]["severity"], "minor");
  EXPECT_EQ(issues[0]["location"]["path"], "funnels/a.funnel");
  EXPECT_EQ(issues[0]["location"]["lines"]["begin"], 2);
  EXPECT_EQ(issues[0]["fingerprint"], fingerprints(f.sink, f.sources)[0]);
}

}  // namespace
}  // namespace voronka
