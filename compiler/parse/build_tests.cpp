// `test` blocks: their statements and expectations.
#include "compiler/parse/ast_builder.h"

#include "compiler/parse/literals.h"

namespace voronka::parse {

using namespace voronka::ast;

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
        FieldInit value{path(ik.rule(P::RulePath)), expression(ik.rule(P::RuleExpression))};
        // `responsible = ivanov` names a user, not a field: a reference of its own.
        std::string target = value.path.joined();
        if ((target == "responsible" || target == "deal.responsible") && value.value &&
            value.value->kind == ExprKind::Name) {
          duplicateClause(s->responsible ? std::optional(s->responsible->path.range) : std::nullopt, value.path.range,
                          "responsible", "test deal");
          UserRef user(Ident{value.value->as<NameExpr>().name, value.value->range});
          s->responsible = ResponsibleInit{std::move(value.path), std::move(user)};
          continue;
        }
        s->fields.push_back(std::move(value));
      }
      if (k.has(P::SPLIT)) {
        s->split = k.has(P::FIRST) ? SplitChoice::First : k.has(P::ELSE) ? SplitChoice::Else : SplitChoice::ByDeal;
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
      s.text = optText(k.token(P::STRING));  // `contains "…"`
      break;
    case P::MESSAGE:
      s.what = ExpectKind::Message;
      s.name = ident(k.rule(P::RuleIdent));
      s.text = optText(k.token(P::STRING));
      break;
    case P::SMS:
      s.what = ExpectKind::Sms;
      if (Ctx* templ = k.rule(P::RuleIdent)) s.name = ident(templ);
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
      if (Ctx* who = k.rule(P::RuleIdent)) s.name = ident(who);
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
    case P::UNDELIVERABLE:
      s.what = ExpectKind::Undeliverable;
      s.name = ident(k.rule(P::RuleName));
      break;
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

}  // namespace voronka::parse
