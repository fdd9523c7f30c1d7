// Syntax errors in words a consultant understands: "unexpected `stage`;
// expected `}` or an action", not ANTLR's "mismatched input … expecting {…}".
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "common/utf8.h"
#include "compiler/parse/internal.h"

namespace voronka::parse {
namespace {

using P = FunnelParser;

bool inRange(size_t t, size_t first, size_t last) { return t >= first && t <= last; }

bool isContextualKeyword(size_t t) { return inRange(t, kFirstContextual, kLastContextual); }

template <typename... T>
constexpr std::array<size_t, sizeof...(T)> tokenList(T... t) {
  return {static_cast<size_t>(t)...};
}

constexpr auto kActionStarts = tokenList(P::MOVE, P::ARROW, P::WIN, P::LOSE, P::TASK, P::COMPLETE, P::EMAIL, P::MESSAGE,
                                         P::SMS, P::WEBHOOK, P::REQUEST, P::ANALYTICS, P::TAG, P::SET, P::ASSIGN,
                                         P::CREATE, P::QUESTIONNAIRE, P::NOTE, P::NOTIFY, P::IF, P::SPLIT, P::THEN);
constexpr auto kRuleStarts = tokenList(P::ON, P::AFTER, P::AT, P::EVERY);
constexpr auto kDeclStarts = tokenList(P::USE, P::ACCOUNT, P::FIELD, P::TEAM, P::TEMPLATE, P::FORM, P::INTEGRATION,
                                       P::EVENT, P::PIPELINE, P::TEST, P::TASK);
constexpr auto kTestStarts = tokenList(P::DEAL, P::ADVANCE, P::EVENT, P::SET, P::MANUAL, P::EXPECT);
constexpr auto kExpressionStarts = tokenList(P::NUMBER, P::STRING, P::DURATION, P::TIME, P::DATE, P::DATETIME, P::TRUE,
                                             P::FALSE, P::NONE, P::LPAREN, P::LBRACK, P::MINUS, P::NOT);
constexpr auto kClauseStarts = tokenList(P::FROM, P::ONCE, P::WHEN, P::AFTER, P::AT, P::EVERY, P::UNLESS, P::WITHIN);
constexpr auto kOperators = tokenList(P::EQEQ, P::NEQ, P::LT, P::LE, P::GT, P::GE, P::PLUS, P::MINUS, P::STAR, P::SLASH,
                                      P::AND, P::OR, P::IN, P::HAS, P::DOT);

template <size_t N>
void removeAll(std::vector<size_t>& tokens, const std::array<size_t, N>& list) {
  tokens.erase(std::remove_if(tokens.begin(), tokens.end(),
                              [&](size_t t) { return std::find(list.begin(), list.end(), t) != list.end(); }),
               tokens.end());
}

std::string tokenClassName(const antlr4::dfa::Vocabulary& vocabulary, size_t type) {
  switch (type) {
    case antlr4::Token::EOF: return "end of file";
    case P::IDENT: return "a name";
    case P::STRING: return "a string";
    case P::NUMBER: return "a number";
    case P::DURATION: return "a duration like `3d`";
    case P::TIME: return "a time like `09:00`";
    case P::DATE: return "a date like `2026-12-31`";
    case P::DATETIME: return "a date and time like `2026-12-31T10:00`";
    default: break;
  }
  std::string literal = vocabulary.getLiteralName(type);
  if (literal.size() >= 2) return "`" + literal.substr(1, literal.size() - 2) + "`";
  return vocabulary.getSymbolicName(type);
}

}  // namespace

bool isReservedKeyword(size_t t) { return inRange(t, P::USE, P::NEXT); }

bool startsLine(antlr4::TokenStream* tokens, ssize_t k) {
  antlr4::Token* token = tokens->LT(k);
  antlr4::Token* before = tokens->LT(k == 1 ? -1 : k - 1);  // LT(0) is undefined
  return !before || !token || before->getLine() < token->getLine();
}

std::string describeExpected(const antlr4::dfa::Vocabulary& vocabulary, const antlr4::misc::IntervalSet& expected) {
  std::vector<size_t> tokens;
  for (ssize_t t : expected.toList()) {
    if (t >= 0 || t == static_cast<ssize_t>(antlr4::Token::EOF)) tokens.push_back(static_cast<size_t>(t));
  }
  if (expected.contains(static_cast<size_t>(P::IDENT))) {
    tokens.erase(std::remove_if(tokens.begin(), tokens.end(), isContextualKeyword), tokens.end());
  }
  auto has = [&](size_t t) { return std::find(tokens.begin(), tokens.end(), t) != tokens.end(); };
  auto count = [&](const auto& list) {
    size_t n = 0;
    for (size_t t : list) n += has(t) ? 1 : 0;
    return n;
  };
  // Whole classes first, so "an action" is not drowned in twenty keywords.
  std::vector<std::string> groups;
  if (count(kActionStarts) >= 10) {
    groups.push_back("an action (`task`, `email`, `move`, …)");
    removeAll(tokens, kActionStarts);
  }
  if (count(kRuleStarts) == kRuleStarts.size()) {
    groups.push_back("a rule (`on …`, `after …`)");
    removeAll(tokens, kRuleStarts);
  }
  if (count(kDeclStarts) >= 8) {
    groups.push_back("a declaration (`field`, `pipeline`, `template`, …)");
    removeAll(tokens, kDeclStarts);
  }
  if (count(kTestStarts) == kTestStarts.size()) {
    groups.push_back("a test step (`deal`, `event`, `advance`, `expect`, …)");
    removeAll(tokens, kTestStarts);
  }
  if (count(kExpressionStarts) >= 8 && has(P::IDENT)) {
    groups.push_back("an expression");
    removeAll(tokens, kExpressionStarts);
    tokens.erase(std::remove_if(tokens.begin(), tokens.end(),
                                [](size_t t) {
                                  return t == P::IDENT || t == P::DEAL || t == P::STAGE || t == P::IF || t == P::WON ||
                                         t == P::LOST;
                                }),
                 tokens.end());
  }
  if (count(kClauseStarts) >= 5) {
    groups.push_back("a rule clause (`when`, `after`, `unless`, …)");
    removeAll(tokens, kClauseStarts);
  }
  if (count(kOperators) >= 8) {
    groups.push_back("an operator");
    removeAll(tokens, kOperators);
  }
  std::vector<std::string> words;
  // Punctuation first, then keywords, then classes of tokens.
  std::stable_sort(tokens.begin(), tokens.end(), [](size_t a, size_t b) {
    auto rank = [](size_t t) {
      return inRange(t, P::ARROW, P::PERCENT) ? 0 : inRange(t, kFirstReserved, kLastContextual) ? 1 : 2;
    };
    return rank(a) < rank(b);
  });
  for (size_t t : tokens) words.push_back(tokenClassName(vocabulary, t));
  words.insert(words.end(), groups.begin(), groups.end());
  if (words.empty()) return "something else";
  if (words.size() > 8) {
    words.resize(8);
    words.push_back("…");
  }
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

std::string describeToken(const antlr4::Token* token) {
  if (!token || token->getType() == antlr4::Token::EOF) return "end of file";
  std::string text = token->getText();
  if (token->getType() == P::STRING) {
    // Cut on code points: a cut inside a UTF-8 sequence breaks every renderer.
    if (utf8::codePointCount(text) > 30) text = utf8::truncated(text, 27) + "\"";
    return "string " + text;
  }
  text = utf8::truncated(text, 30);
  return "`" + text + "`";
}

void SyntaxErrorReporter::report(antlr4::Parser* parser, antlr4::Token* offending,
                                 const antlr4::misc::IntervalSet& expected) {
  ++count_;
  if (quietAtEnd_ && offending && offending->getType() == antlr4::Token::EOF) return;
  constexpr size_t kMaxErrors = 100;
  if (count_ > kMaxErrors) return;
  SourceRange where = positions_.of(offending);
  size_t type = offending ? offending->getType() : antlr4::Token::EOF;
  bool atEnd = type == antlr4::Token::EOF;
  // Inside `{…}` the end of the expression is the closing brace.
  std::string found = atEnd && interpolation_ ? "`}`" : describeToken(offending);
  std::string expectedText =
      inExpression(parser) ? "an expression" : describeExpected(parser->getVocabulary(), expected);
  bool comparison = type == P::EQEQ || type == P::NEQ || type == P::LT || type == P::LE || type == P::GT ||
                    type == P::GE || type == P::IN || type == P::HAS;
  std::string message;
  if (comparison && !expected.contains(type)) {
    message = "comparisons do not chain; join them with `and`, like `a < b and b < c`";
  } else if (atEnd && !interpolation_) {
    message = fmt::format("unexpected end of file; expected {}", expectedText);
  } else {
    message = fmt::format("unexpected {}; expected {}", found, expectedText);
  }
  Diagnostic& d = sink_.emit(diag::SyntaxError, where, message);
  // A keyword where a name (not any expression) was expected.
  bool nameExpected =
      expected.contains(static_cast<size_t>(P::IDENT)) && !expected.contains(static_cast<size_t>(P::NUMBER));
  if (offending && isReservedKeyword(type) && nameExpected && !inExpression(parser)) {
    d.note(fmt::format("`{}` is a keyword and cannot be a name here; choose another name, e.g. `{}_`",
                       offending->getText(), offending->getText()));
  }
  if (offending && offending->getType() == antlr4::Token::EOF && unclosed_) {
    d.note(*unclosed_, "this bracket is never closed");
  }
  if (count_ == kMaxErrors) {
    d.note("too many syntax errors in this file; the rest are not shown");
  }
}

void SyntaxErrorReporter::sync(antlr4::Parser* parser) {
  using antlr4::atn::ATNState;
  if (inErrorRecoveryMode(parser)) return;
  ATNState* state = parser->getInterpreter<antlr4::atn::ParserATNSimulator>()->atn.states[parser->getState()];
  size_t type = state->getStateType();
  bool loop = type == ATNState::STAR_LOOP_ENTRY || type == ATNState::STAR_LOOP_BACK || type == ATNState::PLUS_LOOP_BACK;
  antlr4::TokenStream* tokens = parser->getTokenStream();
  size_t la = tokens->LA(1);
  antlr4::misc::IntervalSet next = parser->getATN().nextTokens(state);
  if (!loop || next.contains(la) || next.contains(antlr4::Token::EPSILON)) {
    DefaultErrorStrategy::sync(parser);
    return;
  }
  // A reserved word that an enclosing construct can continue with (`stage`
  // after a block whose `}` is missing) is left to the enclosing rule.
  antlr4::misc::IntervalSet outer = getErrorRecoverySet(parser);
  auto resumesOuter = [&](size_t t) {
    return t == antlr4::Token::EOF || (isReservedKeyword(t) && outer.contains(t) && startsLine(tokens, 1));
  };
  if (resumesOuter(la) || la == P::RBRACE) {
    DefaultErrorStrategy::sync(parser);
    return;
  }
  reportUnwantedToken(parser);
  // Skip to a token that fits here, jumping over bracketed groups whole.
  int depth = 0;
  while (true) {
    size_t t = tokens->LA(1);
    if (t == antlr4::Token::EOF) break;
    if (depth == 0 && (next.contains(t) || resumesOuter(t))) break;
    if (t == P::LBRACE || t == P::LPAREN || t == P::LBRACK) {
      ++depth;
    } else if (t == P::RBRACE || t == P::RPAREN || t == P::RBRACK) {
      if (depth == 0) break;
      --depth;
    }
    parser->consume();
  }
}

void SyntaxErrorReporter::recover(antlr4::Parser* parser, std::exception_ptr e) {
  antlr4::TokenStream* tokens = parser->getTokenStream();
  while (isReservedKeyword(tokens->LA(1)) && !startsLine(tokens, 1)) parser->consume();
  DefaultErrorStrategy::recover(parser, e);
}

antlr4::Token* SyntaxErrorReporter::recoverInline(antlr4::Parser* parser) {
  antlr4::Token* t = parser->getCurrentToken();
  if (!t || !isReservedKeyword(t->getType())) return DefaultErrorStrategy::recoverInline(parser);
  // A keyword opening a line starts the next declaration: do not delete it
  // or read it as a name; fail here and let recovery resume at it.
  if (startsLine(parser->getTokenStream(), 1)) throw antlr4::InputMismatchException(parser);
  antlr4::misc::IntervalSet expecting = getExpectedTokens(parser);
  bool nameExpected =
      expecting.contains(static_cast<size_t>(P::IDENT)) && !expecting.contains(static_cast<size_t>(P::NUMBER));
  if (nameExpected && !inExpression(parser)) {
    if (!inErrorRecoveryMode(parser)) report(parser, t, expecting);
    endErrorCondition(parser);
    parser->consume();
    return t;
  }
  return DefaultErrorStrategy::recoverInline(parser);
}

antlr4::Token* SyntaxErrorReporter::singleTokenDeletion(antlr4::Parser* parser) {
  antlr4::TokenStream* tokens = parser->getTokenStream();
  if (isReservedKeyword(tokens->LA(1)) && startsLine(tokens, 1)) return nullptr;
  return DefaultErrorStrategy::singleTokenDeletion(parser);
}

// A name inside an expression (`= team …`) is an expression, not a declared name.
bool SyntaxErrorReporter::inExpression(antlr4::Parser* parser) {
  antlr4::ParserRuleContext* ctx = parser->getContext();
  if (!ctx || ctx->getRuleIndex() != P::RuleIdent || !ctx->parent) return false;
  return static_cast<antlr4::ParserRuleContext*>(ctx->parent)->getRuleIndex() == P::RulePrimary;
}

void SyntaxErrorReporter::reportNoViableAlternative(antlr4::Parser* parser, const antlr4::NoViableAltException& e) {
  report(parser, e.getOffendingToken(), e.getExpectedTokens());
}

void SyntaxErrorReporter::reportInputMismatch(antlr4::Parser* parser, const antlr4::InputMismatchException& e) {
  report(parser, e.getOffendingToken(), e.getExpectedTokens());
}

void SyntaxErrorReporter::reportFailedPredicate(antlr4::Parser* parser, const antlr4::FailedPredicateException& e) {
  report(parser, e.getOffendingToken(), e.getExpectedTokens());
}

void SyntaxErrorReporter::reportUnwantedToken(antlr4::Parser* parser) {
  if (inErrorRecoveryMode(parser)) return;
  beginErrorCondition(parser);
  report(parser, parser->getCurrentToken(), getExpectedTokens(parser));
}

void SyntaxErrorReporter::reportMissingToken(antlr4::Parser* parser) {
  if (inErrorRecoveryMode(parser)) return;
  beginErrorCondition(parser);
  report(parser, parser->getCurrentToken(), getExpectedTokens(parser));
}

}  // namespace voronka::parse
