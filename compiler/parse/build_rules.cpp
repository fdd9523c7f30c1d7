// Rules: `on EVENT` or a timing (`after`, `at`, `every`), the clauses (`from`,
// `once`, `when`, `unless`, `within`), and the body: a block or `-> stage`.
#include "compiler/parse/ast_builder.h"

namespace voronka::parse {

using namespace voronka::ast;

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
  std::optional<SourceRange> timingSeen, whenSeen, fromSeen, unlessSeen, withinSeen, lateSeen;
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
      case R | P::RuleWorkhoursShift:
        duplicateClause(withinSeen, cr, "within workhours", "rule");
        withinSeen = cr;
        r->withinWorkhours = withinWorkhours(ck.rule(P::RuleWorkhoursShift));
        break;
      case P::LATE:
        duplicateClause(lateSeen, cr, "late", "rule");
        lateSeen = cr;
        r->late = LateClause{ck.token(P::SKIP_WORD) != nullptr, cr};
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

}  // namespace voronka::parse
