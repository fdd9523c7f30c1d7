// Builds the Index: pass 1 declares every name of every file, pass 2 walks
// every place a name is used and resolves it in context (the pipeline of a
// rule for stage names, the rule's event for payload fields, the current
// deal of a test).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "compiler/index/index.h"

namespace voronka::index {
namespace {

using check::CheckedProgram;
using check::NameKind;

std::string typeText(const ast::TypeSyntax& t) {
  if (!t.isEnum) return t.name.text;
  std::string out = "enum {";
  for (size_t i = 0; i < t.members.size(); ++i) out += (i ? ", " : " ") + t.members[i].name.text;
  return out + " }";
}

std::string quoted(const std::optional<ast::Text>& t) { return t ? fmt::format(" \"{}\"", t->value) : ""; }

const char* templateKind(ast::TemplateKind k) {
  switch (k) {
    case ast::TemplateKind::Email: return "email";
    case ast::TemplateKind::Message: return "message";
    case ast::TemplateKind::Sms: return "sms";
  }
  return "";
}

// Which declared things a built-in event's filter argument names (as the checker's built-in table says).
check::EventArgKind builtinArgKind(std::string_view event) {
  using K = check::EventArgKind;
  if (event == "email_opened" || event == "link_clicked") return K::AnyTemplate;
  if (event == "form_submitted") return K::Form;
  if (event == "chat_message") return K::Channel;
  if (event == "task_completed" || event == "task_overdue") return K::TaskType;
  if (event == "field_changed") return K::Field;
  return K::None;
}

struct RuleContext {
  std::string pipeline;  // empty for a top-level rule
  std::string event;     // the rule's event, for payload fields
};

class Builder {
 public:
  Builder(const std::vector<const ast::Module*>& modules, const CheckedProgram* program)
      : modules_(modules), program_(program) {}

  Index run() {
    for (const auto* m : modules_) {
      for (const auto& d : m->decls) declare(*d);
    }
    for (const auto* m : modules_) {
      for (const auto& d : m->decls) references(*d);
    }
    std::sort(out_.occurrences.begin(), out_.occurrences.end(), [](const Occurrence& a, const Occurrence& b) {
      if (a.range.file != b.range.file) return a.range.file < b.range.file;
      if (a.range.begin != b.range.begin) return a.range.begin < b.range.begin;
      return a.declaration > b.declaration;
    });
    // One name written once, resolved twice (a member read in two passes): keep the first.
    out_.occurrences.erase(std::unique(out_.occurrences.begin(), out_.occurrences.end(),
                                       [](const Occurrence& a, const Occurrence& b) {
                                         return a.range.file == b.range.file && a.range.begin == b.range.begin &&
                                                a.range.end == b.range.end;
                                       }),
                           out_.occurrences.end());
    return std::move(out_);
  }

 private:
  const std::vector<const ast::Module*>& modules_;
  const CheckedProgram* program_;
  Index out_;
  std::map<std::string, int, std::less<>> byKey_;

  static std::string key(SymbolKind kind, std::string_view container, std::string_view name) {
    return fmt::format("{}\x1f{}\x1f{}", static_cast<int>(kind), container, name);
  }

  // ───────────────────────────── pass 1: declarations ─────────────────────

  int declareSymbol(Symbol s) {
    if (s.name.empty() || !s.nameRange.valid()) return -1;
    std::string k = key(s.kind, s.container, s.name);
    auto it = byKey_.find(k);
    int id;
    if (it != byKey_.end()) {
      id = it->second;  // declared again (a user in two teams, or a duplicate the checker reports)
    } else {
      id = static_cast<int>(out_.symbols.size());
      byKey_.emplace(std::move(k), id);
      out_.symbols.push_back(s);
    }
    out_.occurrences.push_back(Occurrence{id, s.nameRange, true});
    return id;
  }
  int declare(SymbolKind kind, const ast::Ident& name, SourceRange decl, std::string title, std::string detail,
              std::string container = {}, std::string extra = {}) {
    Symbol s;
    s.kind = kind;
    s.name = name.text;
    s.nameRange = name.range;
    s.declRange = decl;
    s.title = std::move(title);
    s.detail = std::move(detail);
    s.container = std::move(container);
    s.extra = std::move(extra);
    return declareSymbol(std::move(s));
  }

  void declare(const ast::Decl& d) {
    using K = ast::DeclKind;
    auto title = [](const std::optional<ast::Text>& t) { return t ? t->value : std::string(); };
    switch (d.kind) {
      case K::Calendar: {
        const auto& c = d.as<ast::CalendarDecl>();
        declare(SymbolKind::Calendar, c.name, d.range, title(c.title), "calendar " + c.name.text + quoted(c.title));
        break;
      }
      case K::Field: {
        const auto& f = d.as<ast::FieldDecl>();
        declare(SymbolKind::Field, f.name, d.range, title(f.title),
                fmt::format("field {}: {}{}", f.name.text, typeText(f.type), quoted(f.title)));
        declareMembers(f.type, f.name.text, d.range);
        break;
      }
      case K::Team: {
        const auto& t = d.as<ast::TeamDecl>();
        std::string members;
        for (const auto& m : t.members) {
          members += (members.empty() ? "" : ", ") + m.name.text + (m.title ? " (" + m.title->value + ")" : "");
        }
        declare(SymbolKind::Team, t.name, d.range, title(t.title), "team " + t.name.text + quoted(t.title), {},
                members.empty() ? "" : "members: " + members);
        for (const auto& m : t.members) {
          declare(SymbolKind::User, m.name, m.name.range, title(m.title), "user " + m.name.text + quoted(m.title), {},
                  "in team " + t.name.text);
        }
        break;
      }
      case K::Template: {
        const auto& t = d.as<ast::TemplateDecl>();
        std::string extra;
        if (t.subject) extra += "subject: " + t.subject->display();
        if (t.body) {
          std::string body = t.body->display();
          if (body.size() > 300) body = body.substr(0, 300) + "…";
          extra += (extra.empty() ? "" : "\n\n") + body;
        }
        declare(SymbolKind::Template, t.name, d.range, t.title ? t.title->display() : "",
                fmt::format("template {} {}{}", templateKind(t.templateKind), t.name.text,
                            t.title ? " \"" + t.title->display() + "\"" : ""),
                {}, extra);
        break;
      }
      case K::Form: {
        const auto& f = d.as<ast::FormDecl>();
        std::string fields;
        for (const auto& x : f.fields) fields += (fields.empty() ? "" : ", ") + x.text;
        declare(SymbolKind::Form, f.name, d.range, title(f.title), "form " + f.name.text + quoted(f.title), {},
                "fields: " + fields);
        break;
      }
      case K::Integration: {
        const auto& in = d.as<ast::IntegrationDecl>();
        declare(SymbolKind::Integration, in.name, d.range, title(in.title),
                "integration " + in.name.text + quoted(in.title), {}, in.url ? "url: " + in.url->display() : "");
        break;
      }
      case K::Event: {
        const auto& e = d.as<ast::EventDecl>();
        std::string params;
        for (const auto& p : e.params) params += (params.empty() ? "" : ", ") + p.name.text + ": " + typeText(p.type);
        declare(SymbolKind::Event, e.name, d.range, title(e.title),
                fmt::format("event {}{}{}", e.name.text, params.empty() ? "" : "(" + params + ")", quoted(e.title)));
        for (const auto& p : e.params) {
          declare(SymbolKind::Payload, p.name, p.name.range, "",
                  fmt::format("{}: {}", p.name.text, typeText(p.type)), e.name.text, "payload of event " + e.name.text);
          declareMembers(p.type, p.name.text, p.name.range);
        }
        break;
      }
      case K::TaskType: {
        const auto& s = d.as<ast::SimpleDecl>();
        declare(SymbolKind::TaskType, s.name, d.range, title(s.title), "task type " + s.name.text + quoted(s.title));
        break;
      }
      case K::Channel: {
        const auto& s = d.as<ast::SimpleDecl>();
        declare(SymbolKind::Channel, s.name, d.range, title(s.title), "channel " + s.name.text + quoted(s.title));
        break;
      }
      case K::Reasons: {
        const auto& r = d.as<ast::ReasonsDecl>();
        std::string list;
        for (const auto& x : r.reasons) list += (list.empty() ? "" : ", ") + ("«" + x.text.value + "»");
        declare(SymbolKind::Reasons, r.name, d.range, "", "reasons " + r.name.text, {}, list);
        break;
      }
      case K::Pipeline: {
        const auto& p = d.as<ast::PipelineDecl>();
        std::string stages;
        for (const auto& s : p.stages) stages += (stages.empty() ? "" : " → ") + s->name.text;
        declare(SymbolKind::Pipeline, p.name, d.range, title(p.title), "pipeline " + p.name.text + quoted(p.title), {},
                "stages: " + stages);
        int position = 0;
        for (const auto& s : p.stages) {
          std::string flags;
          if (s->initial) flags += " initial";
          if (s->key) flags += " key";
          std::string what = s->kind == ast::StageKind::Working ? "stage " + s->name.text : s->name.text;
          std::string extra = s->kind == ast::StageKind::Working
                                  ? fmt::format("stage {} of {} in pipeline {}", ++position, countWorking(p), p.name.text)
                                  : fmt::format("final stage of pipeline {}", p.name.text);
          declare(SymbolKind::Stage, s->name, s->range, title(s->title), what + quoted(s->title) + flags, p.name.text,
                  extra);
        }
        break;
      }
      case K::Test: {
        const auto& t = d.as<ast::TestDecl>();
        Symbol s;
        s.kind = SymbolKind::Test;
        s.name = t.title.value;
        s.nameRange = t.title.range;
        s.declRange = d.range;
        s.detail = "test \"" + t.title.value + "\"";
        declareSymbol(std::move(s));
        break;
      }
      case K::Use:
      case K::Account:
      case K::Rule:
        break;
    }
  }
  static int countWorking(const ast::PipelineDecl& p) {
    int n = 0;
    for (const auto& s : p.stages) n += s->kind == ast::StageKind::Working ? 1 : 0;
    return n;
  }

  void declareMembers(const ast::TypeSyntax& t, const std::string& owner, SourceRange decl) {
    for (const auto& m : t.members) {
      declare(SymbolKind::EnumMember, m.name, decl, m.title ? m.title->value : "",
              fmt::format("{}.{}{}", owner, m.name.text, quoted(m.title)), owner, "a value of " + owner);
    }
  }

  // ───────────────────────────── pass 2: references ───────────────────────

  int lookup(SymbolKind kind, std::string_view name, std::string_view container = {}) const {
    auto it = byKey_.find(key(kind, container, name));
    return it == byKey_.end() ? -1 : it->second;
  }
  bool ref(SymbolKind kind, const ast::Ident& name, std::string_view container = {}) {
    if (name.text.empty() || !name.range.valid()) return false;
    int id = lookup(kind, name.text, container);
    if (id < 0) return false;
    out_.occurrences.push_back(Occurrence{id, name.range, false});
    return true;
  }
  void refAt(int id, SourceRange range) {
    if (id >= 0 && range.valid()) out_.occurrences.push_back(Occurrence{id, range, false});
  }

  // A stage in `pipeline`; a top-level rule (no pipeline) names a stage of any pipeline.
  void stageRef(const ast::Ident& stage, std::string_view pipeline) {
    if (!pipeline.empty()) {
      ref(SymbolKind::Stage, stage, pipeline);
      return;
    }
    for (const auto& s : out_.symbols) {
      if (s.kind == SymbolKind::Stage && s.name == stage.text && ref(SymbolKind::Stage, stage, s.container)) return;
    }
  }
  void moveTarget(const ast::MoveTarget& t, std::string_view pipeline) {
    if (t.isNext) return;
    if (t.pipeline) {
      ref(SymbolKind::Pipeline, *t.pipeline);
      stageRef(t.stage, t.pipeline->text);
    } else {
      stageRef(t.stage, pipeline);
    }
  }
  void userOrTeam(const ast::Ident& who) {
    if (!ref(SymbolKind::User, who)) ref(SymbolKind::Team, who);
  }
  // `budget`, `deal.budget`, `d.budget` (a test deal): the field among the parts.
  void fieldPath(const ast::Path& p, bool firstIsDeal) {
    if (p.parts.empty()) return;
    if (p.parts.size() == 1) {
      ref(SymbolKind::Field, p.parts[0]);
      return;
    }
    if (p.parts[0].text == "deal" || firstIsDeal) ref(SymbolKind::Field, p.parts[1]);
  }

  void references(const ast::Decl& d) {
    using K = ast::DeclKind;
    switch (d.kind) {
      case K::Field: expr(d.as<ast::FieldDecl>().defaultValue.get(), {}); break;
      case K::Template: {
        const auto& t = d.as<ast::TemplateDecl>();
        if (t.title) text(*t.title, {});
        if (t.subject) text(*t.subject, {});
        if (t.body) text(*t.body, {});
        break;
      }
      case K::Form:
        for (const auto& f : d.as<ast::FormDecl>().fields) ref(SymbolKind::Field, f);
        break;
      case K::Integration: {
        const auto& in = d.as<ast::IntegrationDecl>();
        if (in.url) text(*in.url, {});
        for (const auto& a : in.answers) ref(SymbolKind::Event, a);
        break;
      }
      case K::Pipeline: {
        const auto& p = d.as<ast::PipelineDecl>();
        RuleContext ctx{p.name.text, {}};
        for (const auto& policy : p.policies) {
          if (policy.kind == ast::PolicyKind::Calendar) ref(SymbolKind::Calendar, policy.calendar);
        }
        for (const auto& s : p.stages) {
          for (const auto& g : s->guards) expr(g.condition.get(), ctx);
          if (s->reasonsRef) ref(SymbolKind::Reasons, *s->reasonsRef);
          for (const auto& r : s->rules) rule(*r, p.name.text);
        }
        for (const auto& r : p.rules) rule(*r, p.name.text);
        break;
      }
      case K::Rule: rule(d.as<ast::Rule>(), {}); break;
      case K::Test: test(d.as<ast::TestDecl>()); break;
      default: break;
    }
  }

  void eventRef(const ast::EventRef& e) {
    ref(SymbolKind::Event, e.name);
    if (!e.arg || e.argIsString) return;
    check::EventArgKind kind = builtinArgKind(e.name.text);
    if (program_) {
      int ev = CheckedProgram::lookup(program_->eventIndex, e.name.text);
      if (ev >= 0) kind = program_->events[ev].arg;
    }
    using A = check::EventArgKind;
    switch (kind) {
      case A::EmailTemplate:
      case A::AnyTemplate: ref(SymbolKind::Template, *e.arg); break;
      case A::Form: ref(SymbolKind::Form, *e.arg); break;
      case A::Channel: ref(SymbolKind::Channel, *e.arg); break;
      case A::TaskType: ref(SymbolKind::TaskType, *e.arg); break;
      case A::Field: ref(SymbolKind::Field, *e.arg); break;
      default: break;
    }
  }

  void rule(const ast::Rule& r, const std::string& pipeline) {
    RuleContext ctx{pipeline, r.event ? r.event->name.text : std::string()};
    if (r.event) eventRef(*r.event);
    if (r.unless) eventRef(*r.unless);
    if (r.from) stageRef(*r.from, pipeline);
    expr(r.when.get(), ctx);
    expr(r.timing.at.get(), ctx);
    expr(r.timing.whileCondition.get(), ctx);
    block(r.body, ctx);
  }

  void block(const ast::Block& b, const RuleContext& ctx) {
    for (const auto& a : b.actions) action(*a, ctx);
  }

  void action(const ast::Action& a, const RuleContext& ctx) {
    using K = ast::ActionKind;
    switch (a.kind) {
      case K::Move: moveTarget(a.as<ast::MoveAction>().target, ctx.pipeline); break;
      case K::Task: {
        const auto& t = a.as<ast::TaskAction>();
        if (t.type) ref(SymbolKind::TaskType, *t.type);
        text(t.text, ctx);
        expr(t.at.get(), ctx);
        if (t.to) ref(SymbolKind::User, *t.to);
        break;
      }
      case K::CompleteTasks: {
        const auto& c = a.as<ast::CompleteTasksAction>();
        if (c.type) ref(SymbolKind::TaskType, *c.type);
        break;
      }
      case K::Email:
      case K::Message:
      case K::Sms: {
        const auto& s = a.as<ast::SendAction>();
        ref(SymbolKind::Template, s.templateName);
        text(s.text, ctx);
        if (s.from) ref(SymbolKind::User, *s.from);
        if (s.via) ref(SymbolKind::Channel, *s.via);
        break;
      }
      case K::Webhook: {
        const auto& w = a.as<ast::WebhookAction>();
        text(w.url, ctx);
        for (const auto& e : w.body) expr(e.value.get(), ctx);
        break;
      }
      case K::Request: {
        const auto& r = a.as<ast::RequestAction>();
        ref(SymbolKind::Integration, r.integration);
        for (const auto& e : r.body) expr(e.value.get(), ctx);
        break;
      }
      case K::Analytics: expr(a.as<ast::AnalyticsAction>().label.get(), ctx); break;
      case K::Set: {
        const auto& s = a.as<ast::SetAction>();
        fieldPath(s.target, false);
        expr(s.value.get(), ctx);
        break;
      }
      case K::Assign: assignee(a.as<ast::AssignAction>().who); break;
      case K::CreateDeal: {
        const auto& c = a.as<ast::CreateDealAction>();
        ref(SymbolKind::Pipeline, c.pipeline);
        if (c.stage) stageRef(*c.stage, c.pipeline.text);
        for (const auto& f : c.copy) ref(SymbolKind::Field, f);
        if (c.assign) assignee(*c.assign);
        break;
      }
      case K::Questionnaire: {
        const auto& q = a.as<ast::QuestionnaireAction>();
        ref(SymbolKind::Form, q.form);
        ref(SymbolKind::Field, q.field);
        break;
      }
      case K::Note: text(a.as<ast::NoteAction>().text, ctx); break;
      case K::Notify: {
        const auto& n = a.as<ast::NotifyAction>();
        userOrTeam(n.recipient);
        text(n.text, ctx);
        break;
      }
      case K::If: {
        const auto& i = a.as<ast::IfAction>();
        for (const auto& b : i.branches) {
          expr(b.condition.get(), ctx);
          block(b.block, ctx);
        }
        if (i.elseBlock) block(*i.elseBlock, ctx);
        break;
      }
      case K::Split: {
        const auto& s = a.as<ast::SplitAction>();
        block(s.first, ctx);
        if (s.second) block(*s.second, ctx);
        break;
      }
      case K::Then: block(a.as<ast::ThenAction>().block, ctx); break;
      case K::Win:
      case K::Lose:
      case K::Tag: break;
    }
  }

  void assignee(const ast::Assignee& who) {
    if (who.team) {
      ref(SymbolKind::Team, *who.team);
    } else {
      userOrTeam(who.name);
    }
  }

  void text(const ast::InterpolatedText& t, const RuleContext& ctx) {
    for (const auto& p : t.parts) expr(p.expr.get(), ctx);
  }

  // Names in expressions: the checker's meaning when the program checked,
  // otherwise the declarations in scope (a payload field of the rule's
  // event, then a field, then an enum member or a user).
  void expr(const ast::Expr* e, const RuleContext& ctx) {
    if (!e) return;
    using K = ast::ExprKind;
    switch (e->kind) {
      case K::Name: name(e->as<ast::NameExpr>(), ctx); break;
      case K::Member: {
        const auto& m = e->as<ast::MemberExpr>();
        const check::ExprInfo* info = program_ ? program_->info(e) : nullptr;
        if (info && info->name == NameKind::Field && info->index >= 0) {
          refAt(lookup(SymbolKind::Field, program_->fields[info->index].name), m.member.range);
        } else if (!program_ && m.base && m.base->kind == K::Name && m.base->as<ast::NameExpr>().name == "deal") {
          ref(SymbolKind::Field, m.member);
        } else if (info && info->name == NameKind::EnumMember) {
          enumMember(*info, m.member.text, m.member.range);
        }
        if (m.base && !(m.base->kind == K::Name && m.base->as<ast::NameExpr>().name == "deal")) expr(m.base.get(), ctx);
        break;
      }
      case K::Call: {
        const auto& c = e->as<ast::CallExpr>();
        if (c.callee && c.callee->kind != K::Name) expr(c.callee.get(), ctx);
        for (const auto& a : c.args) expr(a.get(), ctx);
        break;
      }
      case K::Unary: expr(e->as<ast::UnaryExpr>().operand.get(), ctx); break;
      case K::Binary: {
        // Left-deep chains iterate instead of recursing.
        const ast::Expr* cur = e;
        while (cur && cur->kind == K::Binary) {
          const auto& b = cur->as<ast::BinaryExpr>();
          expr(b.rhs.get(), ctx);
          cur = b.lhs.get();
        }
        expr(cur, ctx);
        break;
      }
      case K::List:
        for (const auto& i : e->as<ast::ListExpr>().items) expr(i.get(), ctx);
        break;
      case K::If: {
        const auto& i = e->as<ast::IfExpr>();
        for (const auto& b : i.branches) {
          expr(b.condition.get(), ctx);
          expr(b.value.get(), ctx);
        }
        expr(i.elseValue.get(), ctx);
        break;
      }
      default: break;
    }
  }

  void enumMember(const check::ExprInfo& info, std::string_view member, SourceRange range) {
    if (!program_ || info.type.kind != check::TypeKind::Enum || info.type.enumId >= program_->enums.size()) return;
    refAt(lookup(SymbolKind::EnumMember, member, program_->enums[info.type.enumId].owner), range);
  }

  void name(const ast::NameExpr& n, const RuleContext& ctx) {
    if (program_) {
      const check::ExprInfo* info = program_->info(&n);
      if (!info || !info->name) return;
      switch (*info->name) {
        case NameKind::Field:
          if (info->index >= 0) refAt(lookup(SymbolKind::Field, program_->fields[info->index].name), n.range);
          break;
        case NameKind::Payload: refAt(lookup(SymbolKind::Payload, n.name, ctx.event), n.range); break;
        case NameKind::EnumMember: enumMember(*info, n.name, n.range); break;
        case NameKind::User: refAt(lookup(SymbolKind::User, n.name), n.range); break;
        default: break;
      }
      return;
    }
    int id = ctx.event.empty() ? -1 : lookup(SymbolKind::Payload, n.name, ctx.event);
    if (id < 0) id = lookup(SymbolKind::Field, n.name);
    if (id < 0) {
      for (size_t i = 0; i < out_.symbols.size() && id < 0; ++i) {
        if (out_.symbols[i].kind == SymbolKind::EnumMember && out_.symbols[i].name == n.name) id = static_cast<int>(i);
      }
    }
    if (id < 0) id = lookup(SymbolKind::User, n.name);
    refAt(id, n.range);
  }

  void test(const ast::TestDecl& t) {
    std::map<std::string, std::string> dealPipelines;  // test deal → its pipeline
    std::string current;                               // the current deal
    auto pipelineOf = [&](const std::optional<ast::Ident>& on) -> std::string {
      auto it = dealPipelines.find(on ? on->text : current);
      return it == dealPipelines.end() ? std::string() : it->second;
    };
    for (const auto& st : t.statements) {
      using K = ast::TestStmtKind;
      switch (st->kind) {
        case K::Deal: {
          const auto& d = st->as<ast::TestDealStmt>();
          ref(SymbolKind::Pipeline, d.pipeline);
          if (d.stage) stageRef(*d.stage, d.pipeline.text);
          for (const auto& f : d.fields) {
            fieldPath(f.path, false);
            expr(f.value.get(), {d.pipeline.text, {}});
          }
          dealPipelines[d.name.text] = d.pipeline.text;
          current = d.name.text;
          break;
        }
        case K::Event: {
          const auto& e = st->as<ast::TestEventStmt>();
          eventRef(e.event);
          if (e.deal) current = e.deal->text;
          for (const auto& p : e.payload) {
            ref(SymbolKind::Payload, p.key, e.event.name.text);
            expr(p.value.get(), {pipelineOf({}), e.event.name.text});
          }
          break;
        }
        case K::Set: {
          const auto& s = st->as<ast::TestSetStmt>();
          fieldPath(s.target, true);
          expr(s.value.get(), {pipelineOf({}), {}});
          break;
        }
        case K::ManualMove: {
          const auto& m = st->as<ast::TestManualMoveStmt>();
          moveTarget(m.target, pipelineOf(m.deal));
          break;
        }
        case K::Expect: expect(st->as<ast::TestExpectStmt>(), pipelineOf(st->as<ast::TestExpectStmt>().deal)); break;
        default: break;
      }
    }
  }

  void expect(const ast::TestExpectStmt& e, const std::string& pipeline) {
    using K = ast::ExpectKind;
    switch (e.what) {
      case K::Stage: stageRef(e.name, pipeline); break;
      case K::Task:
        if (e.taskType) ref(SymbolKind::TaskType, *e.taskType);
        break;
      case K::Email:
      case K::Message: ref(SymbolKind::Template, e.name); break;
      case K::Request: ref(SymbolKind::Integration, e.name); break;
      case K::Responsible: ref(SymbolKind::User, e.name); break;
      case K::Notify: userOrTeam(e.name); break;
      case K::DealIn:
        ref(SymbolKind::Pipeline, e.name);
        if (e.stage) stageRef(*e.stage, e.name.text);
        break;
      case K::Condition: expr(e.condition.get(), {pipeline, {}}); break;
      default: break;
    }
  }
};

}  // namespace

Index buildIndex(const std::vector<const ast::Module*>& modules, const check::CheckedProgram* program) {
  return Builder(modules, program).run();
}

}  // namespace voronka::index
