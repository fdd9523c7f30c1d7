// The AST dump: one node per line, children indented, expressions as
// S-expressions, `@line:col` on nodes that start a line of source.
#include <fmt/format.h>

#include <cmath>

#include "compiler/ast/ast.h"
#include "compiler/ast/print.h"

namespace voronka::ast {
namespace {

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  out += '"';
  return out;
}

std::string durationText(const Duration& d) {
  if (!d.hasUnit) return fmt::format("{}?", d.seconds);
  if (d.workdays) return fmt::format("{}workdays", d.workdays);
  return fmt::format("{}s", d.seconds);
}

std::string timeText(const TimeOfDay& t) { return fmt::format("{:02}:{:02}", t.minutes / 60, t.minutes % 60); }
std::string dateText(const Date& d) { return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day); }

class Dumper {
 public:
  explicit Dumper(const SourceManager& sources) : sources_(sources) {}

  std::string run(const Module& m) {
    line(0, fmt::format("module {}", quote(m.path)));
    for (const auto& d : m.decls) decl(1, *d);
    return std::move(out_);
  }

 private:
  const SourceManager& sources_;
  std::string out_;

  std::string at(const SourceRange& r) const {
    if (!r.valid()) return "";
    LineColumn p = sources_.file(r.file).position(r.begin);
    return fmt::format(" @{}:{}", p.line, p.column);
  }
  void line(int depth, const std::string& text) {
    out_.append(static_cast<size_t>(depth) * 2, ' ');
    out_ += text;
    out_ += '\n';
  }
  static std::string opt(const std::optional<Text>& t) { return t ? " " + quote(t->value) : ""; }
  static std::string opt(const std::optional<InterpolatedText>& t) { return t ? " " + quote(t->display()) : ""; }

  std::string type(const TypeSyntax& t) {
    if (!t.isEnum) return t.name.text;
    std::string s = "enum{";
    for (size_t i = 0; i < t.members.size(); ++i) {
      if (i) s += ' ';
      s += t.members[i].name.text;
      if (t.members[i].title) s += "=" + quote(t.members[i].title->value);
    }
    return s + "}";
  }

  static std::string event(const EventRef& e) {
    std::string s = e.name.text;
    if (e.arg) s += "(" + (e.argIsString ? quote(e.arg->text) : e.arg->text) + ")";
    return s;
  }
  static std::string target(const MoveTarget& t) {
    if (t.isNext) return "next";
    return t.pipeline ? t.pipeline->text + "." + t.stage.text : t.stage.text;
  }
  static std::string map(const std::vector<MapEntry>& entries) {
    std::string s = "{";
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i) s += ", ";
      s += entries[i].key.text + ": " + print(*entries[i].value);
    }
    return s + "}";
  }

  void decl(int depth, const Decl& d) {
    switch (d.kind) {
      case DeclKind::Use: {
        const auto& u = d.as<UseDecl>();
        line(depth, fmt::format("use {}{}", u.isFile ? quote(u.path) : u.path, at(d.range)));
        break;
      }
      case DeclKind::Account:
      case DeclKind::Calendar: {
        const auto& c = d.as<CalendarDecl>();
        line(depth, fmt::format("{}{}{}{}", d.kind == DeclKind::Account ? "account" : "calendar ",
                                c.name.text, opt(c.title), at(d.range)));
        if (c.timezone) line(depth + 1, "timezone " + quote(c.timezone->value));
        for (const auto& w : c.workhours) {
          std::string s = "workhours " + w.fromDay.text;
          if (w.toDay) s += ".." + w.toDay->text;
          for (const auto& win : w.windows) s += " " + timeText(win.from) + "-" + timeText(win.to);
          line(depth + 1, s);
        }
        for (const auto& h : c.holidays) {
          line(depth + 1, "holiday " + dateText(h.from) + (h.to ? ".." + dateText(*h.to) : ""));
        }
        if (c.currency) line(depth + 1, "currency " + c.currency->text);
        break;
      }
      case DeclKind::Field: {
        const auto& f = d.as<FieldDecl>();
        line(depth, fmt::format("field {}: {}{}{}{}", f.name.text, type(f.type), opt(f.title),
                                f.defaultValue ? " = " + print(*f.defaultValue) : "", at(d.range)));
        break;
      }
      case DeclKind::Team: {
        const auto& t = d.as<TeamDecl>();
        line(depth, fmt::format("team {}{}{}", t.name.text, opt(t.title), at(d.range)));
        for (const auto& m : t.members) line(depth + 1, "member " + m.name.text + opt(m.title));
        break;
      }
      case DeclKind::Template: {
        const auto& t = d.as<TemplateDecl>();
        static const char* kinds[] = {"email", "message", "sms"};
        line(depth, fmt::format("template {} {}{}{}", kinds[static_cast<int>(t.templateKind)], t.name.text,
                                opt(t.title), at(d.range)));
        if (t.subject) line(depth + 1, "subject " + quote(t.subject->display()));
        if (t.body) line(depth + 1, "body " + quote(t.body->display()));
        break;
      }
      case DeclKind::Form: {
        const auto& f = d.as<FormDecl>();
        std::string s = fmt::format("form {}{} fields", f.name.text, opt(f.title));
        for (const auto& x : f.fields) s += " " + x.text;
        line(depth, s + at(d.range));
        break;
      }
      case DeclKind::Integration: {
        const auto& i = d.as<IntegrationDecl>();
        line(depth, fmt::format("integration {}{}{}", i.name.text, opt(i.title), at(d.range)));
        if (i.url) line(depth + 1, "url " + quote(i.url->display()));
        for (const auto& a : i.answers) line(depth + 1, "answers " + a.text);
        break;
      }
      case DeclKind::Event: {
        const auto& e = d.as<EventDecl>();
        std::string s = "event " + e.name.text + "(";
        for (size_t i = 0; i < e.params.size(); ++i) {
          if (i) s += ", ";
          s += e.params[i].name.text + ": " + type(e.params[i].type);
        }
        line(depth, s + ")" + opt(e.title) + at(d.range));
        break;
      }
      case DeclKind::TaskType:
      case DeclKind::Channel: {
        const auto& s = d.as<SimpleDecl>();
        line(depth, fmt::format("{} {}{}{}", d.kind == DeclKind::TaskType ? "task type" : "channel", s.name.text,
                                opt(s.title), at(d.range)));
        break;
      }
      case DeclKind::Reasons: {
        const auto& r = d.as<ReasonsDecl>();
        line(depth, fmt::format("reasons {}{}", r.name.text, at(d.range)));
        reasons(depth + 1, r.reasons);
        break;
      }
      case DeclKind::Pipeline: pipeline(depth, d.as<PipelineDecl>()); break;
      case DeclKind::Test: test(depth, d.as<TestDecl>()); break;
      case DeclKind::Rule: rule(depth, d.as<Rule>()); break;
    }
  }

  void reasons(int depth, const std::vector<LossReason>& list) {
    for (const auto& r : list) line(depth, fmt::format("reason{} {}", r.isOther ? " other" : "", quote(r.text.value)));
  }

  void pipeline(int depth, const PipelineDecl& p) {
    line(depth, fmt::format("pipeline {}{}{}", p.name.text, opt(p.title), at(p.range)));
    static const char* kinds[] = {"manual forward", "manual backward", "triggers forward", "triggers backward", "calendar"};
    for (const auto& pol : p.policies) {
      line(depth + 1, fmt::format("policy {} {}", kinds[static_cast<int>(pol.kind)],
                                  pol.kind == PolicyKind::Calendar ? pol.calendar.text : (pol.allow ? "allow" : "deny")));
    }
    for (const auto& r : p.rules) rule(depth + 1, *r);
    for (const auto& s : p.stages) stage(depth + 1, *s);
  }

  void stage(int depth, const Stage& s) {
    static const char* kinds[] = {"stage", "won", "lost"};
    std::string head = kinds[static_cast<int>(s.kind)];
    if (s.kind == StageKind::Working) head += " " + s.name.text;
    head += opt(s.title);
    if (s.initial) head += " initial";
    if (s.key) head += " key";
    line(depth, head + at(s.range));
    for (const auto& g : s.guards) {
      line(depth + 1, "require " + print(*g.condition) + opt(g.message));
    }
    if (s.reasonsRef) line(depth + 1, "reasons " + s.reasonsRef->text);
    if (s.reasons) reasons(depth + 1, *s.reasons);
    for (const auto& r : s.rules) rule(depth + 1, *r);
  }

  void rule(int depth, const Rule& r) {
    std::string head = "rule";
    if (r.event) head += " on " + event(*r.event);
    if (r.from) head += " from " + r.from->text;
    if (r.once) head += " once";
    switch (r.timing.kind) {
      case TimingKind::None: break;
      case TimingKind::After:
        head += " after " + durationText(r.timing.delay);
        if (r.timing.atTime) head += " at " + timeText(*r.timing.atTime);
        break;
      case TimingKind::At: head += " at " + print(*r.timing.at); break;
      case TimingKind::Every:
        head += " every " + durationText(r.timing.delay);
        if (r.timing.whileCondition) head += " while " + print(*r.timing.whileCondition);
        break;
    }
    if (r.unless) head += " unless " + event(*r.unless);
    if (r.withinWorkhours) head += " within workhours";
    if (r.when) head += " when " + print(*r.when);
    if (r.arrowForm) head += " (arrow)";
    line(depth, head + at(r.range));
    block(depth + 1, r.body);
  }

  void block(int depth, const Block& b) {
    for (const auto& a : b.actions) action(depth, *a);
  }

  void action(int depth, const Action& a) {
    std::string s = keyword(a.kind);
    switch (a.kind) {
      case ActionKind::Move: s += " " + target(a.as<MoveAction>().target); break;
      case ActionKind::Win: break;
      case ActionKind::Lose: s += opt(a.as<LoseAction>().reason); break;
      case ActionKind::Task: {
        const auto& t = a.as<TaskAction>();
        if (t.type) s += " " + t.type->text;
        s += " " + quote(t.text.display());
        if (t.due) s += " due " + durationText(*t.due);
        if (t.at) s += " at " + print(*t.at);
        if (t.to) s += " to " + t.to->text;
        if (t.withinWorkhours) s += " within workhours";
        break;
      }
      case ActionKind::CompleteTasks: {
        const auto& c = a.as<CompleteTasksAction>();
        static const char* filters[] = {"", " all", " overdue", " today", " tomorrow"};
        if (c.type) s += " " + c.type->text;
        s += filters[static_cast<int>(c.filter)];
        if (c.comment) s += " comment " + quote(c.comment->value);
        break;
      }
      case ActionKind::Email:
      case ActionKind::Message:
      case ActionKind::Sms: {
        const auto& m = a.as<SendAction>();
        s += " " + (m.templateName.text.empty() ? quote(m.text.display()) : m.templateName.text);
        if (m.from) s += " from " + m.from->text;
        if (m.via) s += " via " + m.via->text;
        if (m.withinWorkhours) s += " within workhours";
        break;
      }
      case ActionKind::Webhook: {
        const auto& w = a.as<WebhookAction>();
        s += " " + quote(w.url.display());
        if (!w.body.empty()) s += " with " + map(w.body);
        break;
      }
      case ActionKind::Request: {
        const auto& r = a.as<RequestAction>();
        s += " " + r.integration.text;
        if (!r.body.empty()) s += " with " + map(r.body);
        break;
      }
      case ActionKind::Analytics: {
        const auto& an = a.as<AnalyticsAction>();
        s += " " + quote(an.event.value);
        if (an.label) s += " label " + print(*an.label);
        break;
      }
      case ActionKind::Tag: {
        const auto& t = a.as<TagAction>();
        s += std::string(t.add ? " + " : " - ") + quote(t.tag.value);
        break;
      }
      case ActionKind::Set: {
        const auto& st = a.as<SetAction>();
        s += " " + st.target.joined() + " = " + print(*st.value);
        break;
      }
      case ActionKind::Assign: s += " " + assignee(a.as<AssignAction>().who); break;
      case ActionKind::CreateDeal: {
        const auto& c = a.as<CreateDealAction>();
        s += " in " + c.pipeline.text + (c.stage ? "." + c.stage->text : "");
        if (!c.copy.empty()) {
          s += " copy";
          for (const auto& f : c.copy) s += " " + f.text;
        }
        if (c.assign) s += " assign " + assignee(*c.assign);
        break;
      }
      case ActionKind::Questionnaire: {
        const auto& q = a.as<QuestionnaireAction>();
        s += " " + q.form.text + " -> " + q.field.text;
        break;
      }
      case ActionKind::Note: s += " " + quote(a.as<NoteAction>().text.display()); break;
      case ActionKind::Notify: {
        const auto& n = a.as<NotifyAction>();
        s += " " + n.recipient.text + " " + quote(n.text.display());
        break;
      }
      case ActionKind::If: {
        const auto& i = a.as<IfAction>();
        for (size_t k = 0; k < i.branches.size(); ++k) {
          line(depth, (k == 0 ? "if " : "else if ") + print(*i.branches[k].condition) + (k == 0 ? at(a.range) : ""));
          block(depth + 1, i.branches[k].block);
        }
        if (i.elseBlock) {
          line(depth, "else");
          block(depth + 1, *i.elseBlock);
        }
        return;
      }
      case ActionKind::Split: {
        const auto& sp = a.as<SplitAction>();
        line(depth, fmt::format("split {}%{}", sp.percent, at(a.range)));
        block(depth + 1, sp.first);
        if (sp.second) {
          line(depth, "else");
          block(depth + 1, *sp.second);
        }
        return;
      }
      case ActionKind::Then: {
        const auto& t = a.as<ThenAction>();
        line(depth, "then after " + durationText(t.delay) + (t.withinWorkhours ? " within workhours" : "") + at(a.range));
        block(depth + 1, t.block);
        return;
      }
    }
    line(depth, s + at(a.range));
  }

  static std::string assignee(const Assignee& a) {
    return a.team ? a.name.text + "(" + a.team->text + ")" : a.name.text;
  }

  void test(int depth, const TestDecl& t) {
    line(depth, "test " + quote(t.title.value) + at(t.range));
    for (const auto& st : t.statements) testStmt(depth + 1, *st);
  }

  void testStmt(int depth, const TestStmt& st) {
    switch (st.kind) {
      case TestStmtKind::Deal: {
        const auto& d = st.as<TestDealStmt>();
        std::string s = "deal " + d.name.text + " in " + d.pipeline.text + (d.stage ? "." + d.stage->text : "");
        for (const auto& f : d.fields) s += " " + f.path.joined() + "=" + print(*f.value);
        line(depth, s + at(st.range));
        break;
      }
      case TestStmtKind::Advance:
        line(depth, "advance " + durationText(st.as<TestAdvanceStmt>().by) + at(st.range));
        break;
      case TestStmtKind::AdvanceTo: {
        const auto& a = st.as<TestAdvanceToStmt>();
        line(depth, "advance to " + dateText(a.date) + "T" + timeText(a.time) + at(st.range));
        break;
      }
      case TestStmtKind::Event: {
        const auto& e = st.as<TestEventStmt>();
        std::string s = "event " + event(e.event);
        if (e.deal) s += " on " + e.deal->text;
        if (!e.payload.empty()) s += " with " + map(e.payload);
        line(depth, s + at(st.range));
        break;
      }
      case TestStmtKind::Set: {
        const auto& s = st.as<TestSetStmt>();
        line(depth, "set " + s.target.joined() + " = " + print(*s.value) + at(st.range));
        break;
      }
      case TestStmtKind::ManualMove: {
        const auto& m = st.as<TestManualMoveStmt>();
        std::string s = "manual move " + m.deal.text + " -> " + target(m.target) + opt(m.reason);
        if (m.expectRejected) s += " expect rejected" + opt(m.rejectedMessage);
        line(depth, s + at(st.range));
        break;
      }
      case TestStmtKind::Expect: {
        const auto& e = st.as<TestExpectStmt>();
        std::string s = std::string("expect ") + (e.negated ? "no " : "") + keyword(e.what);
        if (e.what == ExpectKind::Condition) s += " " + print(*e.condition);
        if (e.taskType) s += " " + e.taskType->text;
        if (!e.name.text.empty()) s += " " + e.name.text;
        if (e.stage) s += "." + e.stage->text;
        s += opt(e.text);
        if (e.deal) s += " on " + e.deal->text;
        line(depth, s + at(st.range));
        break;
      }
    }
  }
};

}  // namespace

std::string print(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Number: {
      double v = e.as<NumberExpr>().value;
      if (std::floor(v) == v && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
      return fmt::format("{}", v);
    }
    case ExprKind::String: return quote(e.as<StringExpr>().value);
    case ExprKind::Duration: return durationText(e.as<DurationExpr>().value);
    case ExprKind::Time: return timeText(e.as<TimeExpr>().value);
    case ExprKind::Date: return dateText(e.as<DateExpr>().value);
    case ExprKind::DateTime: {
      const auto& d = e.as<DateTimeExpr>();
      return dateText(d.date) + "T" + timeText(d.time);
    }
    case ExprKind::Bool: return e.as<BoolExpr>().value ? "true" : "false";
    case ExprKind::None: return "none";
    case ExprKind::Name: return e.as<NameExpr>().name;
    case ExprKind::Member: {
      const auto& m = e.as<MemberExpr>();
      return print(*m.base) + "." + m.member.text;
    }
    case ExprKind::Call: {
      const auto& c = e.as<CallExpr>();
      std::string s = "(call " + print(*c.callee);
      for (const auto& a : c.args) s += " " + print(*a);
      return s + ")";
    }
    case ExprKind::Unary: {
      const auto& u = e.as<UnaryExpr>();
      return std::string("(") + (u.op == UnaryOp::Not ? "not " : "- ") + print(*u.operand) + ")";
    }
    case ExprKind::Binary: {
      const auto& b = e.as<BinaryExpr>();
      return std::string("(") + spelling(b.op) + " " + print(*b.lhs) + " " + print(*b.rhs) + ")";
    }
    case ExprKind::List: {
      std::string s = "[";
      const auto& l = e.as<ListExpr>();
      for (size_t i = 0; i < l.items.size(); ++i) s += (i ? " " : "") + print(*l.items[i]);
      return s + "]";
    }
    case ExprKind::If: {
      const auto& i = e.as<IfExpr>();
      std::string s = "(if";
      for (const auto& b : i.branches) s += " " + print(*b.condition) + " " + print(*b.value);
      return s + " else " + print(*i.elseValue) + ")";
    }
  }
  return "?";
}

std::string InterpolatedText::display() const {
  std::string s;
  for (const auto& p : parts) s += p.expr ? "{" + print(*p.expr) + "}" : p.literal;
  return s;
}

std::string dump(const Module& module, const SourceManager& sources) { return Dumper(sources).run(module); }

}  // namespace voronka::ast
