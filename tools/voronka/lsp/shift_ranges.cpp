#include "tools/voronka/lsp/shift_ranges.h"

namespace voronka::lsp {
namespace {

// Visits every SourceRange of the AST, node by node as ast.h declares them.
// A range left out here would point at the wrong place after an edit; the
// unit test lsp_chunked_parse_test compares chunked and whole-file parses.
class Shifter {
 public:
  explicit Shifter(int64_t delta) : delta_(delta) {}

  void module(ast::Module& m) {
    for (auto& d : m.decls) decl(*d);
    for (auto& c : m.comments) r(c.range);
  }
  void r(SourceRange& range) {
    if (!range.valid()) return;
    range.begin = static_cast<uint32_t>(range.begin + delta_);
    range.end = static_cast<uint32_t>(range.end + delta_);
  }

 private:
  int64_t delta_;

  void r(std::optional<SourceRange>& range) {
    if (range) r(*range);
  }
  void id(ast::Ident& i) { r(i.range); }
  void id(std::optional<ast::Ident>& i) {
    if (i) id(*i);
  }
  void text(ast::Text& t) { r(t.range); }
  void text(std::optional<ast::Text>& t) {
    if (t) text(*t);
  }
  void text(ast::InterpolatedText& t) {
    r(t.range);
    for (auto& p : t.parts) {
      r(p.range);
      expr(p.expr.get());
    }
  }
  void text(std::optional<ast::InterpolatedText>& t) {
    if (t) text(*t);
  }
  void duration(ast::Duration& d) { r(d.range); }
  void time(ast::TimeOfDay& t) { r(t.range); }
  void date(ast::Date& d) { r(d.range); }
  void path(ast::Path& p) {
    r(p.range);
    for (auto& i : p.parts) id(i);
  }
  void entries(std::vector<ast::MapEntry>& es) {
    for (auto& e : es) {
      id(e.key);
      expr(e.value.get());
    }
  }
  void type(ast::TypeSyntax& t) {
    r(t.range);
    id(t.name);
    for (auto& m : t.members) {
      id(m.name);
      text(m.title);
    }
  }
  void eventRef(ast::EventRef& e) {
    r(e.range);
    id(e.name);
    id(e.arg);
  }
  void eventRef(std::optional<ast::EventRef>& e) {
    if (e) eventRef(*e);
  }
  void target(ast::MoveTarget& t) {
    r(t.range);
    id(t.pipeline);
    id(t.stage);
  }
  void assignee(ast::Assignee& a) {
    r(a.range);
    id(a.name);
    id(a.team);
  }

  void expr(ast::Expr* e) {
    if (!e) return;
    r(e->range);
    using K = ast::ExprKind;
    switch (e->kind) {
      case K::Duration: duration(e->as<ast::DurationExpr>().value); break;
      case K::Time: time(e->as<ast::TimeExpr>().value); break;
      case K::Date: date(e->as<ast::DateExpr>().value); break;
      case K::DateTime: {
        auto& d = e->as<ast::DateTimeExpr>();
        date(d.date);
        time(d.time);
        break;
      }
      case K::Member: {
        auto& m = e->as<ast::MemberExpr>();
        expr(m.base.get());
        id(m.member);
        break;
      }
      case K::Call: {
        auto& c = e->as<ast::CallExpr>();
        expr(c.callee.get());
        for (auto& a : c.args) expr(a.get());
        break;
      }
      case K::Unary: expr(e->as<ast::UnaryExpr>().operand.get()); break;
      case K::Binary: {
        // Left-deep chains iterate instead of recursing.
        ast::Expr* cur = e;
        bool first = true;
        while (cur && cur->kind == K::Binary) {
          auto& b = cur->as<ast::BinaryExpr>();
          if (!first) r(b.range);
          first = false;
          r(b.opRange);
          expr(b.rhs.get());
          cur = b.lhs.get();
        }
        expr(cur);
        break;
      }
      case K::List:
        for (auto& i : e->as<ast::ListExpr>().items) expr(i.get());
        break;
      case K::If: {
        auto& i = e->as<ast::IfExpr>();
        for (auto& b : i.branches) {
          expr(b.condition.get());
          expr(b.value.get());
        }
        expr(i.elseValue.get());
        break;
      }
      default: break;
    }
  }

  void block(ast::Block& b) {
    r(b.range);
    for (auto& a : b.actions) action(*a);
  }

  void action(ast::Action& a) {
    r(a.range);
    using K = ast::ActionKind;
    switch (a.kind) {
      case K::Move: target(a.as<ast::MoveAction>().target); break;
      case K::Win: break;
      case K::Lose: text(a.as<ast::LoseAction>().reason); break;
      case K::Task: {
        auto& t = a.as<ast::TaskAction>();
        id(t.type);
        text(t.text);
        if (t.due) duration(*t.due);
        expr(t.at.get());
        id(t.to);
        r(t.withinWorkhours);
        break;
      }
      case K::CompleteTasks: {
        auto& c = a.as<ast::CompleteTasksAction>();
        id(c.type);
        text(c.comment);
        break;
      }
      case K::Email:
      case K::Message:
      case K::Sms: {
        auto& s = a.as<ast::SendAction>();
        id(s.templateName);
        text(s.text);
        id(s.from);
        id(s.via);
        r(s.withinWorkhours);
        break;
      }
      case K::Webhook: {
        auto& w = a.as<ast::WebhookAction>();
        text(w.url);
        entries(w.body);
        break;
      }
      case K::Request: {
        auto& q = a.as<ast::RequestAction>();
        id(q.integration);
        entries(q.body);
        break;
      }
      case K::Analytics: {
        auto& an = a.as<ast::AnalyticsAction>();
        text(an.event);
        expr(an.label.get());
        break;
      }
      case K::Tag: text(a.as<ast::TagAction>().tag); break;
      case K::Set: {
        auto& s = a.as<ast::SetAction>();
        path(s.target);
        expr(s.value.get());
        break;
      }
      case K::Assign: assignee(a.as<ast::AssignAction>().who); break;
      case K::CreateDeal: {
        auto& c = a.as<ast::CreateDealAction>();
        id(c.pipeline);
        id(c.stage);
        for (auto& i : c.copy) id(i);
        if (c.assign) assignee(*c.assign);
        break;
      }
      case K::Questionnaire: {
        auto& q = a.as<ast::QuestionnaireAction>();
        id(q.form);
        id(q.field);
        break;
      }
      case K::Note: text(a.as<ast::NoteAction>().text); break;
      case K::Notify: {
        auto& n = a.as<ast::NotifyAction>();
        id(n.recipient);
        text(n.text);
        break;
      }
      case K::If: {
        auto& i = a.as<ast::IfAction>();
        for (auto& b : i.branches) {
          expr(b.condition.get());
          block(b.block);
        }
        if (i.elseBlock) block(*i.elseBlock);
        break;
      }
      case K::Split: {
        auto& s = a.as<ast::SplitAction>();
        r(s.percentRange);
        block(s.first);
        if (s.second) block(*s.second);
        break;
      }
      case K::Then: {
        auto& t = a.as<ast::ThenAction>();
        duration(t.delay);
        r(t.withinWorkhours);
        block(t.block);
        break;
      }
    }
  }

  void rule(ast::Rule& ru) {
    r(ru.range);
    eventRef(ru.event);
    id(ru.from);
    r(ru.once);
    expr(ru.when.get());
    r(ru.timing.range);
    duration(ru.timing.delay);
    if (ru.timing.atTime) time(*ru.timing.atTime);
    expr(ru.timing.at.get());
    expr(ru.timing.whileCondition.get());
    eventRef(ru.unless);
    r(ru.withinWorkhours);
    block(ru.body);
  }

  void reasons(std::vector<ast::LossReason>& rs) {
    for (auto& x : rs) {
      r(x.range);
      text(x.text);
    }
  }

  void stage(ast::Stage& s) {
    r(s.range);
    id(s.name);
    text(s.title);
    r(s.initial);
    r(s.key);
    for (auto& g : s.guards) {
      r(g.range);
      expr(g.condition.get());
      text(g.message);
    }
    for (auto& ru : s.rules) rule(*ru);
    if (s.reasons) reasons(*s.reasons);
    id(s.reasonsRef);
    r(s.reasonsKeyword);
  }

  void decl(ast::Decl& d) {
    using K = ast::DeclKind;
    if (d.kind != K::Rule) r(d.range);  // a Rule is its own Decl: rule() moves its range
    switch (d.kind) {
      case K::Use: r(d.as<ast::UseDecl>().pathRange); break;
      case K::Account:
      case K::Calendar: {
        auto& c = d.as<ast::CalendarDecl>();
        id(c.name);
        text(c.title);
        text(c.timezone);
        for (auto& w : c.workhours) {
          r(w.range);
          id(w.fromDay);
          id(w.toDay);
          for (auto& win : w.windows) {
            r(win.range);
            time(win.from);
            time(win.to);
          }
        }
        r(c.workhoursRange);
        for (auto& h : c.holidays) {
          r(h.range);
          date(h.from);
          if (h.to) date(*h.to);
        }
        id(c.currency);
        break;
      }
      case K::Field: {
        auto& f = d.as<ast::FieldDecl>();
        id(f.name);
        type(f.type);
        text(f.title);
        expr(f.defaultValue.get());
        break;
      }
      case K::Team: {
        auto& t = d.as<ast::TeamDecl>();
        id(t.name);
        text(t.title);
        for (auto& m : t.members) {
          id(m.name);
          text(m.title);
        }
        break;
      }
      case K::Template: {
        auto& t = d.as<ast::TemplateDecl>();
        id(t.name);
        text(t.title);
        text(t.subject);
        text(t.body);
        break;
      }
      case K::Form: {
        auto& f = d.as<ast::FormDecl>();
        id(f.name);
        text(f.title);
        for (auto& i : f.fields) id(i);
        break;
      }
      case K::Integration: {
        auto& in = d.as<ast::IntegrationDecl>();
        id(in.name);
        text(in.title);
        text(in.url);
        for (auto& a : in.answers) id(a);
        break;
      }
      case K::Event: {
        auto& e = d.as<ast::EventDecl>();
        id(e.name);
        for (auto& p : e.params) {
          id(p.name);
          type(p.type);
        }
        text(e.title);
        break;
      }
      case K::TaskType:
      case K::Channel: {
        auto& s = d.as<ast::SimpleDecl>();
        id(s.name);
        text(s.title);
        break;
      }
      case K::Reasons: {
        auto& rd = d.as<ast::ReasonsDecl>();
        id(rd.name);
        reasons(rd.reasons);
        break;
      }
      case K::Pipeline: {
        auto& p = d.as<ast::PipelineDecl>();
        id(p.name);
        text(p.title);
        for (auto& pol : p.policies) {
          r(pol.range);
          id(pol.calendar);
        }
        for (auto& s : p.stages) stage(*s);
        for (auto& ru : p.rules) rule(*ru);
        break;
      }
      case K::Test: {
        auto& t = d.as<ast::TestDecl>();
        text(t.title);
        for (auto& s : t.statements) testStmt(*s);
        break;
      }
      case K::Rule: rule(d.as<ast::Rule>()); break;
    }
  }

  void testStmt(ast::TestStmt& s) {
    r(s.range);
    using K = ast::TestStmtKind;
    switch (s.kind) {
      case K::Deal: {
        auto& d = s.as<ast::TestDealStmt>();
        id(d.name);
        id(d.pipeline);
        id(d.stage);
        for (auto& f : d.fields) {
          path(f.path);
          expr(f.value.get());
        }
        break;
      }
      case K::Advance: duration(s.as<ast::TestAdvanceStmt>().by); break;
      case K::AdvanceTo: {
        auto& a = s.as<ast::TestAdvanceToStmt>();
        date(a.date);
        time(a.time);
        break;
      }
      case K::Event: {
        auto& e = s.as<ast::TestEventStmt>();
        eventRef(e.event);
        id(e.deal);
        entries(e.payload);
        break;
      }
      case K::Set: {
        auto& st = s.as<ast::TestSetStmt>();
        path(st.target);
        expr(st.value.get());
        break;
      }
      case K::ManualMove: {
        auto& m = s.as<ast::TestManualMoveStmt>();
        id(m.deal);
        target(m.target);
        text(m.reason);
        text(m.rejectedMessage);
        break;
      }
      case K::Expect: {
        auto& e = s.as<ast::TestExpectStmt>();
        id(e.name);
        id(e.stage);
        id(e.taskType);
        text(e.text);
        expr(e.condition.get());
        id(e.deal);
        break;
      }
    }
  }
};

}  // namespace

void shiftRanges(ast::Module& module, int64_t delta) {
  if (delta != 0) Shifter(delta).module(module);
}

void shiftRanges(Diagnostic& d, int64_t delta) {
  Shifter s(delta);
  s.r(d.range);
  for (auto& n : d.notes) s.r(n.range);
}

}  // namespace voronka::lsp
