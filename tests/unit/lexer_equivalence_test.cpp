// compiler/parse runs ANTLR's generated lexer on its own simulator and Lexer
// subclass (compiler/parse/recognizers.h, lexer_simulator.h), which skip the
// runtime's locks, casts and allocations. They must make exactly the tokens
// ANTLR's own classes make: same types, channels, ranges, lines, columns and
// texts, on every .funnel file of the repository and on damaged copies of
// them (unterminated strings and comments, stray characters, Cyrillic,
// emoji, no-break spaces).
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "compiler/parse/parse_testing.h"
#include "tests/unit/repository_files.h"

namespace voronka {
namespace {

namespace fs = std::filesystem;

using testing::readFile;

bool validUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += n;
  }
  return true;
}

void expectSameTokens(const std::string& text, const std::string& what) {
  std::string ours = parse::traceLexer(text, false);
  std::string plain = parse::traceLexer(text, true);
  EXPECT_EQ(ours, plain) << what;
}

TEST(LexerEquivalence, EveryRepositoryFileLexesAsWithPlainAntlr) {
  std::vector<fs::path> files = testing::repositoryFunnelFiles();
  ASSERT_GT(files.size(), 50u);
  for (const fs::path& file : files) {
    std::string text = readFile(file);
    if (!validUtf8(text)) continue;  // the invalid-UTF-8 tests never reach the lexer
    expectSameTokens(text, file.string());
  }
}

TEST(LexerEquivalence, DamagedFilesLexAsWithPlainAntlr) {
  // Pieces that open, close or break tokens, and characters outside ASCII.
  const std::vector<std::string> pieces = {
      "\"", "\"\"\"", "/*", "*/", "//", "\\", "\n", " ", "\u00A0", "\uFEFF", "7",  "3d", "12:30", "2026-01-31", "T",
      "_",  ".",      "..", "->", "{",  "}",  "я",  "Ё", "😀",      "«",      "\t", "=",  "!",     "#",          "\r\n"};
  std::mt19937 random(20261123);
  std::vector<fs::path> files = testing::repositoryFunnelFiles();
  int damaged = 0;
  for (const fs::path& file : files) {
    std::string original = readFile(file);
    if (!validUtf8(original) || original.empty()) continue;
    for (int copy = 0; copy < 4; ++copy) {
      std::string text = original;
      for (int edit = 0; edit < 6; ++edit) {
        size_t at = std::uniform_int_distribution<size_t>(0, text.size())(random);
        while (at < text.size() && (static_cast<unsigned char>(text[at]) >> 6) == 0x2) ++at;  // a code point boundary
        if (random() % 3 == 0 && at < text.size()) {
          size_t end = at + 1;
          while (end < text.size() && (static_cast<unsigned char>(text[end]) >> 6) == 0x2) ++end;
          text.erase(at, end - at);
        } else {
          text.insert(at, pieces[random() % pieces.size()]);
        }
      }
      ASSERT_TRUE(validUtf8(text));
      expectSameTokens(text, file.string() + " (damaged copy " + std::to_string(copy) + ")");
      ++damaged;
    }
  }
  EXPECT_GT(damaged, 200);
}

TEST(LexerEquivalence, EdgeCasesLexAsWithPlainAntlr) {
  for (const std::string text : {"", " ", "\"", "\"\"\"", "\"\"\"abc\"\"", "/*", "/* a * / b", "3days", "1..5", "12:3",
                                 "2026-1-01", "2026-01-01T9:00", "привет мир", "😀", "a\u00A0b", "\uFEFFstage"}) {
    expectSameTokens(text, "`" + text + "`");
  }
}

}  // namespace
}  // namespace voronka
