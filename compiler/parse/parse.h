// The parser's public face: source text in, AST and diagnostics out. ANTLR
// stays behind this header. Hooks for the parser's own tests and benchmarks
// are in parse_testing.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/source/source.h"

namespace voronka::parse {

struct ParseOptions {
  // Brackets and unary operators nest at most this deep; deeper input is
  // reported instead of risking the stack of the recursive-descent parser.
  int maxNesting = 256;
};

struct ParseResult {
  ast::ModulePtr module;    // never null; partial after syntax errors
  size_t errors = 0;        // errors reported while parsing this file
  bool usedFullLL = false;  // the fast SLL pass failed and full LL ran
};

ParseResult parseFile(const SourceFile& file, DiagnosticSink& sink, const ParseOptions& options = {});

// One line per token: `line:col KIND 'text'` (for `--emit=tokens`).
std::string dumpTokens(const SourceFile& file);

// What a token is, for tools that lay out or colour text (the formatter, the
// language server) without seeing ANTLR.
enum class TokenClass : uint8_t {
  Reserved,    // a reserved keyword (`stage`, `on`, `if`)
  Contextual,  // a contextual keyword (`initial`, `when`), also usable as a name
  Identifier,
  String,  // "…" or a """text block"""
  Number,
  Duration,
  Time,
  Date,
  DateTime,
  Punctuation,  // brackets, operators, `.` `,` `:` `->` `..`
  LineComment,
  BlockComment,
  Error,  // a bad character, a number running into letters, an unclosed string or comment
};

// A token as the lexer made it (no repairs): `[begin, end)` are byte offsets;
// its text is `file.text().substr(begin, end - begin)`.
struct LexedToken {
  TokenClass cls;
  uint32_t begin = 0;
  uint32_t end = 0;
};

// Every token of the file in order, comments included, white space and the
// end of file left out. Empty for a file that is not valid UTF-8.
std::vector<LexedToken> lexForFormatting(const SourceFile& file);

// parseFile, also giving the tokens it lexed (as lexForFormatting would, for
// a file without errors), so that the formatter need not lex again.
ParseResult parseFileWithTokens(const SourceFile& file, DiagnosticSink& sink, std::vector<LexedToken>& tokens,
                                const ParseOptions& options = {});

// Every keyword of the grammar in token order, with whether it is reserved
// (the others are contextual: they may also be names).
struct Keyword {
  std::string_view text;
  bool reserved;
};
const std::vector<Keyword>& keywords();

}  // namespace voronka::parse
