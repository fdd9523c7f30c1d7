// Hooks into the parser for its tests and benchmarks, not for the compiler:
// they run ANTLR's pieces apart from parseFile. Production code includes
// parse.h only; these live in their own library, voronka_parse_testing.
#pragma once

#include <string>
#include <string_view>

namespace voronka::parse {

// Only ANTLR: lex and parse (SLL, then LL on failure) without building the
// AST. Returns whether the text parsed cleanly. For the front-end benchmark:
// `fastStream` runs the lexer, token stream and parser as the compiler does
// (FunnelCharStream and the cast-free recognizers), otherwise ANTLR's own
// ANTLRInputStream, Lexer, CommonTokenStream and Parser.
bool parseOnlyWithAntlr(std::string_view text, bool fastStream = false);

// Every token the lexer makes from valid UTF-8 `text`, one per line: type,
// channel, code point range, line, column and text. With `plainAntlr` the
// lexer runs on ANTLR's own Lexer and simulator instead of ours
// (recognizers.h); a test keeps the two identical.
std::string traceLexer(std::string_view text, bool plainAntlr);

}  // namespace voronka::parse
