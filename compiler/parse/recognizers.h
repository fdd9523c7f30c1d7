// Internal to compiler/parse: the lexer, token stream and parser we run.
//
// ANTLR's C++ runtime 4.9 casts with dynamic_cast on every rule entry and
// exit, every token and every line-number lookup; with this toolchain each of
// those compares type names with strcmp, and together they were ~15% of a
// parse. These subclasses do the same work with static casts (where the
// runtime lets us: Parser::exitRule is not virtual), which is what
// later ANTLR runtimes do too: every parent of a rule context is a
// ParserRuleContext, the lexer's interpreter is always its LexerATNSimulator
// and our lexer makes CommonTokens only. The lexer runs on LexerSimulator
// (lexer_simulator.h). Behaviour is otherwise unchanged.
#pragma once

#include "compiler/parse/internal.h"

namespace voronka::parse {

class Lexer : public FunnelLexer {
 public:
  explicit Lexer(FunnelCharStream* input);

  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override;
  size_t getCharPositionInLine() override;

 private:
  antlr4::atn::LexerATNSimulator* simulator_ = nullptr;
};

class TokenStream : public antlr4::CommonTokenStream {
 public:
  using antlr4::CommonTokenStream::CommonTokenStream;

 protected:
  size_t fetch(size_t n) override;
};

class Parser : public FunnelParser {
 public:
  using FunnelParser::FunnelParser;

  void enterRule(antlr4::ParserRuleContext* context, size_t state, size_t ruleIndex) override;
  void enterOuterAlt(antlr4::ParserRuleContext* context, size_t alternative) override;
};

}  // namespace voronka::parse
