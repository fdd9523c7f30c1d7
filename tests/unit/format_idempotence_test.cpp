// The formatter over every .funnel file of the repository: formatting is
// idempotent, never changes what a file means (the AST dump, positions
// aside, stays the same) and keeps every comment. Files with syntax errors
// (the parser's failure tests) must be refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "compiler/ast/ast.h"
#include "compiler/format/format.h"
#include "compiler/parse/parse.h"
#include "tests/unit/repository_files.h"

namespace voronka {
namespace {

namespace fs = std::filesystem;

using testing::readFile;

// The AST dump without positions (`@line:col`) and without the file name.
std::string meaning(const ast::Module& m, const SourceManager& sources) {
  static const std::regex position(" @[0-9]+:[0-9]+");
  std::string dump = std::regex_replace(ast::dump(m, sources), position, "");
  return dump.substr(dump.find('\n') + 1);
}

std::vector<std::string> commentWords(const ast::Module& m) {
  std::vector<std::string> out;
  for (const auto& c : m.comments) {
    std::istringstream words(c.text);
    std::string w;
    std::string joined;
    while (words >> w) joined += w + " ";
    out.push_back(joined);
  }
  return out;
}

TEST(FormatRepository, EveryFileIsIdempotentAndKeepsItsMeaning) {
  std::vector<fs::path> files = testing::repositoryFunnelFiles();
  ASSERT_GT(files.size(), 50u) << "the repository's .funnel files were not found under " << VORONKA_SOURCE_DIR;
  size_t formatted = 0, refused = 0;
  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    SourceManager sources;
    FileId id = sources.add(path.string(), readFile(path));
    DiagnosticSink sink;
    format::FormatOptions options;
    options.fullVerification = true;  // every token lexed again and compared
    format::FormatResult first = format::formatFile(sources.file(id), sink, options);
    if (first.status == format::FormatResult::Status::SyntaxErrors) {
      EXPECT_TRUE(sink.hasErrors());
      ++refused;
      continue;
    }
    ASSERT_TRUE(first.ok()) << first.error;
    ++formatted;

    FileId again = sources.add(path.string(), first.text);
    DiagnosticSink sink2;
    format::FormatResult second = format::formatFile(sources.file(again), sink2);
    ASSERT_TRUE(second.ok()) << "the formatted text does not parse:\n" << first.text;
    EXPECT_EQ(second.text, first.text) << "formatting is not idempotent";

    DiagnosticSink s1, s2;
    parse::ParseResult before = parse::parseFile(sources.file(id), s1);
    parse::ParseResult after = parse::parseFile(sources.file(again), s2);
    EXPECT_EQ(meaning(*after.module, sources), meaning(*before.module, sources)) << "formatting changed the AST";
    EXPECT_EQ(commentWords(*after.module), commentWords(*before.module)) << "formatting lost or changed a comment";
  }
  EXPECT_GT(formatted, 100u);
  // Files with syntax errors are the parser's failure tests: there must be some, and all are refused.
  EXPECT_GT(refused, 10u);
}

}  // namespace
}  // namespace voronka
