// From ANTLR's parse tree to our AST. After error recovery any child may be
// missing, so every step checks before it looks.
#include "compiler/parse/ast_builder.h"

#include <fmt/format.h>

#include <typeinfo>
#include <unordered_map>

#include "compiler/parse/literals.h"
#include "compiler/parse/recognizers.h"

namespace voronka::parse {

using namespace voronka::ast;
using P = FunnelParser;
using Ctx = antlr4::ParserRuleContext;

namespace {

constexpr size_t kMaxChain = 1000;  // operands in one `a + b + …` chain
constexpr uint32_t R = Kids::kRuleBit;

enum class NodeClass : uint8_t { Terminal, Error, Rule };

// What kind of parse-tree node a dynamic type is, decided once per type with
// a name comparison and then looked up by the type's name pointer.
NodeClass classify(const std::type_info& type) {
  thread_local std::unordered_map<const char*, NodeClass> known;
  auto it = known.find(type.name());
  if (it != known.end()) return it->second;
  NodeClass c = NodeClass::Rule;
  if (type == typeid(antlr4::tree::TerminalNodeImpl)) c = NodeClass::Terminal;
  if (type == typeid(antlr4::tree::ErrorNodeImpl)) c = NodeClass::Error;
  known.emplace(type.name(), c);
  return c;
}

}  // namespace

Kids::Kids(antlr4::tree::ParseTree* node, antlr4::TokenStream& tokens) {
  if (!node) return;
  Entry* out = inline_.data();
  if (node->children.size() > kInline) {
    overflow_.resize(node->children.size());
    out = overflow_.data();
  }
  for (antlr4::tree::ParseTree* child : node->children) {
    switch (classify(typeid(*child))) {
      case NodeClass::Terminal: {
        antlr4::Token* t = tokens.get(static_cast<size_t>(child->getSourceInterval().a));
        out[size_++] = {static_cast<uint32_t>(t->getType()), child, t};
        break;
      }
      case NodeClass::Error: out[size_++] = {kError, child, nullptr}; break;
      case NodeClass::Rule: {
        auto* ctx = static_cast<antlr4::ParserRuleContext*>(child);
        out[size_++] = {kRuleBit | static_cast<uint32_t>(ctx->getRuleIndex()), child, nullptr};
        break;
      }
    }
  }
}

antlr4::Token* Kids::token(size_t type, size_t i) const {
  for (const auto& e : entries()) {
    if (e.code == type && i-- == 0) return e.token;
  }
  return nullptr;
}

std::vector<antlr4::Token*> Kids::tokens(size_t type) const {
  std::vector<antlr4::Token*> out;
  for (const auto& e : entries()) {
    if (e.code == type) out.push_back(e.token);
  }
  return out;
}

antlr4::ParserRuleContext* Kids::rule(size_t ruleIndex, size_t i) const {
  for (const auto& e : entries()) {
    if (e.code == (kRuleBit | ruleIndex) && i-- == 0) return static_cast<antlr4::ParserRuleContext*>(e.node);
  }
  return nullptr;
}

std::vector<antlr4::ParserRuleContext*> Kids::rules(size_t ruleIndex) const {
  std::vector<antlr4::ParserRuleContext*> out;
  for (const auto& e : entries()) {
    if (e.code == (kRuleBit | ruleIndex)) out.push_back(static_cast<antlr4::ParserRuleContext*>(e.node));
  }
  return out;
}

AstBuilder::AstBuilder(const Positions& positions, antlr4::TokenStream& tokens, DiagnosticSink& sink, int maxNesting)
    : pos_(&positions), tokens_(&tokens), sink_(sink), maxNesting_(maxNesting) {}

// ───────────────────────────── small pieces ───────────────────────────────

Ident AstBuilder::ident(Ctx* ctx) {
  if (!ctx || ctx->children.empty() || !ctx->getStart()) return {};
  return Ident{ctx->getStart()->getText(), pos_->of(ctx->getStart())};
}

Ident AstBuilder::ident(antlr4::Token* token) {
  if (!token) return {};
  return Ident{token->getText(), pos_->of(token)};
}

Text AstBuilder::text(antlr4::Token* string) {
  if (!string) return {};
  SourceRange r = pos_->of(string);
  return Text{decodePlainString(string->getText(), r.file, r.begin, sink_), r};
}

std::optional<Text> AstBuilder::optText(antlr4::Token* string) {
  if (!string) return std::nullopt;
  return text(string);
}

InterpolatedText AstBuilder::interpolated(antlr4::Token* string) {
  InterpolatedText out;
  if (!string) return out;
  out.range = pos_->of(string);
  StringSegments segments = decodeString(string->getText(), out.range.file, out.range.begin, true, sink_);
  for (auto& seg : segments.segments) {
    InterpolatedText::Part part;
    part.range = SourceRange{out.range.file, seg.begin, seg.end};
    if (seg.isExpression) {
      part.expr = simpleInterpolation(seg.text, seg.begin);
      if (!part.expr) part.expr = parseInterpolation(seg.text, seg.begin);
      if (!part.expr) continue;
    } else {
      part.literal = std::move(seg.text);
    }
    out.parts.push_back(std::move(part));
  }
  return out;
}

// Most interpolations are a name or a dotted path ({contact.name}); those are
// built directly. Anything else goes through the parser.
ExprPtr AstBuilder::simpleInterpolation(const std::string& source, uint32_t fileOffset) {
  size_t begin = source.find_first_not_of(" \t");
  size_t end = source.find_last_not_of(" \t");
  if (begin == std::string::npos) return nullptr;
  std::string_view s(source.data() + begin, end - begin + 1);
  std::vector<std::pair<size_t, size_t>> parts;  // [start, end) within s
  size_t i = 0;
  while (i <= s.size()) {
    size_t start = i;
    while (i < s.size() && s[i] != '.') {
      auto c = static_cast<unsigned char>(s[i]);
      bool ok = c >= 0x80 || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (i > start && c >= '0' && c <= '9');
      if (!ok) return nullptr;
      ++i;
    }
    if (i == start) return nullptr;
    parts.emplace_back(start, i);
    ++i;
  }
  // Non-ASCII characters must be letters, and the head must not be a keyword
  // (other than `deal`); let the parser decide those cases.
  for (auto [a, b] : parts) {
    for (size_t k = a; k < b; ++k) {
      if (static_cast<unsigned char>(s[k]) >= 0x80) return nullptr;
    }
  }
  std::string head(s.substr(parts[0].first, parts[0].second - parts[0].first));
  static const std::unordered_map<std::string, bool> reserved = [] {
    std::unordered_map<std::string, bool> m;
    antlr4::ANTLRInputStream empty("");
    FunnelLexer lexer(&empty);
    const antlr4::dfa::Vocabulary& vocabulary = lexer.getVocabulary();
    for (size_t t = P::USE; t <= P::NEXT; ++t) {
      std::string literal = vocabulary.getLiteralName(t);
      m.emplace(literal.substr(1, literal.size() - 2), true);
    }
    return m;
  }();
  if (head != "deal" && reserved.count(head)) return nullptr;
  uint32_t base = fileOffset + static_cast<uint32_t>(begin);
  auto range = [&](size_t a, size_t b) {
    return SourceRange{pos_->file, base + static_cast<uint32_t>(a), base + static_cast<uint32_t>(b)};
  };
  auto name = std::make_unique<NameExpr>();
  name->name = head;
  name->range = range(parts[0].first, parts[0].second);
  ExprPtr e = std::move(name);
  for (size_t k = 1; k < parts.size(); ++k) {
    auto member = std::make_unique<MemberExpr>();
    member->member = Ident{std::string(s.substr(parts[k].first, parts[k].second - parts[k].first)),
                           range(parts[k].first, parts[k].second)};
    member->range = range(parts[0].first, parts[k].second);
    member->base = std::move(e);
    e = std::move(member);
  }
  return e;
}

ExprPtr AstBuilder::parseInterpolation(const std::string& source, uint32_t fileOffset) {
  OffsetMap map(source, fileOffset);
  Positions inner{pos_->file, &map};
  LexedFile lexed = lexFile(source, inner, maxNesting_, sink_);
  if (lexed.tooDeep) return nullptr;
  antlr4::ListTokenSource tokenSource(std::move(lexed.tokens));
  TokenStream stream(&tokenSource);
  Parser parser(&stream);
  parser.removeErrorListeners();
  auto reporter = std::make_shared<SyntaxErrorReporter>(inner, sink_, std::nullopt, /*interpolation=*/true);
  parser.setErrorHandler(reporter);
  P::StandaloneExpressionContext* tree = parser.standaloneExpression();
  if (reporter->errorCount() > 0 || !tree) return nullptr;
  const Positions* outerPositions = pos_;
  antlr4::TokenStream* outerTokens = tokens_;
  pos_ = &inner;
  tokens_ = &stream;
  ExprPtr e = expression(kids(tree).rule(P::RuleExpression));
  pos_ = outerPositions;
  tokens_ = outerTokens;
  return e;
}

ast::Duration AstBuilder::duration(Ctx* ctx) {
  ast::Duration d;
  if (!ctx) return d;
  d.range = pos_->of(ctx);
  Kids k = kids(ctx);
  if (antlr4::Token* t = k.token(P::DURATION)) return parseDuration(t->getText(), d.range, sink_);
  antlr4::Token* numberToken = k.token(P::NUMBER);
  if (!numberToken) return d;
  std::string number = numberToken->getText();
  double value = parseNumber(number, pos_->of(numberToken), sink_);
  if (!k.has(P::WORKDAYS)) {
    sink_.emit(diag::BadDuration, d.range,
               fmt::format("`{0}` needs a unit: write `{0}d`, `{0}h`, `{0}m`, `{0}w` or `{0} workdays`", number));
    d.hasUnit = false;
    return d;
  }
  if (value != static_cast<double>(static_cast<int64_t>(value)) || value > 3650) {
    sink_.emit(diag::BadDuration, d.range, fmt::format("`{} workdays` must be a whole number of days up to 3650", number));
    return d;
  }
  d.workdays = static_cast<int64_t>(value);
  return d;
}

ast::TimeOfDay AstBuilder::time(antlr4::Token* token) {
  if (!token) return {};
  return parseTime(token->getText(), pos_->of(token), sink_);
}

ast::Date AstBuilder::date(antlr4::Token* token) {
  if (!token) return {};
  return parseDate(token->getText(), pos_->of(token), sink_);
}

std::vector<MapEntry> AstBuilder::mapLiteral(Ctx* ctx) {
  std::vector<MapEntry> entries;
  if (!ctx) return entries;
  for (Ctx* e : kids(ctx).rules(P::RuleMapEntry)) {
    Kids k = kids(e);
    entries.push_back(MapEntry{ident(k.rule(P::RuleName)), expression(k.rule(P::RuleExpression))});
  }
  return entries;
}

Path AstBuilder::path(Ctx* ctx) {
  Path p;
  if (!ctx) return p;
  p.range = pos_->of(ctx);
  for (Ctx* n : kids(ctx).rules(P::RuleName)) p.parts.push_back(ident(n));
  return p;
}

EventRef AstBuilder::eventRef(Ctx* ctx) {
  EventRef e;
  if (!ctx) return e;
  e.range = pos_->of(ctx);
  Kids k = kids(ctx);
  e.name = ident(k.rule(P::RuleEventName));
  if (Ctx* arg = k.rule(P::RuleEventArg)) {
    Kids a = kids(arg);
    if (antlr4::Token* s = a.token(P::STRING)) {
      Text t = text(s);
      e.arg = Ident{t.value, t.range};
      e.argIsString = true;
    } else {
      e.arg = ident(a.rule(P::RuleName));
    }
  }
  return e;
}

MoveTarget AstBuilder::moveTarget(Ctx* ctx) {
  MoveTarget t;
  if (!ctx) return t;
  t.range = pos_->of(ctx);
  Kids k = kids(ctx);
  if (k.has(P::NEXT)) {
    t.isNext = true;
    t.stage = Ident{"next", t.range};
    return t;
  }
  auto names = k.rules(P::RuleStageName);
  if (names.size() == 2) {
    t.pipeline = ident(names[0]);
    t.stage = ident(names[1]);
  } else if (names.size() == 1) {
    t.stage = ident(names[0]);
  }
  return t;
}

std::pair<Ident, std::optional<Ident>> AstBuilder::stagePath(Ctx* ctx) {
  if (!ctx) return {};
  Kids k = kids(ctx);
  std::optional<Ident> stage;
  if (Ctx* s = k.rule(P::RuleStageName)) stage = ident(s);
  return {ident(k.rule(P::RuleIdent)), stage};
}

Assignee AstBuilder::assignee(Ctx* ctx) {
  Assignee a;
  if (!ctx) return a;
  a.range = pos_->of(ctx);
  auto ids = kids(ctx).rules(P::RuleIdent);
  if (!ids.empty()) a.name = ident(ids[0]);
  if (ids.size() > 1) a.team = ident(ids[1]);
  return a;
}

TypeSyntax AstBuilder::fieldType(Ctx* ctx) {
  TypeSyntax t;
  if (!ctx) return t;
  t.range = pos_->of(ctx);
  Kids k = kids(ctx);
  if (k.firstCode() == P::ENUM) {
    t.isEnum = true;
    for (Ctx* m : k.rules(P::RuleEnumMember)) {
      Kids mk = kids(m);
      t.members.push_back(EnumMember{ident(mk.rule(P::RuleIdent)), optText(mk.token(P::STRING))});
    }
  } else {
    t.name = ident(k.rule(P::RuleTypeName));
  }
  return t;
}

std::vector<LossReason> AstBuilder::lossReasons(Ctx* ctx) {
  std::vector<LossReason> out;
  if (!ctx) return out;
  for (Ctx* r : kids(ctx).rules(P::RuleLossReason)) {
    Kids k = kids(r);
    antlr4::Token* s = k.token(P::STRING);
    if (!s) continue;
    out.push_back(LossReason{text(s), k.has(P::OTHER), pos_->of(r)});
  }
  return out;
}

void AstBuilder::duplicateClause(const std::optional<SourceRange>& seen, SourceRange here, std::string_view clause,
                                 std::string_view where) {
  if (seen) sink_.emit(diag::DuplicateClause, here, fmt::format("`{}`", clause), where).note(*seen, "first given here");
}

// ───────────────────────────── expressions ────────────────────────────────

ExprPtr AstBuilder::expression(Ctx* ctx) {
  Ctx* inner = ctx ? kids(ctx).rule(P::RuleOrExpr) : nullptr;
  if (!inner) return errorExpr(ctx);
  return orExpr(inner);
}

ExprPtr AstBuilder::errorExpr(Ctx* ctx) {
  auto e = std::make_unique<NoneExpr>();
  if (ctx) e->range = pos_->of(ctx);
  return e;
}

ExprPtr AstBuilder::binary(BinaryOp op, SourceRange opRange, ExprPtr lhs, ExprPtr rhs) {
  auto b = std::make_unique<BinaryExpr>();
  b->op = op;
  b->opRange = opRange;
  b->range = SourceRange::cover(lhs->range, rhs->range);
  b->lhs = std::move(lhs);
  b->rhs = std::move(rhs);
  return b;
}

bool AstBuilder::chainTooLong(size_t operands, Ctx* ctx) {
  if (operands <= kMaxChain) return false;
  sink_.emit(diag::NestingTooDeep, pos_->of(ctx), fmt::format("this expression chains more than {} operands", kMaxChain));
  return true;
}

// `a op b op c` with the operands of one rule and the operators between them.
// `operandRule` is the rule index of the operands; `op` maps an operator token.
#define VORONKA_LEFT_CHAIN(ctx, operandRule, build, opOf)                         \
  Kids k = kids(ctx);                                                              \
  size_t operands = 0;                                                             \
  for (const auto& e : k.entries()) operands += e.code == (R | operandRule);       \
  if (operands == 0 || chainTooLong(operands, ctx)) return errorExpr(ctx);        \
  ExprPtr result;                                                                  \
  std::optional<std::pair<BinaryOp, SourceRange>> pending;                         \
  for (const auto& e : k.entries()) {                                              \
    if (e.code == (R | operandRule)) {                                             \
      ExprPtr operand = build(static_cast<Ctx*>(e.node));                          \
      if (!result) {                                                               \
        result = std::move(operand);                                               \
      } else if (pending) {                                                        \
        result = binary(pending->first, pending->second, std::move(result), std::move(operand)); \
      }                                                                            \
    } else if (e.token) {                                                          \
      pending = std::make_pair(opOf(e.code), pos_->of(e.token));                 \
    }                                                                              \
  }                                                                                \
  return result;

ExprPtr AstBuilder::orExpr(Ctx* ctx) {
  auto op = [](uint32_t) { return BinaryOp::Or; };
  VORONKA_LEFT_CHAIN(ctx, P::RuleAndExpr, andExpr, op)
}

ExprPtr AstBuilder::andExpr(Ctx* ctx) {
  auto op = [](uint32_t) { return BinaryOp::And; };
  VORONKA_LEFT_CHAIN(ctx, P::RuleNotExpr, notExpr, op)
}

ExprPtr AstBuilder::additive(Ctx* ctx) {
  auto op = [](uint32_t t) { return t == P::PLUS ? BinaryOp::Add : BinaryOp::Sub; };
  VORONKA_LEFT_CHAIN(ctx, P::RuleMultiplicative, multiplicative, op)
}

ExprPtr AstBuilder::multiplicative(Ctx* ctx) {
  auto op = [](uint32_t t) { return t == P::STAR ? BinaryOp::Mul : BinaryOp::Div; };
  VORONKA_LEFT_CHAIN(ctx, P::RuleUnary, unary, op)
}

#undef VORONKA_LEFT_CHAIN

ExprPtr AstBuilder::notExpr(Ctx* ctx) {
  Kids k = kids(ctx);
  if (k.firstCode() == P::NOT) {
    auto u = std::make_unique<UnaryExpr>();
    u->op = UnaryOp::Not;
    u->range = pos_->of(ctx);
    Ctx* inner = k.rule(P::RuleNotExpr);
    u->operand = inner ? notExpr(inner) : errorExpr(ctx);
    return u;
  }
  if (Ctx* c = k.rule(P::RuleComparison)) return comparison(c);
  return errorExpr(ctx);
}

ExprPtr AstBuilder::comparison(Ctx* ctx) {
  Kids k = kids(ctx);
  auto parts = k.rules(P::RuleAdditive);
  if (parts.empty()) return errorExpr(ctx);
  ExprPtr lhs = additive(parts[0]);
  Ctx* op = k.rule(P::RuleCompareOp);
  if (parts.size() < 2 || !op) return lhs;
  Kids ok = kids(op);
  BinaryOp kind = BinaryOp::Eq;
  switch (ok.firstCode()) {
    case P::EQEQ: kind = BinaryOp::Eq; break;
    case P::NEQ: kind = BinaryOp::Ne; break;
    case P::LT: kind = BinaryOp::Lt; break;
    case P::LE: kind = BinaryOp::Le; break;
    case P::GT: kind = BinaryOp::Gt; break;
    case P::GE: kind = BinaryOp::Ge; break;
    case P::NOT: kind = BinaryOp::NotIn; break;
    case P::IN: kind = BinaryOp::In; break;
    case P::HAS: kind = BinaryOp::Has; break;
    default: break;
  }
  return binary(kind, pos_->of(op), std::move(lhs), additive(parts[1]));
}

ExprPtr AstBuilder::unary(Ctx* ctx) {
  Kids k = kids(ctx);
  if (k.firstCode() == P::MINUS) {
    auto u = std::make_unique<UnaryExpr>();
    u->op = UnaryOp::Negate;
    u->range = pos_->of(ctx);
    Ctx* inner = k.rule(P::RuleUnary);
    u->operand = inner ? unary(inner) : errorExpr(ctx);
    return u;
  }
  if (Ctx* p = k.rule(P::RulePostfix)) return postfix(p);
  return errorExpr(ctx);
}

ExprPtr AstBuilder::postfix(Ctx* ctx) {
  Kids k = kids(ctx);
  Ctx* first = k.rule(P::RulePrimary);
  if (!first) return errorExpr(ctx);
  ExprPtr e = primary(first);
  for (Ctx* op : k.rules(P::RulePostfixOp)) {
    Kids ok = kids(op);
    if (ok.firstCode() == P::DOT) {
      auto member = std::make_unique<MemberExpr>();
      member->member = ident(ok.rule(P::RuleName));
      member->range = SourceRange::cover(e->range, pos_->of(op));
      member->base = std::move(e);
      e = std::move(member);
    } else if (ok.firstCode() == P::LPAREN) {
      auto call = std::make_unique<CallExpr>();
      call->range = SourceRange::cover(e->range, pos_->of(op));
      for (Ctx* a : ok.rules(P::RuleExpression)) call->args.push_back(expression(a));
      call->callee = std::move(e);
      e = std::move(call);
    }
  }
  return e;
}

ExprPtr AstBuilder::primary(Ctx* ctx) {
  SourceRange r = pos_->of(ctx);
  Kids k = kids(ctx);
  auto finish = [&](auto node) {
    node->range = r;
    return ExprPtr(std::move(node));
  };
  const auto& entries = k.entries();
  if (entries.empty()) return errorExpr(ctx);
  antlr4::Token* first = entries[0].token;
  switch (k.firstCode()) {
    case P::NUMBER: {
      if (k.has(P::WORKDAYS)) {
        auto d = std::make_unique<DurationExpr>();
        double value = parseNumber(first->getText(), r, sink_);
        if (value != static_cast<double>(static_cast<int64_t>(value)) || value > 3650) {
          sink_.emit(diag::BadDuration, r, fmt::format("`{} workdays` must be a whole number of days up to 3650", first->getText()));
        } else {
          d->value.workdays = static_cast<int64_t>(value);
        }
        d->value.range = r;
        return finish(std::move(d));
      }
      auto n = std::make_unique<NumberExpr>();
      n->value = parseNumber(first->getText(), r, sink_);
      return finish(std::move(n));
    }
    case P::DURATION: {
      auto d = std::make_unique<DurationExpr>();
      d->value = parseDuration(first->getText(), r, sink_);
      return finish(std::move(d));
    }
    case P::STRING: {
      auto s = std::make_unique<StringExpr>();
      s->value = text(first).value;
      return finish(std::move(s));
    }
    case P::TIME: {
      auto t = std::make_unique<TimeExpr>();
      t->value = time(first);
      return finish(std::move(t));
    }
    case P::DATE: {
      auto d = std::make_unique<DateExpr>();
      d->value = date(first);
      return finish(std::move(d));
    }
    case P::DATETIME: {
      auto d = std::make_unique<DateTimeExpr>();
      std::string text = first->getText();
      d->date = parseDate(text.substr(0, 10), r, sink_);
      d->time = parseTime(text.substr(11), r, sink_);
      return finish(std::move(d));
    }
    case P::TRUE:
    case P::FALSE: {
      auto b = std::make_unique<BoolExpr>();
      b->value = k.firstCode() == P::TRUE;
      return finish(std::move(b));
    }
    case P::NONE: return finish(std::make_unique<NoneExpr>());
    case R | P::RuleIdent: {
      auto n = std::make_unique<NameExpr>();
      n->name = ident(k.rule(P::RuleIdent)).text;
      return finish(std::move(n));
    }
    case P::DEAL: {
      auto n = std::make_unique<NameExpr>();
      n->name = "deal";
      return finish(std::move(n));
    }
    case P::LPAREN: return expression(k.rule(P::RuleExpression));
    case P::LBRACK: {
      auto l = std::make_unique<ListExpr>();
      for (Ctx* item : k.rules(P::RuleExpression)) l->items.push_back(expression(item));
      return finish(std::move(l));
    }
    case P::IF: {
      // [cond0, value0, cond1, value1, …, elseValue]
      auto i = std::make_unique<IfExpr>();
      auto parts = k.rules(P::RuleExpression);
      size_t branches = parts.empty() ? 0 : (parts.size() - 1) / 2;
      for (size_t b = 0; b < branches; ++b) {
        i->branches.push_back(IfExpr::Branch{expression(parts[2 * b]), expression(parts[2 * b + 1])});
      }
      size_t last = 2 * branches;
      i->elseValue = last < parts.size() ? expression(parts[last]) : errorExpr(ctx);
      return finish(std::move(i));
    }
    default: return errorExpr(ctx);
  }
}

// ───────────────────────────── actions ────────────────────────────────────

Block AstBuilder::block(Ctx* ctx) {
  Block b;
  if (!ctx) return b;
  b.range = pos_->of(ctx);
  for (Ctx* a : kids(ctx).rules(P::RuleAction)) {
    if (ActionPtr action = this->action(a)) b.actions.push_back(std::move(action));
  }
  return b;
}

ActionPtr AstBuilder::action(Ctx* ctx) {
  ActionPtr result = buildAction(ctx);
  if (result) result->range = pos_->of(ctx);
  return result;
}

ActionPtr AstBuilder::buildAction(Ctx* ctx) {
  Kids k = kids(ctx);
  switch (k.firstCode()) {
    case P::MOVE:
    case P::ARROW: {
      auto a = std::make_unique<MoveAction>();
      a->target = moveTarget(k.rule(P::RuleMoveTarget));
      a->arrowForm = k.firstCode() == P::ARROW;
      return a;
    }
    case P::WIN: return std::make_unique<WinAction>();
    case P::LOSE: {
      auto a = std::make_unique<LoseAction>();
      a->reason = optText(k.token(P::STRING));
      return a;
    }
    case P::TASK: {
      auto a = std::make_unique<TaskAction>();
      if (Ctx* type = k.rule(P::RuleTaskTypeRef)) a->type = ident(type);
      a->text = interpolated(k.token(P::STRING));
      std::optional<SourceRange> due, at, to, within;
      for (Ctx* clause : k.rules(P::RuleTaskClause)) {
        SourceRange r = pos_->of(clause);
        Kids ck = kids(clause);
        switch (ck.firstCode()) {
          case P::DUE:
            duplicateClause(due ? due : at, r, due ? "due" : "due` or `at", "task");
            due = r;
            a->due = duration(ck.rule(P::RuleDurationLit));
            break;
          case P::AT:
            duplicateClause(at ? at : due, r, at ? "at" : "due` or `at", "task");
            at = r;
            a->at = expression(ck.rule(P::RuleExpression));
            break;
          case P::TO:
            duplicateClause(to, r, "to", "task");
            to = r;
            a->to = ident(ck.rule(P::RuleIdent));
            break;
          case P::WITHIN:
            duplicateClause(within, r, "within workhours", "task");
            within = r;
            a->withinWorkhours = r;
            break;
          default: break;
        }
      }
      return a;
    }
    case P::COMPLETE: {
      auto a = std::make_unique<CompleteTasksAction>();
      Ctx* filter = nullptr;
      if (Ctx* selector = k.rule(P::RuleCompleteSelector)) {
        Kids sk = kids(selector);
        if (Ctx* type = sk.rule(P::RuleTaskTypeRef)) a->type = ident(type);
        filter = sk.rule(P::RuleCompleteFilter);
      }
      if (filter) {
        switch (kids(filter).firstCode()) {
          case P::ALL: a->filter = TaskFilter::All; break;
          case P::OVERDUE: a->filter = TaskFilter::Overdue; break;
          case P::TODAY: a->filter = TaskFilter::Today; break;
          case P::TOMORROW: a->filter = TaskFilter::Tomorrow; break;
          default: break;
        }
      }
      a->comment = optText(k.token(P::STRING));
      return a;
    }
    case P::EMAIL:
    case P::MESSAGE:
    case P::SMS: {
      ActionKind kind = k.firstCode() == P::EMAIL ? ActionKind::Email
                        : k.firstCode() == P::MESSAGE ? ActionKind::Message
                                                      : ActionKind::Sms;
      auto a = std::make_unique<SendAction>(kind);
      if (Ctx* name = k.rule(P::RuleIdent)) a->templateName = ident(name);
      if (antlr4::Token* s = k.token(P::STRING)) a->text = interpolated(s);
      sendClauses(k, *a, keyword(kind));
      return a;
    }
    case P::WEBHOOK: {
      auto a = std::make_unique<WebhookAction>();
      a->url = interpolated(k.token(P::STRING));
      a->body = mapLiteral(k.rule(P::RuleMapLiteral));
      return a;
    }
    case P::REQUEST: {
      auto a = std::make_unique<RequestAction>();
      a->integration = ident(k.rule(P::RuleIdent));
      a->body = mapLiteral(k.rule(P::RuleMapLiteral));
      return a;
    }
    case P::ANALYTICS: {
      auto a = std::make_unique<AnalyticsAction>();
      a->event = text(k.token(P::STRING));
      if (Ctx* label = k.rule(P::RuleExpression)) a->label = expression(label);
      return a;
    }
    case P::TAG: {
      auto a = std::make_unique<TagAction>();
      a->add = !k.has(P::MINUS);
      a->tag = text(k.token(P::STRING));
      return a;
    }
    case P::SET: {
      auto a = std::make_unique<SetAction>();
      a->target = path(k.rule(P::RulePath));
      a->value = expression(k.rule(P::RuleExpression));
      return a;
    }
    case P::ASSIGN: {
      auto a = std::make_unique<AssignAction>();
      a->who = assignee(k.rule(P::RuleAssignee));
      return a;
    }
    case P::CREATE: {
      auto a = std::make_unique<CreateDealAction>();
      auto [pipeline, stage] = stagePath(k.rule(P::RuleStagePath));
      a->pipeline = pipeline;
      a->stage = stage;
      std::optional<SourceRange> copySeen, assignSeen;
      for (Ctx* clause : k.rules(P::RuleCreateClause)) {
        SourceRange r = pos_->of(clause);
        Kids ck = kids(clause);
        if (ck.firstCode() == P::COPY) {
          duplicateClause(copySeen, r, "copy", "create deal");
          copySeen = r;
          for (Ctx* f : ck.rules(P::RuleIdent)) a->copy.push_back(ident(f));
        } else if (ck.firstCode() == P::ASSIGN) {
          duplicateClause(assignSeen, r, "assign", "create deal");
          assignSeen = r;
          a->assign = assignee(ck.rule(P::RuleAssignee));
        }
      }
      return a;
    }
    case P::QUESTIONNAIRE: {
      auto a = std::make_unique<QuestionnaireAction>();
      auto ids = k.rules(P::RuleIdent);
      if (ids.size() > 0) a->form = ident(ids[0]);
      if (ids.size() > 1) a->field = ident(ids[1]);
      return a;
    }
    case P::NOTE: {
      auto a = std::make_unique<NoteAction>();
      a->text = interpolated(k.token(P::STRING));
      return a;
    }
    case P::NOTIFY: {
      auto a = std::make_unique<NotifyAction>();
      a->recipient = ident(k.rule(P::RuleIdent));
      a->text = interpolated(k.token(P::STRING));
      return a;
    }
    case R | P::RuleIfStatement: {
      auto a = std::make_unique<IfAction>();
      Kids sk = kids(k.rule(P::RuleIfStatement));
      auto conditions = sk.rules(P::RuleExpression);
      auto blocks = sk.rules(P::RuleBlock);
      for (size_t i = 0; i < conditions.size() && i < blocks.size(); ++i) {
        a->branches.push_back(IfAction::Branch{expression(conditions[i]), block(blocks[i])});
      }
      if (blocks.size() > conditions.size()) a->elseBlock = std::make_unique<Block>(block(blocks.back()));
      return a;
    }
    case P::SPLIT: {
      auto a = std::make_unique<SplitAction>();
      if (antlr4::Token* number = k.token(P::NUMBER)) {
        a->percentRange = SourceRange::cover(pos_->of(number), pos_->of(k.token(P::PERCENT)));
        a->percent = parseNumber(number->getText(), a->percentRange, sink_);
      }
      auto blocks = k.rules(P::RuleBlock);
      if (!blocks.empty()) a->first = block(blocks[0]);
      if (blocks.size() > 1) a->second = std::make_unique<Block>(block(blocks[1]));
      return a;
    }
    case P::THEN: {
      auto a = std::make_unique<ThenAction>();
      a->delay = duration(k.rule(P::RuleDurationLit));
      if (antlr4::Token* within = k.token(P::WITHIN)) {
        a->withinWorkhours = SourceRange::cover(pos_->of(within), pos_->of(k.token(P::WORKHOURS)));
      }
      a->block = block(k.rule(P::RuleBlock));
      return a;
    }
    default: return nullptr;
  }
}

void AstBuilder::sendClauses(const Kids& k, SendAction& a, std::string_view what) {
  std::optional<SourceRange> from, via, within;
  for (Ctx* clause : k.rules(P::RuleSendClause)) {
    SourceRange r = pos_->of(clause);
    Kids ck = kids(clause);
    switch (ck.firstCode()) {
      case P::FROM:
        duplicateClause(from, r, "from", what);
        from = r;
        a.from = ident(ck.rule(P::RuleIdent));
        break;
      case P::VIA:
        duplicateClause(via, r, "via", what);
        via = r;
        a.via = ident(ck.rule(P::RuleIdent));
        break;
      case P::WITHIN:
        duplicateClause(within, r, "within workhours", what);
        within = r;
        a.withinWorkhours = r;
        break;
      default: break;
    }
  }
}

// ───────────────────────────── rules ──────────────────────────────────────

void AstBuilder::timeSpec(Ctx* ctx, Rule& rule, std::optional<SourceRange>& seen) {
  if (!ctx) return;
  SourceRange r = pos_->of(ctx);
  if (seen) {
    sink_.emit(diag::DuplicateClause, r, "a timing (`after`, `at` or `every`)", "rule").note(*seen, "first given here");
    return;
  }
  seen = r;
  Timing& t = rule.timing;
  t.range = r;
  Kids k = kids(ctx);
  switch (k.firstCode()) {
    case P::AFTER:
      t.kind = TimingKind::After;
      t.delay = duration(k.rule(P::RuleDurationLit));
      if (antlr4::Token* at = k.token(P::TIME)) t.atTime = time(at);
      break;
    case P::AT:
      t.kind = TimingKind::At;
      t.at = expression(k.rule(P::RuleExpression));
      break;
    case P::EVERY:
      t.kind = TimingKind::Every;
      t.delay = duration(k.rule(P::RuleDurationLit));
      if (Ctx* cond = k.rule(P::RuleExpression)) t.whileCondition = expression(cond);
      break;
    default: break;
  }
}

RulePtr AstBuilder::rule(Ctx* ctx) {
  auto r = std::make_unique<Rule>();
  if (!ctx) return r;
  r->range = pos_->of(ctx);
  Kids k = kids(ctx);
  // Where each clause was first written, for the note of a repeated one.
  std::optional<SourceRange> timingSeen, whenSeen, fromSeen, unlessSeen;
  if (k.firstCode() == P::ON) {
    r->event = eventRef(k.rule(P::RuleEventRef));
  } else {
    timeSpec(k.rule(P::RuleTimeSpec), *r, timingSeen);
  }
  for (Ctx* clause : k.rules(P::RuleRuleClause)) {
    SourceRange cr = pos_->of(clause);
    Kids ck = kids(clause);
    switch (ck.firstCode()) {
      case P::FROM:
        duplicateClause(fromSeen, cr, "from", "rule");
        if (!fromSeen) fromSeen = cr;
        r->from = ident(ck.rule(P::RuleIdent));
        break;
      case P::ONCE:
        duplicateClause(r->once, cr, "once", "rule");
        r->once = cr;
        break;
      case P::WHEN:
        duplicateClause(whenSeen, cr, "when", "rule");
        whenSeen = cr;
        r->when = expression(ck.rule(P::RuleExpression));
        break;
      case R | P::RuleTimeSpec: timeSpec(ck.rule(P::RuleTimeSpec), *r, timingSeen); break;
      case P::UNLESS:
        duplicateClause(unlessSeen, cr, "unless", "rule");
        if (!unlessSeen) unlessSeen = cr;
        r->unless = eventRef(ck.rule(P::RuleEventRef));
        break;
      case P::WITHIN:
        duplicateClause(r->withinWorkhours, cr, "within workhours", "rule");
        r->withinWorkhours = cr;
        break;
      default: break;
    }
  }
  if (Ctx* body = k.rule(P::RuleRuleBody)) {
    Kids bk = kids(body);
    if (Ctx* b = bk.rule(P::RuleBlock)) {
      r->body = block(b);
    } else if (bk.firstCode() == P::ARROW) {
      r->arrowForm = true;
      auto move = std::make_unique<MoveAction>();
      move->target = moveTarget(bk.rule(P::RuleMoveTarget));
      move->arrowForm = true;
      move->range = pos_->of(body);
      r->body.range = move->range;
      r->body.actions.push_back(std::move(move));
    }
  }
  return r;
}

// ───────────────────────────── declarations ───────────────────────────────

std::unique_ptr<Stage> AstBuilder::stage(Ctx* ctx) {
  auto s = std::make_unique<Stage>();
  s->range = pos_->of(ctx);
  Kids k = kids(ctx);
  s->name = ident(k.rule(P::RuleIdent));
  s->title = optText(k.token(P::STRING));
  for (Ctx* flag : k.rules(P::RuleStageFlag)) {
    SourceRange r = pos_->of(flag);
    if (kids(flag).firstCode() == P::INITIAL) {
      duplicateClause(s->initial, r, "initial", "stage");
      s->initial = r;
    } else {
      duplicateClause(s->key, r, "key", "stage");
      s->key = r;
    }
  }
  stageBody(k.rule(P::RuleStageBody), *s);
  return s;
}

void AstBuilder::stageBody(Ctx* ctx, Stage& s) {
  if (!ctx) return;
  for (Ctx* item : kids(ctx).rules(P::RuleStageItem)) {
    Kids k = kids(item);
    if (k.firstCode() == P::REQUIRE) {
      s.guards.push_back(Require{expression(k.rule(P::RuleExpression)), optText(k.token(P::STRING)), pos_->of(item)});
    } else if (Ctx* r = k.rule(P::RuleRuleDecl)) {
      s.rules.push_back(rule(r));
    }
  }
}

std::unique_ptr<PipelineDecl> AstBuilder::pipeline(Ctx* ctx) {
  auto p = std::make_unique<PipelineDecl>();
  Kids k = kids(ctx);
  p->name = ident(k.rule(P::RuleIdent));
  p->title = optText(k.token(P::STRING));
  for (Ctx* item : k.rules(P::RulePipelineItem)) {
    Kids ik = kids(item);
    switch (ik.firstCode()) {
      case R | P::RulePolicy: {
        Ctx* pol = ik.rule(P::RulePolicy);
        Kids pk = kids(pol);
        Policy policy;
        policy.range = pos_->of(pol);
        bool forward = false;
        if (Ctx* dir = pk.rule(P::RuleDirection)) forward = kids(dir).firstCode() == P::FORWARD;
        bool allow = true;
        if (Ctx* perm = pk.rule(P::RulePermission)) allow = kids(perm).firstCode() != P::DENY;
        if (pk.firstCode() == P::MANUAL) {
          policy.kind = forward ? PolicyKind::ManualForward : PolicyKind::ManualBackward;
          policy.allow = allow;
        } else if (pk.firstCode() == P::TRIGGERS) {
          policy.kind = forward ? PolicyKind::TriggersForward : PolicyKind::TriggersBackward;
          policy.allow = allow;
        } else {
          policy.kind = PolicyKind::Calendar;
          policy.calendar = ident(pk.rule(P::RuleIdent));
        }
        p->policies.push_back(std::move(policy));
        break;
      }
      case R | P::RuleStageDecl: p->stages.push_back(stage(ik.rule(P::RuleStageDecl))); break;
      case R | P::RuleWonDecl: {
        Ctx* w = ik.rule(P::RuleWonDecl);
        Kids wk = kids(w);
        auto s = std::make_unique<Stage>();
        s->kind = StageKind::Won;
        s->range = pos_->of(w);
        s->name = Ident{"won", pos_->of(wk.token(P::WON))};
        s->title = optText(wk.token(P::STRING));
        stageBody(wk.rule(P::RuleStageBody), *s);
        p->stages.push_back(std::move(s));
        break;
      }
      case R | P::RuleLostDecl: {
        Ctx* l = ik.rule(P::RuleLostDecl);
        Kids lk = kids(l);
        auto s = std::make_unique<Stage>();
        s->kind = StageKind::Lost;
        s->range = pos_->of(l);
        s->name = Ident{"lost", pos_->of(lk.token(P::LOST))};
        s->title = optText(lk.token(P::STRING));
        if (Ctx* reasons = lk.rule(P::RuleLostReasons)) {
          Kids rk = kids(reasons);
          s->reasonsKeyword = pos_->of(rk.token(P::REASONS));
          if (rk.has(P::LBRACE)) {
            s->reasons = lossReasons(rk.rule(P::RuleLossReasonList));
          } else {
            s->reasonsRef = ident(rk.rule(P::RuleIdent));
          }
        }
        stageBody(lk.rule(P::RuleStageBody), *s);
        p->stages.push_back(std::move(s));
        break;
      }
      case R | P::RuleRuleDecl: p->rules.push_back(rule(ik.rule(P::RuleRuleDecl))); break;
      default: break;
    }
  }
  return p;
}

std::unique_ptr<CalendarDecl> AstBuilder::calendar(DeclKind kind, const std::vector<Ctx*>& items) {
  auto c = std::make_unique<CalendarDecl>(kind);
  std::optional<SourceRange> tzSeen, currencySeen;
  std::string_view where = kind == DeclKind::Account ? "account" : "calendar";
  for (Ctx* item : items) {
    SourceRange r = pos_->of(item);
    Kids k = kids(item);
    switch (k.firstCode()) {
      case P::TIMEZONE:
        duplicateClause(tzSeen, r, "timezone", where);
        tzSeen = r;
        c->timezone = optText(k.token(P::STRING));
        break;
      case P::WORKHOURS:
        if (!c->workhoursRange) c->workhoursRange = r;
        for (Ctx* spec : k.rules(P::RuleWorkhoursSpec)) {
          Kids sk = kids(spec);
          WorkhoursSpec w;
          w.range = pos_->of(spec);
          if (Ctx* days = sk.rule(P::RuleDayRange)) {
            auto ids = kids(days).rules(P::RuleIdent);
            if (!ids.empty()) w.fromDay = ident(ids[0]);
            if (ids.size() > 1) w.toDay = ident(ids[1]);
          }
          for (Ctx* win : sk.rules(P::RuleTimeWindow)) {
            auto times = kids(win).tokens(P::TIME);
            if (times.size() != 2) continue;
            w.windows.push_back(WorkhoursSpec::Window{time(times[0]), time(times[1]), pos_->of(win)});
          }
          c->workhours.push_back(std::move(w));
        }
        break;
      case P::HOLIDAYS:
        for (Ctx* range : k.rules(P::RuleDateRange)) {
          auto dates = kids(range).tokens(P::DATE);
          if (dates.empty()) continue;
          DateRange d;
          d.range = pos_->of(range);
          d.from = date(dates[0]);
          if (dates.size() > 1) d.to = date(dates[1]);
          c->holidays.push_back(d);
        }
        break;
      case P::CURRENCY:
        duplicateClause(currencySeen, r, "currency", where);
        currencySeen = r;
        c->currency = ident(k.rule(P::RuleIdent));
        break;
      default: break;
    }
  }
  return c;
}

DeclPtr AstBuilder::testDecl(Ctx* ctx) {
  auto t = std::make_unique<TestDecl>();
  Kids k = kids(ctx);
  t->title = text(k.token(P::STRING));
  for (Ctx* st : k.rules(P::RuleTestStmt)) {
    if (TestStmtPtr stmt = testStmt(st)) {
      stmt->range = pos_->of(st);
      t->statements.push_back(std::move(stmt));
    }
  }
  return t;
}

TestStmtPtr AstBuilder::testStmt(Ctx* ctx) {
  Kids k = kids(ctx);
  switch (k.firstCode()) {
    case P::DEAL: {
      auto s = std::make_unique<TestDealStmt>();
      s->name = ident(k.rule(P::RuleIdent));
      auto [pipeline, stage] = stagePath(k.rule(P::RuleStagePath));
      s->pipeline = pipeline;
      s->stage = stage;
      for (Ctx* init : k.rules(P::RuleFieldInit)) {
        Kids ik = kids(init);
        s->fields.push_back(FieldInit{path(ik.rule(P::RulePath)), expression(ik.rule(P::RuleExpression))});
      }
      return s;
    }
    case P::ADVANCE: {
      if (antlr4::Token* at = k.token(P::DATETIME)) {
        auto s = std::make_unique<TestAdvanceToStmt>();
        std::string text = at->getText();
        SourceRange r = pos_->of(at);
        s->date = parseDate(text.substr(0, 10), r, sink_);
        s->time = parseTime(text.substr(11), r, sink_);
        return s;
      }
      auto s = std::make_unique<TestAdvanceStmt>();
      s->by = duration(k.rule(P::RuleDurationLit));
      return s;
    }
    case P::EVENT: {
      auto s = std::make_unique<TestEventStmt>();
      s->event = eventRef(k.rule(P::RuleEventRef));
      if (Ctx* deal = k.rule(P::RuleIdent)) s->deal = ident(deal);
      s->payload = mapLiteral(k.rule(P::RuleMapLiteral));
      return s;
    }
    case P::SET: {
      auto s = std::make_unique<TestSetStmt>();
      s->target = path(k.rule(P::RulePath));
      s->value = expression(k.rule(P::RuleExpression));
      return s;
    }
    case P::MANUAL: {
      auto s = std::make_unique<TestManualMoveStmt>();
      s->deal = ident(k.rule(P::RuleIdent));
      s->target = moveTarget(k.rule(P::RuleMoveTarget));
      antlr4::Token* expect = k.token(P::EXPECT);
      s->expectRejected = expect != nullptr;
      size_t expectIndex = expect ? expect->getTokenIndex() : SIZE_MAX;
      for (antlr4::Token* str : k.tokens(P::STRING)) {
        if (str->getTokenIndex() < expectIndex) {
          s->reason = text(str);
        } else {
          s->rejectedMessage = text(str);
        }
      }
      return s;
    }
    case P::EXPECT: {
      auto s = std::make_unique<TestExpectStmt>();
      if (Ctx* deal = k.rule(P::RuleIdent)) s->deal = ident(deal);
      expectation(k.rule(P::RuleExpectation), *s);
      return s;
    }
    default: return nullptr;
  }
}

void AstBuilder::expectation(Ctx* ctx, TestExpectStmt& s) {
  if (!ctx) return;
  Kids k = kids(ctx);
  const auto& entries = k.entries();
  if (entries.empty()) return;
  size_t head = 0;
  if (entries[0].code == P::NO) {
    s.negated = true;
    head = 1;
  }
  if (head >= entries.size()) return;
  switch (entries[head].code) {
    case P::STAGE:
      s.what = ExpectKind::Stage;
      s.name = ident(k.rule(P::RuleStageName));
      break;
    case P::TASK:
      s.what = ExpectKind::Task;
      if (Ctx* type = k.rule(P::RuleTaskTypeRef)) s.taskType = ident(type);
      s.text = optText(k.token(P::STRING));
      break;
    case P::EMAIL:
      s.what = ExpectKind::Email;
      s.name = ident(k.rule(P::RuleIdent));
      break;
    case P::MESSAGE:
      s.what = ExpectKind::Message;
      s.name = ident(k.rule(P::RuleIdent));
      break;
    case P::SMS:
      s.what = ExpectKind::Sms;
      s.text = optText(k.token(P::STRING));
      break;
    case P::WEBHOOK:
      s.what = ExpectKind::Webhook;
      s.text = optText(k.token(P::STRING));
      break;
    case P::REQUEST:
      s.what = ExpectKind::Request;
      s.name = ident(k.rule(P::RuleIdent));
      break;
    case P::TAG:
      s.what = ExpectKind::Tag;
      s.text = optText(k.token(P::STRING));
      break;
    case P::NOTE:
      s.what = ExpectKind::Note;
      s.text = optText(k.token(P::STRING));
      break;
    case P::NOTIFY:
      s.what = ExpectKind::Notify;
      s.name = ident(k.rule(P::RuleIdent));
      s.text = optText(k.token(P::STRING));
      break;
    case P::ANALYTICS:
      s.what = ExpectKind::Analytics;
      s.text = optText(k.token(P::STRING));
      break;
    case P::RESPONSIBLE:
      s.what = ExpectKind::Responsible;
      s.name = ident(k.rule(P::RuleIdent));
      break;
    case P::DEAL: {
      s.what = ExpectKind::DealIn;
      auto [pipeline, stage] = stagePath(k.rule(P::RuleStagePath));
      s.name = pipeline;
      s.stage = stage;
      break;
    }
    case P::WON: s.what = ExpectKind::Won; break;
    case P::LOST:
      s.what = ExpectKind::Lost;
      s.text = optText(k.token(P::STRING));
      break;
    case R | P::RuleExpression:
      s.what = ExpectKind::Condition;
      s.condition = expression(k.rule(P::RuleExpression));
      break;
    default: break;
  }
}

DeclPtr AstBuilder::topItem(Ctx* ctx) {
  DeclPtr d = buildTopItem(ctx);
  if (d) d->range = pos_->of(ctx);
  return d;
}

DeclPtr AstBuilder::buildTopItem(Ctx* item) {
  Kids outer = kids(item);
  if (outer.entries().empty() || !(outer.firstCode() & R)) return nullptr;
  Ctx* ctx = static_cast<Ctx*>(outer.entries()[0].node);
  Kids k = kids(ctx);
  switch (outer.firstCode() & ~R) {
    case P::RuleUseDecl: {
      auto u = std::make_unique<UseDecl>();
      if (antlr4::Token* s = k.token(P::STRING)) {
        Text t = text(s);
        u->isFile = true;
        u->path = t.value;
        u->pathRange = t.range;
      } else if (Ctx* path = k.rule(P::RuleModulePath)) {
        u->path = path->getText();
        u->pathRange = pos_->of(path);
      }
      return u;
    }
    case P::RuleAccountDecl: {
      auto cal = calendar(DeclKind::Account, k.rules(P::RuleCalendarItem));
      cal->title = optText(k.token(P::STRING));
      return cal;
    }
    case P::RuleCalendarDecl: {
      auto cal = calendar(DeclKind::Calendar, k.rules(P::RuleCalendarItem));
      cal->name = ident(k.rule(P::RuleIdent));
      cal->title = optText(k.token(P::STRING));
      return cal;
    }
    case P::RuleFieldDecl: {
      auto f = std::make_unique<FieldDecl>();
      f->name = ident(k.rule(P::RuleIdent));
      f->type = fieldType(k.rule(P::RuleFieldType));
      f->title = optText(k.token(P::STRING));
      if (Ctx* value = k.rule(P::RuleExpression)) f->defaultValue = expression(value);
      return f;
    }
    case P::RuleTeamDecl: {
      auto t = std::make_unique<TeamDecl>();
      t->name = ident(k.rule(P::RuleIdent));
      t->title = optText(k.token(P::STRING));
      for (Ctx* m : k.rules(P::RuleTeamMember)) {
        Kids mk = kids(m);
        t->members.push_back(TeamDecl::Member{ident(mk.rule(P::RuleIdent)), optText(mk.token(P::STRING))});
      }
      return t;
    }
    case P::RuleTemplateDecl: {
      auto t = std::make_unique<TemplateDecl>();
      if (Ctx* kind = k.rule(P::RuleTemplateKind)) {
        uint32_t code = kids(kind).firstCode();
        t->templateKind = code == P::EMAIL ? TemplateKind::Email : code == P::MESSAGE ? TemplateKind::Message : TemplateKind::Sms;
      }
      t->name = ident(k.rule(P::RuleIdent));
      if (antlr4::Token* title = k.token(P::STRING)) t->title = interpolated(title);
      std::optional<SourceRange> bodySeen, subjectSeen;
      for (Ctx* item : k.rules(P::RuleTemplateItem)) {
        SourceRange r = pos_->of(item);
        Kids ik = kids(item);
        if (ik.firstCode() == P::BODY) {
          duplicateClause(bodySeen, r, "body", "template");
          bodySeen = r;
          t->body = interpolated(ik.token(P::STRING));
        } else {
          duplicateClause(subjectSeen, r, "subject", "template");
          subjectSeen = r;
          t->subject = interpolated(ik.token(P::STRING));
        }
      }
      return t;
    }
    case P::RuleFormDecl: {
      auto f = std::make_unique<FormDecl>();
      auto ids = k.rules(P::RuleIdent);
      if (!ids.empty()) f->name = ident(ids[0]);
      for (size_t i = 1; i < ids.size(); ++i) f->fields.push_back(ident(ids[i]));
      f->title = optText(k.token(P::STRING));
      return f;
    }
    case P::RuleIntegrationDecl: {
      auto i = std::make_unique<IntegrationDecl>();
      i->name = ident(k.rule(P::RuleIdent));
      i->title = optText(k.token(P::STRING));
      std::optional<SourceRange> urlSeen;
      for (Ctx* item : k.rules(P::RuleIntegrationItem)) {
        SourceRange r = pos_->of(item);
        Kids ik = kids(item);
        if (ik.firstCode() == P::URL) {
          duplicateClause(urlSeen, r, "url", "integration");
          urlSeen = r;
          i->url = interpolated(ik.token(P::STRING));
        } else {
          for (Ctx* e : ik.rules(P::RuleIdent)) i->answers.push_back(ident(e));
        }
      }
      return i;
    }
    case P::RuleEventDecl: {
      auto e = std::make_unique<EventDecl>();
      e->name = ident(k.rule(P::RuleIdent));
      e->title = optText(k.token(P::STRING));
      for (Ctx* p : k.rules(P::RuleEventParam)) {
        Kids pk = kids(p);
        e->params.push_back(EventDecl::Param{ident(pk.rule(P::RuleIdent)), fieldType(pk.rule(P::RuleFieldType))});
      }
      return e;
    }
    case P::RuleTaskTypeDecl:
    case P::RuleChannelDecl: {
      bool task = (outer.firstCode() & ~R) == P::RuleTaskTypeDecl;
      auto s = std::make_unique<SimpleDecl>(task ? DeclKind::TaskType : DeclKind::Channel);
      s->name = ident(k.rule(P::RuleIdent));
      s->title = optText(k.token(P::STRING));
      return s;
    }
    case P::RuleReasonsDecl: {
      auto r = std::make_unique<ReasonsDecl>();
      r->name = ident(k.rule(P::RuleIdent));
      r->reasons = lossReasons(k.rule(P::RuleLossReasonList));
      return r;
    }
    case P::RulePipelineDecl: return pipeline(ctx);
    case P::RuleTestDecl: return testDecl(ctx);
    case P::RuleRuleDecl: return rule(ctx);
    default: return nullptr;
  }
}

void AstBuilder::build(Ctx* file, Module& module) {
  if (!file) return;
  for (Ctx* item : kids(file).rules(P::RuleTopItem)) {
    if (DeclPtr d = topItem(item)) module.decls.push_back(std::move(d));
  }
}

}  // namespace voronka::parse
