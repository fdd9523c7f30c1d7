// From ANTLR's parse tree to our AST. Every accessor may return null after
// error recovery, so each step checks before it looks.
#include "compiler/parse/ast_builder.h"

#include <fmt/format.h>

#include "compiler/parse/literals.h"

namespace voronka::parse {

using namespace voronka::ast;
using P = FunnelParser;
using antlr4::tree::TerminalNode;

namespace {
constexpr size_t kMaxChain = 1000;  // operands in one `a + b + …` chain
}

AstBuilder::AstBuilder(const Positions& positions, DiagnosticSink& sink, int maxNesting)
    : pos_(&positions), sink_(sink), maxNesting_(maxNesting) {}

// ───────────────────────────── small pieces ───────────────────────────────

Ident AstBuilder::ident(antlr4::ParserRuleContext* ctx) {
  if (!ctx) return {};
  return Ident{ctx->getText(), pos_->of(ctx)};
}

Ident AstBuilder::ident(TerminalNode* node) {
  if (!node) return {};
  return Ident{node->getText(), pos_->of(node)};
}

Text AstBuilder::text(TerminalNode* string) {
  if (!string) return {};
  SourceRange r = pos_->of(string);
  return Text{decodePlainString(string->getText(), r.file, r.begin, sink_), r};
}

std::optional<Text> AstBuilder::optText(TerminalNode* string) {
  if (!string) return std::nullopt;
  return text(string);
}

InterpolatedText AstBuilder::interpolated(TerminalNode* string) {
  InterpolatedText out;
  if (!string) return out;
  out.range = pos_->of(string);
  StringSegments segments = decodeString(string->getText(), out.range.file, out.range.begin, true, sink_);
  for (auto& seg : segments.segments) {
    InterpolatedText::Part part;
    part.range = SourceRange{out.range.file, seg.begin, seg.end};
    if (seg.isExpression) {
      part.expr = parseInterpolation(seg.text, seg.begin);
      if (!part.expr) continue;
    } else {
      part.literal = std::move(seg.text);
    }
    out.parts.push_back(std::move(part));
  }
  return out;
}

ExprPtr AstBuilder::parseInterpolation(const std::string& source, uint32_t fileOffset) {
  OffsetMap map(source, fileOffset);
  Positions inner{pos_->file, &map};
  LexedFile lexed = lexFile(source, inner, maxNesting_, sink_);
  if (lexed.tooDeep) return nullptr;
  antlr4::ListTokenSource tokenSource(std::move(lexed.tokens));
  antlr4::CommonTokenStream stream(&tokenSource);
  FunnelParser parser(&stream);
  parser.removeErrorListeners();
  auto reporter = std::make_shared<SyntaxErrorReporter>(inner, sink_, std::nullopt);
  parser.setErrorHandler(reporter);
  P::StandaloneExpressionContext* tree = parser.standaloneExpression();
  if (reporter->errorCount() > 0 || !tree) return nullptr;
  const Positions* outer = pos_;
  pos_ = &inner;
  ExprPtr e = expression(tree->expression());
  pos_ = outer;
  return e;
}

ast::Duration AstBuilder::duration(P::DurationLitContext* ctx) {
  ast::Duration d;
  if (!ctx) return d;
  d.range = pos_->of(ctx);
  if (auto* plain = dynamic_cast<P::PlainDurationContext*>(ctx)) {
    if (plain->DURATION()) d = parseDuration(plain->DURATION()->getText(), d.range, sink_);
    return d;
  }
  auto* count = dynamic_cast<P::CountDurationContext*>(ctx);
  if (!count || !count->NUMBER()) return d;
  std::string number = count->NUMBER()->getText();
  double value = parseNumber(number, pos_->of(count->NUMBER()), sink_);
  if (!count->WORKDAYS()) {
    sink_.emit(diag::BadDuration, d.range,
               fmt::format("`{}` needs a unit: write `{}d`, `{}h`, `{}m`, `{}w` or `{} workdays`", number, number,
                           number, number, number, number));
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

ast::TimeOfDay AstBuilder::time(TerminalNode* node) {
  if (!node) return {};
  return parseTime(node->getText(), pos_->of(node), sink_);
}

ast::Date AstBuilder::date(TerminalNode* node) {
  if (!node) return {};
  return parseDate(node->getText(), pos_->of(node), sink_);
}

std::vector<MapEntry> AstBuilder::mapLiteral(P::MapLiteralContext* ctx) {
  std::vector<MapEntry> entries;
  if (!ctx) return entries;
  for (auto* e : ctx->mapEntry()) entries.push_back(MapEntry{ident(e->name()), expression(e->expression())});
  return entries;
}

Path AstBuilder::path(P::PathContext* ctx) {
  Path p;
  if (!ctx) return p;
  p.range = pos_->of(ctx);
  for (auto* n : ctx->name()) p.parts.push_back(ident(n));
  return p;
}

EventRef AstBuilder::eventRef(P::EventRefContext* ctx) {
  EventRef e;
  if (!ctx) return e;
  e.range = pos_->of(ctx);
  e.name = ident(ctx->ident());
  if (auto* arg = ctx->eventArg()) {
    if (arg->STRING()) {
      Text t = text(arg->STRING());
      e.arg = Ident{t.value, t.range};
      e.argIsString = true;
    } else {
      e.arg = ident(arg->name());
    }
  }
  return e;
}

Ident AstBuilder::stageName(P::StageNameContext* ctx) { return ident(ctx); }

MoveTarget AstBuilder::moveTarget(P::MoveTargetContext* ctx) {
  MoveTarget t;
  if (!ctx) return t;
  t.range = pos_->of(ctx);
  if (dynamic_cast<P::NextTargetContext*>(ctx)) {
    t.isNext = true;
    t.stage = Ident{"next", t.range};
    return t;
  }
  if (auto* named = dynamic_cast<P::NamedTargetContext*>(ctx)) {
    auto names = named->stageName();
    if (names.size() == 2) {
      t.pipeline = stageName(names[0]);
      t.stage = stageName(names[1]);
    } else if (names.size() == 1) {
      t.stage = stageName(names[0]);
    }
  }
  return t;
}

std::pair<Ident, std::optional<Ident>> AstBuilder::stagePath(P::StagePathContext* ctx) {
  if (!ctx) return {};
  std::optional<Ident> stage;
  if (ctx->stageName()) stage = stageName(ctx->stageName());
  return {ident(ctx->ident()), stage};
}

Assignee AstBuilder::assignee(P::AssigneeContext* ctx) {
  Assignee a;
  if (!ctx) return a;
  a.range = pos_->of(ctx);
  auto ids = ctx->ident();
  if (!ids.empty()) a.name = ident(ids[0]);
  if (ids.size() > 1) a.team = ident(ids[1]);
  return a;
}

TypeSyntax AstBuilder::fieldType(P::FieldTypeContext* ctx) {
  TypeSyntax t;
  if (!ctx) return t;
  t.range = pos_->of(ctx);
  if (auto* e = dynamic_cast<P::EnumTypeContext*>(ctx)) {
    t.isEnum = true;
    for (auto* m : e->enumMember()) t.members.push_back(EnumMember{ident(m->ident()), optText(m->STRING())});
  } else if (auto* n = dynamic_cast<P::NamedTypeContext*>(ctx)) {
    t.name = ident(n->typeName());
  }
  return t;
}

std::vector<LossReason> AstBuilder::lossReasons(P::LossReasonListContext* ctx) {
  std::vector<LossReason> out;
  if (!ctx) return out;
  for (auto* r : ctx->lossReason()) {
    if (!r->STRING()) continue;
    out.push_back(LossReason{text(r->STRING()), r->OTHER() != nullptr, pos_->of(r)});
  }
  return out;
}

void AstBuilder::duplicateClause(const std::optional<SourceRange>& seen, SourceRange here, std::string_view clause,
                                 std::string_view where) {
  if (seen) sink_.emit(diag::DuplicateClause, here, clause, where).note(*seen, "first given here");
}

// ───────────────────────────── expressions ────────────────────────────────

ExprPtr AstBuilder::expression(P::ExpressionContext* ctx) {
  if (!ctx || !ctx->orExpr()) return errorExpr(ctx);
  return orExpr(ctx->orExpr());
}

ExprPtr AstBuilder::errorExpr(antlr4::ParserRuleContext* ctx) {
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

bool AstBuilder::chainTooLong(size_t operands, antlr4::ParserRuleContext* ctx) {
  if (operands <= kMaxChain) return false;
  sink_.emit(diag::NestingTooDeep, pos_->of(ctx), static_cast<long long>(kMaxChain));
  return true;
}

ExprPtr AstBuilder::orExpr(P::OrExprContext* ctx) {
  auto parts = ctx->andExpr();
  if (parts.empty() || chainTooLong(parts.size(), ctx)) return errorExpr(ctx);
  ExprPtr e = andExpr(parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) e = binary(BinaryOp::Or, pos_->of(ctx->OR(i - 1)), std::move(e), andExpr(parts[i]));
  return e;
}

ExprPtr AstBuilder::andExpr(P::AndExprContext* ctx) {
  auto parts = ctx->notExpr();
  if (parts.empty() || chainTooLong(parts.size(), ctx)) return errorExpr(ctx);
  ExprPtr e = notExpr(parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) e = binary(BinaryOp::And, pos_->of(ctx->AND(i - 1)), std::move(e), notExpr(parts[i]));
  return e;
}

ExprPtr AstBuilder::notExpr(P::NotExprContext* ctx) {
  if (auto* n = dynamic_cast<P::NotOpContext*>(ctx)) {
    auto u = std::make_unique<UnaryExpr>();
    u->op = UnaryOp::Not;
    u->range = pos_->of(ctx);
    u->operand = n->notExpr() ? notExpr(n->notExpr()) : errorExpr(ctx);
    return u;
  }
  if (auto* p = dynamic_cast<P::NotPassContext*>(ctx); p && p->comparison()) return comparison(p->comparison());
  return errorExpr(ctx);
}

ExprPtr AstBuilder::comparison(P::ComparisonContext* ctx) {
  auto parts = ctx->additive();
  if (parts.empty()) return errorExpr(ctx);
  ExprPtr lhs = additive(parts[0]);
  if (parts.size() < 2 || !ctx->compareOp()) return lhs;
  P::CompareOpContext* op = ctx->compareOp();
  BinaryOp kind = BinaryOp::Eq;
  if (op->EQEQ()) kind = BinaryOp::Eq;
  else if (op->NEQ()) kind = BinaryOp::Ne;
  else if (op->LT()) kind = BinaryOp::Lt;
  else if (op->LE()) kind = BinaryOp::Le;
  else if (op->GT()) kind = BinaryOp::Gt;
  else if (op->GE()) kind = BinaryOp::Ge;
  else if (op->NOT()) kind = BinaryOp::NotIn;
  else if (op->IN()) kind = BinaryOp::In;
  else if (op->HAS()) kind = BinaryOp::Has;
  return binary(kind, pos_->of(op), std::move(lhs), additive(parts[1]));
}

ExprPtr AstBuilder::additive(P::AdditiveContext* ctx) {
  auto parts = ctx->multiplicative();
  if (parts.empty() || chainTooLong(parts.size(), ctx)) return errorExpr(ctx);
  ExprPtr e = multiplicative(parts[0]);
  size_t next = 1;
  for (auto* child : ctx->children) {
    auto* term = dynamic_cast<TerminalNode*>(child);
    if (!term || next >= parts.size()) continue;
    BinaryOp op = term->getSymbol()->getType() == P::PLUS ? BinaryOp::Add : BinaryOp::Sub;
    e = binary(op, pos_->of(term), std::move(e), multiplicative(parts[next++]));
  }
  return e;
}

ExprPtr AstBuilder::multiplicative(P::MultiplicativeContext* ctx) {
  auto parts = ctx->unary();
  if (parts.empty() || chainTooLong(parts.size(), ctx)) return errorExpr(ctx);
  ExprPtr e = unary(parts[0]);
  size_t next = 1;
  for (auto* child : ctx->children) {
    auto* term = dynamic_cast<TerminalNode*>(child);
    if (!term || next >= parts.size()) continue;
    BinaryOp op = term->getSymbol()->getType() == P::STAR ? BinaryOp::Mul : BinaryOp::Div;
    e = binary(op, pos_->of(term), std::move(e), unary(parts[next++]));
  }
  return e;
}

ExprPtr AstBuilder::unary(P::UnaryContext* ctx) {
  if (auto* n = dynamic_cast<P::NegateContext*>(ctx)) {
    auto u = std::make_unique<UnaryExpr>();
    u->op = UnaryOp::Negate;
    u->range = pos_->of(ctx);
    u->operand = n->unary() ? unary(n->unary()) : errorExpr(ctx);
    return u;
  }
  if (auto* p = dynamic_cast<P::UnaryPassContext*>(ctx); p && p->postfix()) return postfix(p->postfix());
  return errorExpr(ctx);
}

ExprPtr AstBuilder::postfix(P::PostfixContext* ctx) {
  if (!ctx->primary()) return errorExpr(ctx);
  ExprPtr e = primary(ctx->primary());
  for (auto* op : ctx->postfixOp()) {
    if (auto* m = dynamic_cast<P::MemberOpContext*>(op)) {
      auto member = std::make_unique<MemberExpr>();
      member->member = ident(m->name());
      member->range = SourceRange::cover(e->range, pos_->of(op));
      member->base = std::move(e);
      e = std::move(member);
    } else if (auto* c = dynamic_cast<P::CallOpContext*>(op)) {
      auto call = std::make_unique<CallExpr>();
      call->range = SourceRange::cover(e->range, pos_->of(op));
      for (auto* a : c->expression()) call->args.push_back(expression(a));
      call->callee = std::move(e);
      e = std::move(call);
    }
  }
  return e;
}

ExprPtr AstBuilder::primary(P::PrimaryContext* ctx) {
  SourceRange r = pos_->of(ctx);
  auto finish = [&](auto node) {
    node->range = r;
    return ExprPtr(std::move(node));
  };
  if (auto* c = dynamic_cast<P::NumberLitContext*>(ctx)) {
    auto n = std::make_unique<NumberExpr>();
    n->value = parseNumber(c->NUMBER()->getText(), r, sink_);
    return finish(std::move(n));
  }
  if (auto* c = dynamic_cast<P::WorkdaysLitContext*>(ctx)) {
    auto d = std::make_unique<DurationExpr>();
    double value = parseNumber(c->NUMBER()->getText(), r, sink_);
    if (value != static_cast<double>(static_cast<int64_t>(value)) || value > 3650) {
      sink_.emit(diag::BadDuration, r, fmt::format("`{}` must be a whole number of days up to 3650", c->getText()));
    } else {
      d->value.workdays = static_cast<int64_t>(value);
    }
    d->value.range = r;
    return finish(std::move(d));
  }
  if (auto* c = dynamic_cast<P::DurationLiteralContext*>(ctx)) {
    auto d = std::make_unique<DurationExpr>();
    d->value = parseDuration(c->DURATION()->getText(), r, sink_);
    return finish(std::move(d));
  }
  if (auto* c = dynamic_cast<P::StringLitContext*>(ctx)) {
    auto s = std::make_unique<StringExpr>();
    s->value = text(c->STRING()).value;
    return finish(std::move(s));
  }
  if (auto* c = dynamic_cast<P::TimeLitContext*>(ctx)) {
    auto t = std::make_unique<TimeExpr>();
    t->value = time(c->TIME());
    return finish(std::move(t));
  }
  if (auto* c = dynamic_cast<P::DateLitContext*>(ctx)) {
    auto d = std::make_unique<DateExpr>();
    d->value = date(c->DATE());
    return finish(std::move(d));
  }
  if (auto* c = dynamic_cast<P::DatetimeLitContext*>(ctx)) {
    auto d = std::make_unique<DateTimeExpr>();
    std::string text = c->DATETIME()->getText();
    d->date = parseDate(text.substr(0, 10), r, sink_);
    d->time = parseTime(text.substr(11), r, sink_);
    return finish(std::move(d));
  }
  if (auto* c = dynamic_cast<P::BoolLitContext*>(ctx)) {
    auto b = std::make_unique<BoolExpr>();
    b->value = c->TRUE() != nullptr;
    return finish(std::move(b));
  }
  if (dynamic_cast<P::NoneLitContext*>(ctx)) return finish(std::make_unique<NoneExpr>());
  if (auto* c = dynamic_cast<P::NameRefContext*>(ctx)) {
    auto n = std::make_unique<NameExpr>();
    n->name = c->getText();
    return finish(std::move(n));
  }
  if (dynamic_cast<P::DealRefContext*>(ctx)) {
    auto n = std::make_unique<NameExpr>();
    n->name = "deal";
    return finish(std::move(n));
  }
  if (auto* c = dynamic_cast<P::ParensContext*>(ctx)) {
    ExprPtr inner = expression(c->expression());
    return inner;
  }
  if (auto* c = dynamic_cast<P::ListLitContext*>(ctx)) {
    auto l = std::make_unique<ListExpr>();
    for (auto* item : c->expression()) l->items.push_back(expression(item));
    return finish(std::move(l));
  }
  if (auto* c = dynamic_cast<P::IfExprContext*>(ctx)) {
    auto i = std::make_unique<IfExpr>();
    // [cond0, value0, cond1, value1, …, elseValue]
    auto parts = c->expression();
    size_t branches = parts.empty() ? 0 : (parts.size() - 1) / 2;
    for (size_t k = 0; k < branches; ++k) {
      i->branches.push_back(IfExpr::Branch{expression(parts[2 * k]), expression(parts[2 * k + 1])});
    }
    size_t k = 2 * branches;
    i->elseValue = k < parts.size() ? expression(parts[k]) : errorExpr(ctx);
    return finish(std::move(i));
  }
  return errorExpr(ctx);
}

// ───────────────────────────── actions ────────────────────────────────────

Block AstBuilder::block(P::BlockContext* ctx) {
  Block b;
  if (!ctx) return b;
  b.range = pos_->of(ctx);
  for (auto* a : ctx->action()) {
    if (ActionPtr action = this->action(a)) b.actions.push_back(std::move(action));
  }
  return b;
}

ActionPtr AstBuilder::action(P::ActionContext* ctx) {
  ActionPtr result = buildAction(ctx);
  if (result) result->range = pos_->of(ctx);
  return result;
}

ActionPtr AstBuilder::buildAction(P::ActionContext* ctx) {
  if (auto* c = dynamic_cast<P::MoveActionContext*>(ctx)) {
    auto a = std::make_unique<MoveAction>();
    a->target = moveTarget(c->moveTarget());
    a->arrowForm = c->ARROW() != nullptr;
    return a;
  }
  if (dynamic_cast<P::WinActionContext*>(ctx)) return std::make_unique<WinAction>();
  if (auto* c = dynamic_cast<P::LoseActionContext*>(ctx)) {
    auto a = std::make_unique<LoseAction>();
    a->reason = optText(c->STRING());
    return a;
  }
  if (auto* c = dynamic_cast<P::TaskActionContext*>(ctx)) {
    auto a = std::make_unique<TaskAction>();
    if (c->taskTypeRef()) a->type = ident(c->taskTypeRef());
    a->text = interpolated(c->STRING());
    std::optional<SourceRange> due, at, to, within;
    for (auto* clause : c->taskClause()) {
      SourceRange r = pos_->of(clause);
      if (auto* d = dynamic_cast<P::DueClauseContext*>(clause)) {
        duplicateClause(due ? due : at, r, due ? "due" : "due/at", "task");
        due = r;
        a->due = duration(d->durationLit());
      } else if (auto* t = dynamic_cast<P::TaskAtClauseContext*>(clause)) {
        duplicateClause(at ? at : due, r, at ? "at" : "due/at", "task");
        at = r;
        a->at = expression(t->expression());
      } else if (auto* t = dynamic_cast<P::ToClauseContext*>(clause)) {
        duplicateClause(to, r, "to", "task");
        to = r;
        a->to = ident(t->ident());
      } else if (dynamic_cast<P::TaskWorkhoursClauseContext*>(clause)) {
        duplicateClause(within, r, "within workhours", "task");
        within = r;
        a->withinWorkhours = r;
      }
    }
    return a;
  }
  if (auto* c = dynamic_cast<P::CompleteActionContext*>(ctx)) {
    auto a = std::make_unique<CompleteTasksAction>();
    P::CompleteFilterContext* filter = nullptr;
    if (auto* f = dynamic_cast<P::FilterOnlyContext*>(c->completeSelector())) filter = f->completeFilter();
    if (auto* t = dynamic_cast<P::TypeAndFilterContext*>(c->completeSelector())) {
      a->type = ident(t->taskTypeRef());
      filter = t->completeFilter();
    }
    if (filter) {
      if (filter->ALL()) a->filter = TaskFilter::All;
      if (filter->OVERDUE()) a->filter = TaskFilter::Overdue;
      if (filter->TODAY()) a->filter = TaskFilter::Today;
      if (filter->TOMORROW()) a->filter = TaskFilter::Tomorrow;
    }
    a->comment = optText(c->STRING());
    return a;
  }
  if (auto* c = dynamic_cast<P::EmailActionContext*>(ctx)) {
    auto a = std::make_unique<SendAction>(ActionKind::Email);
    a->templateName = ident(c->ident());
    sendClauses(c->sendClause(), *a, "email");
    return a;
  }
  if (auto* c = dynamic_cast<P::MessageActionContext*>(ctx)) {
    auto a = std::make_unique<SendAction>(ActionKind::Message);
    a->templateName = ident(c->ident());
    sendClauses(c->sendClause(), *a, "message");
    return a;
  }
  if (auto* c = dynamic_cast<P::SmsActionContext*>(ctx)) {
    auto a = std::make_unique<SendAction>(ActionKind::Sms);
    if (c->STRING()) a->text = interpolated(c->STRING());
    if (c->ident()) a->templateName = ident(c->ident());
    sendClauses(c->sendClause(), *a, "sms");
    return a;
  }
  if (auto* c = dynamic_cast<P::WebhookActionContext*>(ctx)) {
    auto a = std::make_unique<WebhookAction>();
    a->url = interpolated(c->STRING());
    a->body = mapLiteral(c->mapLiteral());
    return a;
  }
  if (auto* c = dynamic_cast<P::RequestActionContext*>(ctx)) {
    auto a = std::make_unique<RequestAction>();
    a->integration = ident(c->ident());
    a->body = mapLiteral(c->mapLiteral());
    return a;
  }
  if (auto* c = dynamic_cast<P::AnalyticsActionContext*>(ctx)) {
    auto a = std::make_unique<AnalyticsAction>();
    a->event = text(c->STRING());
    if (c->expression()) a->label = expression(c->expression());
    return a;
  }
  if (auto* c = dynamic_cast<P::TagActionContext*>(ctx)) {
    auto a = std::make_unique<TagAction>();
    a->add = c->MINUS() == nullptr;
    a->tag = text(c->STRING());
    return a;
  }
  if (auto* c = dynamic_cast<P::SetActionContext*>(ctx)) {
    auto a = std::make_unique<SetAction>();
    a->target = path(c->path());
    a->value = expression(c->expression());
    return a;
  }
  if (auto* c = dynamic_cast<P::AssignActionContext*>(ctx)) {
    auto a = std::make_unique<AssignAction>();
    a->who = assignee(c->assignee());
    return a;
  }
  if (auto* c = dynamic_cast<P::CreateDealActionContext*>(ctx)) {
    auto a = std::make_unique<CreateDealAction>();
    auto [pipeline, stage] = stagePath(c->stagePath());
    a->pipeline = pipeline;
    a->stage = stage;
    std::optional<SourceRange> copySeen, assignSeen;
    for (auto* clause : c->createClause()) {
      SourceRange r = pos_->of(clause);
      if (auto* cp = dynamic_cast<P::CopyClauseContext*>(clause)) {
        duplicateClause(copySeen, r, "copy", "create deal");
        copySeen = r;
        for (auto* f : cp->ident()) a->copy.push_back(ident(f));
      } else if (auto* as = dynamic_cast<P::CreateAssignClauseContext*>(clause)) {
        duplicateClause(assignSeen, r, "assign", "create deal");
        assignSeen = r;
        a->assign = assignee(as->assignee());
      }
    }
    return a;
  }
  if (auto* c = dynamic_cast<P::QuestionnaireActionContext*>(ctx)) {
    auto a = std::make_unique<QuestionnaireAction>();
    auto ids = c->ident();
    if (ids.size() > 0) a->form = ident(ids[0]);
    if (ids.size() > 1) a->field = ident(ids[1]);
    return a;
  }
  if (auto* c = dynamic_cast<P::NoteActionContext*>(ctx)) {
    auto a = std::make_unique<NoteAction>();
    a->text = interpolated(c->STRING());
    return a;
  }
  if (auto* c = dynamic_cast<P::NotifyActionContext*>(ctx)) {
    auto a = std::make_unique<NotifyAction>();
    a->recipient = ident(c->ident());
    a->text = interpolated(c->STRING());
    return a;
  }
  if (auto* c = dynamic_cast<P::IfActionContext*>(ctx)) {
    auto a = std::make_unique<IfAction>();
    P::IfStatementContext* s = c->ifStatement();
    if (!s) return a;
    auto conditions = s->expression();
    auto blocks = s->block();
    for (size_t i = 0; i < conditions.size() && i < blocks.size(); ++i) {
      a->branches.push_back(IfAction::Branch{expression(conditions[i]), block(blocks[i])});
    }
    if (blocks.size() > conditions.size()) a->elseBlock = std::make_unique<Block>(block(blocks.back()));
    return a;
  }
  if (auto* c = dynamic_cast<P::SplitActionContext*>(ctx)) {
    auto a = std::make_unique<SplitAction>();
    if (c->NUMBER()) {
      a->percentRange = SourceRange::cover(pos_->of(c->NUMBER()), pos_->of(c->PERCENT()));
      a->percent = parseNumber(c->NUMBER()->getText(), a->percentRange, sink_);
    }
    auto blocks = c->block();
    if (!blocks.empty()) a->first = block(blocks[0]);
    if (blocks.size() > 1) a->second = std::make_unique<Block>(block(blocks[1]));
    return a;
  }
  if (auto* c = dynamic_cast<P::ThenActionContext*>(ctx)) {
    auto a = std::make_unique<ThenAction>();
    a->delay = duration(c->durationLit());
    if (c->WITHIN()) a->withinWorkhours = SourceRange::cover(pos_->of(c->WITHIN()), pos_->of(c->WORKHOURS()));
    a->block = block(c->block());
    return a;
  }
  return nullptr;
}

void AstBuilder::sendClauses(const std::vector<P::SendClauseContext*>& clauses, SendAction& a, std::string_view what) {
  std::optional<SourceRange> from, via, within;
  for (auto* clause : clauses) {
    SourceRange r = pos_->of(clause);
    if (auto* f = dynamic_cast<P::FromUserClauseContext*>(clause)) {
      duplicateClause(from, r, "from", what);
      from = r;
      a.from = ident(f->ident());
    } else if (auto* v = dynamic_cast<P::ViaClauseContext*>(clause)) {
      duplicateClause(via, r, "via", what);
      via = r;
      a.via = ident(v->ident());
    } else if (dynamic_cast<P::SendWorkhoursClauseContext*>(clause)) {
      duplicateClause(within, r, "within workhours", what);
      within = r;
      a.withinWorkhours = r;
    }
  }
}

// ───────────────────────────── rules ──────────────────────────────────────

void AstBuilder::timeSpec(P::TimeSpecContext* ctx, Rule& rule, std::optional<SourceRange>& seen) {
  if (!ctx) return;
  SourceRange r = pos_->of(ctx);
  if (seen) {
    sink_.emit(diag::DuplicateClause, r, "timing (`after`, `at`, `every`)", "rule").note(*seen, "first given here");
    return;
  }
  seen = r;
  Timing& t = rule.timing;
  t.range = r;
  if (auto* a = dynamic_cast<P::AfterSpecContext*>(ctx)) {
    t.kind = TimingKind::After;
    t.delay = duration(a->durationLit());
    if (a->TIME()) t.atTime = time(a->TIME());
  } else if (auto* a = dynamic_cast<P::AtSpecContext*>(ctx)) {
    t.kind = TimingKind::At;
    t.at = expression(a->expression());
  } else if (auto* e = dynamic_cast<P::EverySpecContext*>(ctx)) {
    t.kind = TimingKind::Every;
    t.delay = duration(e->durationLit());
    if (e->expression()) t.whileCondition = expression(e->expression());
  }
}

RulePtr AstBuilder::rule(P::RuleDeclContext* ctx) {
  auto r = std::make_unique<Rule>();
  if (!ctx) return r;
  r->range = pos_->of(ctx);
  std::optional<SourceRange> timingSeen, whenSeen;
  std::vector<P::RuleClauseContext*> clauses;
  P::RuleBodyContext* body = nullptr;
  if (auto* on = dynamic_cast<P::OnRuleContext*>(ctx)) {
    r->event = eventRef(on->eventRef());
    clauses = on->ruleClause();
    body = on->ruleBody();
  } else if (auto* timed = dynamic_cast<P::TimedRuleContext*>(ctx)) {
    timeSpec(timed->timeSpec(), *r, timingSeen);
    clauses = timed->ruleClause();
    body = timed->ruleBody();
  }
  for (auto* clause : clauses) {
    SourceRange cr = pos_->of(clause);
    if (auto* c = dynamic_cast<P::FromClauseContext*>(clause)) {
      duplicateClause(r->from ? std::optional(r->from->range) : std::nullopt, cr, "from", "rule");
      r->from = ident(c->ident());
    } else if (dynamic_cast<P::OnceClauseContext*>(clause)) {
      duplicateClause(r->once, cr, "once", "rule");
      r->once = cr;
    } else if (auto* c = dynamic_cast<P::WhenClauseContext*>(clause)) {
      duplicateClause(whenSeen, cr, "when", "rule");
      whenSeen = cr;
      r->when = expression(c->expression());
    } else if (auto* c = dynamic_cast<P::TimingClauseContext*>(clause)) {
      timeSpec(c->timeSpec(), *r, timingSeen);
    } else if (auto* c = dynamic_cast<P::UnlessClauseContext*>(clause)) {
      duplicateClause(r->unless ? std::optional(r->unless->range) : std::nullopt, cr, "unless", "rule");
      r->unless = eventRef(c->eventRef());
    } else if (dynamic_cast<P::WorkhoursClauseContext*>(clause)) {
      duplicateClause(r->withinWorkhours, cr, "within workhours", "rule");
      r->withinWorkhours = cr;
    }
  }
  if (auto* b = dynamic_cast<P::BlockBodyContext*>(body)) {
    r->body = block(b->block());
  } else if (auto* arrow = dynamic_cast<P::ArrowBodyContext*>(body)) {
    r->arrowForm = true;
    auto move = std::make_unique<MoveAction>();
    move->target = moveTarget(arrow->moveTarget());
    move->arrowForm = true;
    move->range = pos_->of(arrow);
    r->body.range = move->range;
    r->body.actions.push_back(std::move(move));
  }
  return r;
}

// ───────────────────────────── declarations ───────────────────────────────

std::unique_ptr<Stage> AstBuilder::stage(P::StageDeclContext* ctx) {
  auto s = std::make_unique<Stage>();
  s->range = pos_->of(ctx);
  s->name = ident(ctx->ident());
  s->title = optText(ctx->STRING());
  for (auto* flag : ctx->stageFlag()) {
    SourceRange r = pos_->of(flag);
    if (flag->INITIAL()) {
      duplicateClause(s->initial, r, "initial", "stage");
      s->initial = r;
    } else if (flag->KEY()) {
      duplicateClause(s->key, r, "key", "stage");
      s->key = r;
    }
  }
  stageBody(ctx->stageBody(), *s);
  return s;
}

void AstBuilder::stageBody(P::StageBodyContext* ctx, Stage& s) {
  if (!ctx) return;
  for (auto* item : ctx->stageItem()) {
    if (auto* req = dynamic_cast<P::RequireItemContext*>(item)) {
      s.guards.push_back(Require{expression(req->expression()), optText(req->STRING()), pos_->of(req)});
    } else if (auto* r = dynamic_cast<P::RuleItemContext*>(item); r && r->ruleDecl()) {
      s.rules.push_back(rule(r->ruleDecl()));
    }
  }
}

std::unique_ptr<PipelineDecl> AstBuilder::pipeline(P::PipelineDeclContext* ctx) {
  auto p = std::make_unique<PipelineDecl>();
  p->name = ident(ctx->ident());
  p->title = optText(ctx->STRING());
  for (auto* item : ctx->pipelineItem()) {
    if (auto* pol = item->policy()) {
      Policy policy;
      policy.range = pos_->of(pol);
      if (auto* m = dynamic_cast<P::ManualPolicyContext*>(pol)) {
        bool forward = m->direction() && m->direction()->FORWARD();
        policy.kind = forward ? PolicyKind::ManualForward : PolicyKind::ManualBackward;
        policy.allow = !(m->permission() && m->permission()->DENY());
      } else if (auto* t = dynamic_cast<P::TriggerPolicyContext*>(pol)) {
        bool forward = t->direction() && t->direction()->FORWARD();
        policy.kind = forward ? PolicyKind::TriggersForward : PolicyKind::TriggersBackward;
        policy.allow = !(t->permission() && t->permission()->DENY());
      } else if (auto* c = dynamic_cast<P::CalendarPolicyContext*>(pol)) {
        policy.kind = PolicyKind::Calendar;
        policy.calendar = ident(c->ident());
      }
      p->policies.push_back(std::move(policy));
    } else if (auto* s = item->stageDecl()) {
      p->stages.push_back(stage(s));
    } else if (auto* w = item->wonDecl()) {
      auto s = std::make_unique<Stage>();
      s->kind = StageKind::Won;
      s->range = pos_->of(w);
      s->name = Ident{"won", pos_->of(w->WON())};
      s->title = optText(w->STRING());
      stageBody(w->stageBody(), *s);
      p->stages.push_back(std::move(s));
    } else if (auto* l = item->lostDecl()) {
      auto s = std::make_unique<Stage>();
      s->kind = StageKind::Lost;
      s->range = pos_->of(l);
      s->name = Ident{"lost", pos_->of(l->LOST())};
      s->title = optText(l->STRING());
      if (auto* inl = dynamic_cast<P::InlineReasonsContext*>(l->lostReasons())) {
        s->reasons = lossReasons(inl->lossReasonList());
        s->reasonsKeyword = pos_->of(inl->REASONS());
      } else if (auto* named = dynamic_cast<P::NamedReasonsContext*>(l->lostReasons())) {
        s->reasonsRef = ident(named->ident());
        s->reasonsKeyword = pos_->of(named->REASONS());
      }
      stageBody(l->stageBody(), *s);
      p->stages.push_back(std::move(s));
    } else if (auto* r = item->ruleDecl()) {
      p->rules.push_back(rule(r));
    }
  }
  return p;
}

std::unique_ptr<CalendarDecl> AstBuilder::calendar(DeclKind kind, const std::vector<P::CalendarItemContext*>& items) {
  auto c = std::make_unique<CalendarDecl>(kind);
  std::optional<SourceRange> tzSeen, currencySeen;
  std::string_view where = kind == DeclKind::Account ? "account" : "calendar";
  for (auto* item : items) {
    SourceRange r = pos_->of(item);
    if (auto* tz = dynamic_cast<P::TimezoneItemContext*>(item)) {
      duplicateClause(tzSeen, r, "timezone", where);
      tzSeen = r;
      c->timezone = optText(tz->STRING());
    } else if (auto* wh = dynamic_cast<P::WorkhoursItemContext*>(item)) {
      if (!c->workhoursRange) c->workhoursRange = r;
      for (auto* spec : wh->workhoursSpec()) {
        WorkhoursSpec w;
        w.range = pos_->of(spec);
        if (auto* days = spec->dayRange()) {
          auto ids = days->ident();
          if (!ids.empty()) w.fromDay = ident(ids[0]);
          if (ids.size() > 1) w.toDay = ident(ids[1]);
        }
        for (auto* win : spec->timeWindow()) {
          auto times = win->TIME();
          if (times.size() != 2) continue;
          w.windows.push_back(WorkhoursSpec::Window{time(times[0]), time(times[1]), pos_->of(win)});
        }
        c->workhours.push_back(std::move(w));
      }
    } else if (auto* h = dynamic_cast<P::HolidaysItemContext*>(item)) {
      for (auto* range : h->dateRange()) {
        auto dates = range->DATE();
        if (dates.empty()) continue;
        DateRange d;
        d.range = pos_->of(range);
        d.from = date(dates[0]);
        if (dates.size() > 1) d.to = date(dates[1]);
        c->holidays.push_back(d);
      }
    } else if (auto* cur = dynamic_cast<P::CurrencyItemContext*>(item)) {
      duplicateClause(currencySeen, r, "currency", where);
      currencySeen = r;
      c->currency = ident(cur->ident());
    }
  }
  return c;
}

DeclPtr AstBuilder::testDecl(P::TestDeclContext* ctx) {
  auto t = std::make_unique<TestDecl>();
  t->title = text(ctx->STRING());
  for (auto* st : ctx->testStmt()) {
    if (TestStmtPtr stmt = testStmt(st)) {
      stmt->range = pos_->of(st);
      t->statements.push_back(std::move(stmt));
    }
  }
  return t;
}

TestStmtPtr AstBuilder::testStmt(P::TestStmtContext* ctx) {
  if (auto* c = dynamic_cast<P::TestDealContext*>(ctx)) {
    auto s = std::make_unique<TestDealStmt>();
    s->name = ident(c->ident());
    auto [pipeline, stage] = stagePath(c->stagePath());
    s->pipeline = pipeline;
    s->stage = stage;
    for (auto* init : c->fieldInit()) s->fields.push_back(FieldInit{path(init->path()), expression(init->expression())});
    return s;
  }
  if (auto* c = dynamic_cast<P::TestAdvanceContext*>(ctx)) {
    auto s = std::make_unique<TestAdvanceStmt>();
    s->by = duration(c->durationLit());
    return s;
  }
  if (auto* c = dynamic_cast<P::TestAdvanceToContext*>(ctx)) {
    auto s = std::make_unique<TestAdvanceToStmt>();
    if (c->DATETIME()) {
      std::string text = c->DATETIME()->getText();
      SourceRange r = pos_->of(c->DATETIME());
      s->date = parseDate(text.substr(0, 10), r, sink_);
      s->time = parseTime(text.substr(11), r, sink_);
    }
    return s;
  }
  if (auto* c = dynamic_cast<P::TestEventContext*>(ctx)) {
    auto s = std::make_unique<TestEventStmt>();
    s->event = eventRef(c->eventRef());
    if (c->ident()) s->deal = ident(c->ident());
    s->payload = mapLiteral(c->mapLiteral());
    return s;
  }
  if (auto* c = dynamic_cast<P::TestSetContext*>(ctx)) {
    auto s = std::make_unique<TestSetStmt>();
    s->target = path(c->path());
    s->value = expression(c->expression());
    return s;
  }
  if (auto* c = dynamic_cast<P::TestManualMoveContext*>(ctx)) {
    auto s = std::make_unique<TestManualMoveStmt>();
    s->deal = ident(c->ident());
    s->target = moveTarget(c->moveTarget());
    s->expectRejected = c->EXPECT() != nullptr;
    size_t expectIndex = c->EXPECT() ? c->EXPECT()->getSymbol()->getTokenIndex() : SIZE_MAX;
    for (auto* str : c->STRING()) {
      if (str->getSymbol()->getTokenIndex() < expectIndex) s->reason = text(str);
      else s->rejectedMessage = text(str);
    }
    return s;
  }
  if (auto* c = dynamic_cast<P::TestExpectContext*>(ctx)) {
    auto s = std::make_unique<TestExpectStmt>();
    if (c->ident()) s->deal = ident(c->ident());
    expectation(c->expectation(), *s);
    return s;
  }
  return nullptr;
}

void AstBuilder::expectation(P::ExpectationContext* ctx, TestExpectStmt& s) {
  if (!ctx) return;
  if (auto* c = dynamic_cast<P::ExpectStageContext*>(ctx)) {
    s.what = ExpectKind::Stage;
    s.name = stageName(c->stageName());
  } else if (auto* c = dynamic_cast<P::ExpectTaskContext*>(ctx)) {
    s.what = ExpectKind::Task;
    s.negated = c->NO();
    if (c->taskTypeRef()) s.taskType = ident(c->taskTypeRef());
    s.text = optText(c->STRING());
  } else if (auto* c = dynamic_cast<P::ExpectEmailContext*>(ctx)) {
    s.what = ExpectKind::Email;
    s.negated = c->NO();
    s.name = ident(c->ident());
  } else if (auto* c = dynamic_cast<P::ExpectMessageContext*>(ctx)) {
    s.what = ExpectKind::Message;
    s.negated = c->NO();
    s.name = ident(c->ident());
  } else if (auto* c = dynamic_cast<P::ExpectSmsContext*>(ctx)) {
    s.what = ExpectKind::Sms;
    s.negated = c->NO();
    s.text = optText(c->STRING());
  } else if (auto* c = dynamic_cast<P::ExpectWebhookContext*>(ctx)) {
    s.what = ExpectKind::Webhook;
    s.negated = c->NO();
    s.text = optText(c->STRING());
  } else if (auto* c = dynamic_cast<P::ExpectRequestContext*>(ctx)) {
    s.what = ExpectKind::Request;
    s.negated = c->NO();
    s.name = ident(c->ident());
  } else if (auto* c = dynamic_cast<P::ExpectTagContext*>(ctx)) {
    s.what = ExpectKind::Tag;
    s.negated = c->NO();
    s.text = optText(c->STRING());
  } else if (auto* c = dynamic_cast<P::ExpectNoteContext*>(ctx)) {
    s.what = ExpectKind::Note;
    s.negated = c->NO();
    s.text = optText(c->STRING());
  } else if (auto* c = dynamic_cast<P::ExpectNotifyContext*>(ctx)) {
    s.what = ExpectKind::Notify;
    s.negated = c->NO();
    s.name = ident(c->ident());
    s.text = optText(c->STRING());
  } else if (auto* c = dynamic_cast<P::ExpectAnalyticsContext*>(ctx)) {
    s.what = ExpectKind::Analytics;
    s.negated = c->NO();
    s.text = optText(c->STRING());
  } else if (auto* c = dynamic_cast<P::ExpectResponsibleContext*>(ctx)) {
    s.what = ExpectKind::Responsible;
    s.name = ident(c->ident());
  } else if (auto* c = dynamic_cast<P::ExpectDealInContext*>(ctx)) {
    s.what = ExpectKind::DealIn;
    auto [pipeline, stage] = stagePath(c->stagePath());
    s.name = pipeline;
    s.stage = stage;
  } else if (dynamic_cast<P::ExpectWonContext*>(ctx)) {
    s.what = ExpectKind::Won;
  } else if (auto* c = dynamic_cast<P::ExpectLostContext*>(ctx)) {
    s.what = ExpectKind::Lost;
    s.text = optText(c->STRING());
  } else if (auto* c = dynamic_cast<P::ExpectExprContext*>(ctx)) {
    s.what = ExpectKind::Condition;
    s.condition = expression(c->expression());
  }
}

DeclPtr AstBuilder::topItem(P::TopItemContext* ctx) {
  DeclPtr d = buildTopItem(ctx);
  if (d) d->range = pos_->of(ctx);
  return d;
}

DeclPtr AstBuilder::buildTopItem(P::TopItemContext* ctx) {
  if (auto* c = ctx->useDecl()) {
    auto u = std::make_unique<UseDecl>();
    if (c->STRING()) {
      Text t = text(c->STRING());
      u->isFile = true;
      u->path = t.value;
      u->pathRange = t.range;
    } else if (c->modulePath()) {
      u->path = c->modulePath()->getText();
      u->pathRange = pos_->of(c->modulePath());
    }
    return u;
  }
  if (auto* c = ctx->accountDecl()) {
    auto cal = calendar(DeclKind::Account, c->calendarItem());
    cal->title = optText(c->STRING());
    return cal;
  }
  if (auto* c = ctx->calendarDecl()) {
    auto cal = calendar(DeclKind::Calendar, c->calendarItem());
    cal->name = ident(c->ident());
    cal->title = optText(c->STRING());
    return cal;
  }
  if (auto* c = ctx->fieldDecl()) {
    auto f = std::make_unique<FieldDecl>();
    f->name = ident(c->ident());
    f->type = fieldType(c->fieldType());
    f->title = optText(c->STRING());
    if (c->expression()) f->defaultValue = expression(c->expression());
    return f;
  }
  if (auto* c = ctx->teamDecl()) {
    auto t = std::make_unique<TeamDecl>();
    t->name = ident(c->ident());
    t->title = optText(c->STRING());
    for (auto* m : c->teamMember()) t->members.push_back(TeamDecl::Member{ident(m->ident()), optText(m->STRING())});
    return t;
  }
  if (auto* c = ctx->templateDecl()) {
    auto t = std::make_unique<TemplateDecl>();
    if (auto* k = c->templateKind()) {
      t->templateKind = k->EMAIL() ? TemplateKind::Email : k->MESSAGE() ? TemplateKind::Message : TemplateKind::Sms;
    }
    t->name = ident(c->ident());
    if (c->STRING()) t->title = interpolated(c->STRING());
    std::optional<SourceRange> bodySeen, subjectSeen;
    for (auto* item : c->templateItem()) {
      SourceRange r = pos_->of(item);
      if (auto* b = dynamic_cast<P::TemplateBodyContext*>(item)) {
        duplicateClause(bodySeen, r, "body", "template");
        bodySeen = r;
        t->body = interpolated(b->STRING());
      } else if (auto* s = dynamic_cast<P::TemplateSubjectContext*>(item)) {
        duplicateClause(subjectSeen, r, "subject", "template");
        subjectSeen = r;
        t->subject = interpolated(s->STRING());
      }
    }
    return t;
  }
  if (auto* c = ctx->formDecl()) {
    auto f = std::make_unique<FormDecl>();
    auto ids = c->ident();
    if (!ids.empty()) f->name = ident(ids[0]);
    for (size_t i = 1; i < ids.size(); ++i) f->fields.push_back(ident(ids[i]));
    f->title = optText(c->STRING());
    return f;
  }
  if (auto* c = ctx->integrationDecl()) {
    auto i = std::make_unique<IntegrationDecl>();
    i->name = ident(c->ident());
    i->title = optText(c->STRING());
    std::optional<SourceRange> urlSeen;
    for (auto* item : c->integrationItem()) {
      SourceRange r = pos_->of(item);
      if (auto* u = dynamic_cast<P::IntegrationUrlContext*>(item)) {
        duplicateClause(urlSeen, r, "url", "integration");
        urlSeen = r;
        i->url = interpolated(u->STRING());
      } else if (auto* a = dynamic_cast<P::IntegrationAnswersContext*>(item)) {
        for (auto* e : a->ident()) i->answers.push_back(ident(e));
      }
    }
    return i;
  }
  if (auto* c = ctx->eventDecl()) {
    auto e = std::make_unique<EventDecl>();
    e->name = ident(c->ident());
    e->title = optText(c->STRING());
    for (auto* p : c->eventParam()) e->params.push_back(EventDecl::Param{ident(p->name()), fieldType(p->fieldType())});
    return e;
  }
  if (auto* c = ctx->taskTypeDecl()) {
    auto s = std::make_unique<SimpleDecl>(DeclKind::TaskType);
    s->name = ident(c->ident());
    s->title = optText(c->STRING());
    return s;
  }
  if (auto* c = ctx->channelDecl()) {
    auto s = std::make_unique<SimpleDecl>(DeclKind::Channel);
    s->name = ident(c->ident());
    s->title = optText(c->STRING());
    return s;
  }
  if (auto* c = ctx->reasonsDecl()) {
    auto r = std::make_unique<ReasonsDecl>();
    r->name = ident(c->ident());
    r->reasons = lossReasons(c->lossReasonList());
    return r;
  }
  if (auto* c = ctx->pipelineDecl()) return pipeline(c);
  if (auto* c = ctx->testDecl()) return testDecl(c);
  if (auto* c = ctx->ruleDecl()) return rule(c);
  return nullptr;
}

void AstBuilder::build(P::FileContext* file, Module& module) {
  if (!file) return;
  for (auto* item : file->topItem()) {
    if (DeclPtr d = topItem(item)) module.decls.push_back(std::move(d));
  }
}

}  // namespace voronka::parse
