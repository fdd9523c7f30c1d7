// Blocks and their actions: moves, win and lose, tasks, messages, webhooks
// and requests, `set`, `assign`, `create deal`, `if`, `split`, `then after`,
// and the clauses of sending (`from`, `via`, `within workhours`).
#include "compiler/parse/ast_builder.h"

#include "compiler/parse/literals.h"

namespace voronka::parse {

using namespace voronka::ast;

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
          case R | P::RuleWorkhoursShift:
            duplicateClause(within, r, "within workhours", "task");
            within = r;
            a->withinWorkhours = withinWorkhours(ck.rule(P::RuleWorkhoursShift));
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
      ActionKind kind = k.firstCode() == P::EMAIL     ? ActionKind::Email
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
      if (Ctx* within = k.rule(P::RuleWorkhoursShift)) a->withinWorkhours = withinWorkhours(within);
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
      case R | P::RuleWorkhoursShift:
        duplicateClause(within, r, "within workhours", what);
        within = r;
        a.withinWorkhours = withinWorkhours(ck.rule(P::RuleWorkhoursShift));
        break;
      default: break;
    }
  }
}

}  // namespace voronka::parse
