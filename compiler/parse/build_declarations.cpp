// Top-level declarations (use, account, calendars, fields, teams, templates,
// forms, integrations, events, reasons) and pipelines with their stages.
#include "compiler/parse/ast_builder.h"

namespace voronka::parse {

using namespace voronka::ast;

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
  std::optional<SourceRange> tzSeen, currencySeen, languageSeen;
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
      case P::LANGUAGE:
        duplicateClause(languageSeen, r, "language", where);
        languageSeen = r;
        c->language = ident(k.rule(P::RuleIdent));
        break;
      default: break;
    }
  }
  return c;
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
    case P::RuleEnumDecl: {
      auto e = std::make_unique<EnumDecl>();
      e->name = ident(k.rule(P::RuleIdent));
      e->title = optText(k.token(P::STRING));
      e->members = enumMembers(k.rules(P::RuleEnumMember));
      return e;
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
        t->templateKind = code == P::EMAIL     ? TemplateKind::Email
                          : code == P::MESSAGE ? TemplateKind::Message
                                               : TemplateKind::Sms;
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

}  // namespace voronka::parse
