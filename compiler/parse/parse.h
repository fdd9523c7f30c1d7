// The parser's public face: source text in, AST and diagnostics out. ANTLR
// stays behind this header.
#pragma once

#include <string>

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
  ast::ModulePtr module;  // never null; partial after syntax errors
  size_t errors = 0;      // errors reported while parsing this file
  bool usedFullLL = false;  // the fast SLL pass failed and full LL ran
};

ParseResult parseFile(const SourceFile& file, DiagnosticSink& sink, const ParseOptions& options = {});

// One line per token: `line:col KIND 'text'` (for `--emit=tokens`).
std::string dumpTokens(const SourceFile& file);

// Only ANTLR: lex and parse (SLL, then LL on failure) without building the
// AST. Returns whether the text parsed cleanly. For the front-end benchmark:
// `fastStream` feeds the lexer through FunnelCharStream as the compiler does,
// otherwise through ANTLR's own ANTLRInputStream.
bool parseOnlyWithAntlr(std::string_view text, bool fastStream = false);

}  // namespace voronka::parse
