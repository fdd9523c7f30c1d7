// Internal to compiler/parse: the ANTLR-facing pieces. Nothing outside this
// folder includes it, so no ANTLR type leaks into the rest of the compiler.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "FunnelLexer.h"
#include "FunnelParser.h"
#include "antlr4-runtime.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/parse/char_stream.h"
#include "compiler/source/source.h"

namespace voronka::parse {

using voronka_grammar::FunnelLexer;
using voronka_grammar::FunnelParser;

// The keyword blocks of grammar/Funnel.g4's lexer, by token type: reserved
// words run from USE to NEXT, contextual ones from INITIAL to the last of
// the "Contextual keywords" block. A contextual keyword added to the grammar
// goes at the end of that block and becomes kLastContextual here.
inline constexpr size_t kFirstReserved = FunnelLexer::USE;
inline constexpr size_t kLastReserved = FunnelLexer::NEXT;
inline constexpr size_t kFirstContextual = FunnelLexer::INITIAL;
inline constexpr size_t kLastContextual = FunnelLexer::UNDELIVERABLE;
static_assert(kLastReserved + 1 == kFirstContextual && kLastContextual + 1 == FunnelLexer::ARROW,
              "the keyword blocks of Funnel.g4 are contiguous, contextual ones right before the punctuation");

// Maps ANTLR's code point indices to byte offsets of the file.
class OffsetMap {
 public:
  OffsetMap(std::string_view text, uint32_t base);
  uint32_t byteOf(size_t codePointIndex) const {
    if (identity_) return base_ + static_cast<uint32_t>(codePointIndex);
    return codePointIndex < offsets_.size() ? offsets_[codePointIndex] : offsets_.back();
  }

 private:
  bool identity_ = true;
  uint32_t base_ = 0;
  std::vector<uint32_t> offsets_;
};

// Where tokens of one ANTLR input sit in the file.
struct Positions {
  FileId file;
  const OffsetMap* map;
  SourceRange of(const antlr4::Token* t) const;
  SourceRange of(antlr4::ParserRuleContext* ctx) const;
  SourceRange of(antlr4::tree::TerminalNode* node) const { return node ? of(node->getSymbol()) : SourceRange{}; }
};

// The tokens of a file after the lexical checks: error tokens are reported and
// replaced (a bad number becomes a number, an unterminated string a string, a
// stray character disappears) so the parser can go on.
struct LexedFile {
  std::unique_ptr<FunnelCharStream> input;
  std::unique_ptr<FunnelLexer> lexer;
  std::vector<std::unique_ptr<antlr4::Token>> tokens;
  bool tooDeep = false;                 // nesting beyond the limit: do not parse
  bool runsToEnd = false;               // an unclosed text block or comment swallowed the rest
  std::optional<SourceRange> unclosed;  // the innermost bracket left open at the end
};

LexedFile lexFile(std::string_view text, const Positions& positions, int maxNesting, DiagnosticSink& sink);
// The tokens exactly as the lexer made them (no repairs), for `--emit=tokens`.
std::vector<std::pair<std::string, antlr4::Token*>> rawTokens(LexedFile& holder, std::string_view text);

// Parses a file with SLL prediction and bail-out, then, only if that fails,
// again from the start with full LL and `reporter` (parse.cpp).
FunnelParser::FileContext* parseTwoStage(FunnelParser& parser, antlr4::CommonTokenStream& stream,
                                         std::shared_ptr<antlr4::ANTLRErrorStrategy> reporter, bool& usedLL);

// Reports syntax errors in the consultant's words instead of ANTLR's.
class SyntaxErrorReporter : public antlr4::DefaultErrorStrategy {
 public:
  SyntaxErrorReporter(const Positions& positions, DiagnosticSink& sink, std::optional<SourceRange> unclosed,
                      bool interpolation = false, bool quietAtEnd = false)
      : positions_(positions),
        sink_(sink),
        unclosed_(unclosed),
        interpolation_(interpolation),
        quietAtEnd_(quietAtEnd) {}
  size_t errorCount() const { return count_; }

  // Inside a `{ … }` list (actions, stage items, declarations) skips a stray
  // word and what belongs to it, instead of abandoning the whole block.
  void sync(antlr4::Parser* parser) override;
  // Before the usual recovery, drops keywords that stand in the middle of a
  // line: `set x = account` must not restart parsing at an `account` block.
  void recover(antlr4::Parser* parser, std::exception_ptr e) override;
  // A keyword where a name goes (`stage won "…"`) is reported once and then
  // read as that name, so the rest of the declaration parses as intended.
  antlr4::Token* recoverInline(antlr4::Parser* parser) override;
  // Never deletes a keyword that opens a line: it starts the next declaration.
  antlr4::Token* singleTokenDeletion(antlr4::Parser* parser) override;

 protected:
  void reportNoViableAlternative(antlr4::Parser* parser, const antlr4::NoViableAltException& e) override;
  void reportInputMismatch(antlr4::Parser* parser, const antlr4::InputMismatchException& e) override;
  void reportFailedPredicate(antlr4::Parser* parser, const antlr4::FailedPredicateException& e) override;
  void reportUnwantedToken(antlr4::Parser* parser) override;
  void reportMissingToken(antlr4::Parser* parser) override;

 private:
  void report(antlr4::Parser* parser, antlr4::Token* offending, const antlr4::misc::IntervalSet& expected);
  static bool inExpression(antlr4::Parser* parser);
  const Positions& positions_;
  DiagnosticSink& sink_;
  std::optional<SourceRange> unclosed_;
  bool interpolation_;  // parsing the inside of `{…}` in a text
  bool quietAtEnd_;     // the end of file was swallowed by an unclosed text block: already reported
  size_t count_ = 0;
};

// "`{`, `->` or a name": the expected tokens in words.
std::string describeExpected(const antlr4::dfa::Vocabulary& vocabulary, const antlr4::misc::IntervalSet& expected);
// "`stage`", "a string", "end of file".
std::string describeToken(const antlr4::Token* token);
bool isReservedKeyword(size_t tokenType);
// Whether the k-th token ahead is the first on its line.
bool startsLine(antlr4::TokenStream* tokens, ssize_t k);

}  // namespace voronka::parse
