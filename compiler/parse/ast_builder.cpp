// From ANTLR's parse tree to our AST: the shared core — how a node's
// children are classified, the file level, and the small pieces (names,
// texts, literals, references) every construct uses. Each construct is built
// in a file of its own (build_*.cpp). After error recovery any child may be
// missing, so every step checks before it looks.
#include "compiler/parse/ast_builder.h"

#include <fmt/format.h>

#include <typeinfo>
#include <unordered_map>

#include "compiler/parse/literals.h"

namespace voronka::parse {

using namespace voronka::ast;

namespace {

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

// ───────────────────────────── the file ─────────────────────────────────

void AstBuilder::build(Ctx* file, Module& module) {
  if (!file) return;
  for (Ctx* item : kids(file).rules(P::RuleTopItem)) {
    if (DeclPtr d = topItem(item)) module.decls.push_back(std::move(d));
  }
}

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
    sink_.emit(diag::BadDuration, d.range,
               fmt::format("`{} workdays` must be a whole number of days up to 3650", number));
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

WithinWorkhours AstBuilder::withinWorkhours(Ctx* ctx) {
  WithinWorkhours w;
  if (!ctx) return w;
  w.range = pos_->of(ctx);
  w.earlier = kids(ctx).token(P::EARLIER) != nullptr;
  return w;
}

TypeSyntax AstBuilder::fieldType(Ctx* ctx) {
  TypeSyntax t;
  if (!ctx) return t;
  t.range = pos_->of(ctx);
  Kids k = kids(ctx);
  if (k.firstCode() == P::ENUM) {
    t.isEnum = true;
    t.members = enumMembers(k.rules(P::RuleEnumMember));
  } else {
    t.name = ident(k.rule(P::RuleTypeName));
  }
  return t;
}

std::vector<EnumMember> AstBuilder::enumMembers(const std::vector<Ctx*>& members) {
  std::vector<EnumMember> out;
  for (Ctx* m : members) {
    Kids mk = kids(m);
    out.push_back(EnumMember{ident(mk.rule(P::RuleIdent)), optText(mk.token(P::STRING))});
  }
  return out;
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

}  // namespace voronka::parse
