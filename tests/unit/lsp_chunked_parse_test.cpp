// The language server parses a document in top-level pieces and re-parses
// only the pieces an edit touched (tools/voronka/lsp/chunked_parse.h). The
// result must be the whole-file parse exactly: the same AST with the same
// positions, the same names at the same places, the same checker messages —
// for every .funnel file of the repository, and after edits that move the
// pieces that are kept.
#include <gtest/gtest.h>

#include <filesystem>

#include "compiler/check/checker.h"
#include "compiler/index/index.h"
#include "tests/unit/repository_files.h"
#include "tools/voronka/lsp/chunked_parse.h"

namespace voronka {
namespace {

namespace fs = std::filesystem;

using testing::readFile;

// Everything positions can be compared by: the AST dump with every node's
// line:col, the comments, the index's occurrences and the checker's messages.
struct Picture {
  std::string dump;
  std::vector<std::string> comments;
  std::vector<std::string> names;
  std::vector<std::string> diagnostics;
};

// The checker collects declarations from the last module to the first (used
// files before the root); pieces of one file go to it last piece first, so
// that it meets them in file order.
Picture picture(const std::vector<const ast::Module*>& modules, const SourceManager& sources) {
  std::vector<const ast::Module*> forChecker(modules.rbegin(), modules.rend());
  Picture p;
  for (const ast::Module* m : modules) {
    std::string d = ast::dump(*m, sources);
    p.dump += d.substr(d.find('\n') + 1);
    for (const auto& c : m->comments) p.comments.push_back(fmt::format("{}@{}-{}", c.text, c.range.begin, c.range.end));
  }
  DiagnosticSink sink;
  check::CheckedProgram program = check::checkProgram(forChecker, sink);
  index::Index idx = index::buildIndex(modules, &program);
  for (const auto& o : idx.occurrences) {
    p.names.push_back(
        fmt::format("{}@{}-{}{}", idx.symbols[o.symbol].name, o.range.begin, o.range.end, o.declaration ? "*" : ""));
  }
  sink.sortAndDeduplicate();
  for (const auto& d : sink.all()) {
    std::string notes;
    for (const auto& n : d.notes) notes += fmt::format(" [{}-{} {}]", n.range.begin, n.range.end, n.message);
    p.diagnostics.push_back(fmt::format("{}-{} {}{}", d.range.begin, d.range.end, d.message, notes));
  }
  return p;
}

void expectSame(const Picture& chunked, const Picture& whole) {
  EXPECT_EQ(chunked.dump, whole.dump);
  EXPECT_EQ(chunked.comments, whole.comments);
  EXPECT_EQ(chunked.names, whole.names);
  EXPECT_EQ(chunked.diagnostics, whole.diagnostics);
}

// Parses `text` whole and with `parser` (which may hold pieces of an earlier version).
void compare(lsp::ChunkedParser& parser, const std::string& text, const std::string& name) {
  SourceManager sources;
  FileId id = sources.add(name, text);
  const SourceFile& file = sources.file(id);
  DiagnosticSink sink;
  parse::ParseResult whole = parse::parseFile(file, sink);
  std::vector<std::shared_ptr<lsp::ParsedChunk>> chunks = parser.parse(file);
  if (whole.errors > 0) {
    ASSERT_EQ(chunks.size(), 1u) << "a file with errors is parsed whole";
    return;
  }
  std::vector<const ast::Module*> modules;
  for (const auto& c : chunks) modules.push_back(c->parse.module.get());
  expectSame(picture(modules, sources), picture({whole.module.get()}, sources));
}

TEST(ChunkedParse, EveryFileOfTheRepositoryParsesAsWhole) {
  std::vector<fs::path> files = testing::repositoryFunnelFiles();
  ASSERT_GT(files.size(), 50u);
  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    lsp::ChunkedParser parser;
    compare(parser, readFile(path), path.string());
  }
}

TEST(ChunkedParse, KeptPiecesMoveWithEdits) {
  fs::path path = fs::path(VORONKA_SOURCE_DIR) / "examples" / "furniture" / "furniture.funnel";
  std::string text = readFile(path);
  lsp::ChunkedParser parser;
  compare(parser, text, path.string());

  // A line inserted near the top moves every piece after it.
  std::string edited = text;
  edited.insert(edited.find('\n') + 1, "// a new comment line, Ёё 🎄\n");
  compare(parser, edited, path.string());
  EXPECT_GT(parser.reused(), 10u);

  // One character typed inside a title in the middle: only that piece is parsed again.
  size_t title = edited.find("\"Уточнение задачи\"");
  ASSERT_NE(title, std::string::npos);
  edited.insert(title + 1, "Я");
  compare(parser, edited, path.string());
  size_t pieces = lsp::chunkStarts(edited).size();
  EXPECT_EQ(parser.reused(), pieces - 1);

  // A syntax error: parsed whole; fixing it brings the pieces back.
  std::string broken = edited;
  broken.insert(broken.find("stage clarify"), "stage {\n");
  compare(parser, broken, path.string());
  compare(parser, edited, path.string());
  EXPECT_EQ(parser.reused(), pieces - 1);  // all but the piece that was broken
}

TEST(ChunkedParse, PiecesStartAtTopLevelDeclarations) {
  std::string text =
      "// header\n"
      "use std.loss_reasons\n"
      "field a: text \"A\"\n"
      "\n"
      "// about b\n"
      "// voronka: allow something\n"
      "field b: text \"B\"\n"
      "template email t \"T\" {\n"
      "  body \"\"\"\n"
      "pipeline inside a text block\n"
      "  \"\"\"\n"
      "}\n"
      "/* field in a comment\n"
      "field c: text \"C\" */\n"
      "pipeline p \"P\" {\n"
      "field inside braces\n"
      "}\n"
      "/* a block comment\n"
      "   above a declaration */\n"
      "pipeline q \"Q\" {\n"
      "field inside braces\n"
      "}\n"
      "on enter when x\n"
      "after 1d { win }\n";
  std::vector<uint32_t> starts = lsp::chunkStarts(text);
  std::vector<std::string> firstLines;
  for (uint32_t s : starts) firstLines.push_back(text.substr(s, text.find('\n', s) - s));
  // A piece starts with the blank lines and comments above its declaration.
  EXPECT_EQ(firstLines, (std::vector<std::string>{"// header", "field a: text \"A\"", "", "template email t \"T\" {",
                                                  "/* field in a comment", "/* a block comment", "on enter when x"}));
}

TEST(ChunkedParse, ANamedEnumIsAPieceOfItsOwn) {
  std::string text = "field a: level \"A\"\nenum level {\n  x\n  y\n}\nfield b: enum {\nx }\n";
  std::vector<uint32_t> starts = lsp::chunkStarts(text);
  std::vector<std::string> firstLines;
  for (uint32_t s : starts) firstLines.push_back(text.substr(s, text.find('\n', s) - s));
  EXPECT_EQ(firstLines, (std::vector<std::string>{"field a: level \"A\"", "enum level {", "field b: enum {"}));
  lsp::ChunkedParser parser;
  compare(parser, text, "enums.funnel");
}

}  // namespace
}  // namespace voronka
