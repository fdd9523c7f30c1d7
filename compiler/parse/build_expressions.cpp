// Expressions: operator chains (bounded in length), unary and postfix
// operators, and primaries (literals, names, calls, lists, maps, `if`).
#include "compiler/parse/ast_builder.h"

#include <fmt/format.h>

#include "compiler/parse/literals.h"

namespace voronka::parse {

using namespace voronka::ast;

namespace {

constexpr size_t kMaxChain = 1000;  // operands in one `a + b + …` chain

}  // namespace

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
  sink_.emit(diag::NestingTooDeep, pos_->of(ctx),
             fmt::format("this expression chains more than {} operands", kMaxChain));
  return true;
}

// `a op b op c` with the operands of one rule and the operators between them.
// `operandRule` is the rule index of the operands; `op` maps an operator token.
#define VORONKA_LEFT_CHAIN(ctx, operandRule, build, opOf)                                        \
  Kids k = kids(ctx);                                                                            \
  size_t operands = 0;                                                                           \
  for (const auto& e : k.entries()) operands += e.code == (R | operandRule);                     \
  if (operands == 0 || chainTooLong(operands, ctx)) return errorExpr(ctx);                       \
  ExprPtr result;                                                                                \
  std::optional<std::pair<BinaryOp, SourceRange>> pending;                                       \
  for (const auto& e : k.entries()) {                                                            \
    if (e.code == (R | operandRule)) {                                                           \
      ExprPtr operand = build(static_cast<Ctx*>(e.node));                                        \
      if (!result) {                                                                             \
        result = std::move(operand);                                                             \
      } else if (pending) {                                                                      \
        result = binary(pending->first, pending->second, std::move(result), std::move(operand)); \
      }                                                                                          \
    } else if (e.token) {                                                                        \
      pending = std::make_pair(opOf(e.code), pos_->of(e.token));                                 \
    }                                                                                            \
  }                                                                                              \
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
          sink_.emit(diag::BadDuration, r,
                     fmt::format("`{} workdays` must be a whole number of days up to 3650", first->getText()));
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
    case P::DEAL:
    case P::STAGE: {  // reserved words that are names in expressions: `deal.x`, move_rejected's `stage`
      auto n = std::make_unique<NameExpr>();
      n->name = k.firstCode() == P::DEAL ? "deal" : "stage";
      return finish(std::move(n));
    }
    case P::WON:
    case P::LOST: {  // a final stage, compared with `deal.stage`
      auto n = std::make_unique<NameExpr>();
      n->name = k.firstCode() == P::WON ? "won" : "lost";
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

}  // namespace voronka::parse
