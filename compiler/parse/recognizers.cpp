#include "compiler/parse/recognizers.h"

#include "compiler/parse/lexer_simulator.h"

namespace voronka::parse {

Lexer::Lexer(FunnelCharStream* input) : FunnelLexer(input) {
  auto* original = static_cast<antlr4::atn::LexerATNSimulator*>(_interpreter);
  simulator_ = new LexerSimulator(*original);
  delete original;
  _interpreter = simulator_;  // FunnelLexer's destructor deletes it
}

size_t Lexer::getLine() const { return simulator_->getLine(); }

size_t Lexer::getCharPositionInLine() { return simulator_->getCharPositionInLine(); }

// The loop of antlr4::Lexer::nextToken: match tokens until one is not
// skipped; `more` continues the same token.
std::unique_ptr<antlr4::Token> Lexer::nextToken() {
  while (true) {
    if (hitEOF) {
      emitEOF();
      return std::move(token);
    }
    token.reset();
    channel = antlr4::Token::DEFAULT_CHANNEL;
    tokenStartCharIndex = _input->index();
    tokenStartCharPositionInLine = simulator_->getCharPositionInLine();
    tokenStartLine = simulator_->getLine();
    _text.clear();
    bool skipped = false;
    do {
      type = antlr4::Token::INVALID_TYPE;
      size_t matched;
      try {
        matched = simulator_->match(_input, mode);
      } catch (antlr4::LexerNoViableAltException& e) {
        notifyListeners(e);
        recover(e);
        matched = SKIP;
      }
      if (_input->LA(1) == antlr4::Token::EOF) hitEOF = true;
      if (type == antlr4::Token::INVALID_TYPE) type = matched;
      skipped = type == SKIP;
    } while (!skipped && type == MORE);
    if (skipped) continue;
    if (!token) emit();
    return std::move(token);
  }
}

size_t TokenStream::fetch(size_t n) {
  if (_fetchedEOF) return 0;
  for (size_t i = 0; i < n; ++i) {
    std::unique_ptr<antlr4::Token> t = _tokenSource->nextToken();
    static_cast<antlr4::CommonToken*>(t.get())->setTokenIndex(_tokens.size());
    bool eof = t->getType() == antlr4::Token::EOF;
    _tokens.push_back(std::move(t));
    if (eof) {
      _fetchedEOF = true;
      return i + 1;
    }
  }
  return n;
}

void Parser::enterRule(antlr4::ParserRuleContext* context, size_t state, size_t /*ruleIndex*/) {
  setState(state);
  _ctx = context;
  _ctx->start = _input->LT(1);
  if (_buildParseTrees && _ctx->parent) static_cast<antlr4::ParserRuleContext*>(_ctx->parent)->addChild(_ctx);
  if (!_parseListeners.empty()) triggerEnterRuleEvent();
}

// A rule whose alternative is decided after entry replaces the context it
// entered with in its parent's children.
void Parser::enterOuterAlt(antlr4::ParserRuleContext* context, size_t alternative) {
  context->setAltNumber(alternative);
  if (_buildParseTrees && _ctx != context && _ctx->parent) {
    auto* parent = static_cast<antlr4::ParserRuleContext*>(_ctx->parent);
    parent->removeLastChild();
    parent->addChild(context);
  }
  _ctx = context;
}

}  // namespace voronka::parse
