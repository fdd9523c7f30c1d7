// Builds the Index: pass 1 declares every name of every file, pass 2 walks
// every place a name is used and resolves it in context (the pipeline of a
// rule for stage names, the rule's event for payload fields, the current
// deal of a test).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "common/language/events.h"
#include "compiler/ast/walk.h"
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

// What a built-in event's filter argument names (common/language/events.def).
lang::EventArg builtinArgKind(std::string_view event) {
  std::optional<lang::EventKind> kind = lang::builtinEventNamed(event);
  return kind ? lang::eventInfo(*kind).arg : lang::EventArg::None;
}

class Builder {
 public:
  Builder(const std::vector<const ast::Module*>& modules, const CheckedProgram* program)
      : modules_(modules), program_(program) {}

  Index run() {
    for (const auto* m : modules_) {
      for (const auto& d : m->decls) declare(*d);
    }
    for (const auto* m : modules_) references(*m);
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
        declareMembers(f.type.members, f.name.text, d.range);
        break;
      }
      case K::Enum: {
        const auto& e = d.as<ast::EnumDecl>();
        std::string members;
        for (const auto& m : e.members) {
          members += (members.empty() ? "" : ", ") + m.name.text + (m.title ? " (" + m.title->value + ")" : "");
        }
        declare(SymbolKind::Enum, e.name, d.range, title(e.title), "enum " + e.name.text + quoted(e.title), {},
                members.empty() ? "" : "values: " + members);
        declareMembers(e.members, e.name.text, d.range);
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
                fmt::format("template {} {}{}", lang::keyword(t.templateKind), t.name.text,
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
          declare(SymbolKind::Payload, p.name, p.name.range, "", fmt::format("{}: {}", p.name.text, typeText(p.type)),
                  e.name.text, "payload of event " + e.name.text);
          declareMembers(p.type.members, p.name.text, p.name.range);
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
          std::string extra =
              s->kind == ast::StageKind::Working
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
      case K::Rule: break;
    }
  }
  static int countWorking(const ast::PipelineDecl& p) {
    int n = 0;
    for (const auto& s : p.stages) n += s->kind == ast::StageKind::Working ? 1 : 0;
    return n;
  }

  void declareMembers(const std::vector<ast::EnumMember>& members, const std::string& owner, SourceRange decl) {
    for (const auto& m : members) {
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

  void eventRef(const ast::EventRef& e) {
    ref(SymbolKind::Event, e.name);
    if (!e.arg || e.argIsString) return;
    lang::EventArg kind = builtinArgKind(e.name.text);
    if (program_) {
      int ev = CheckedProgram::lookup(program_->eventIndex, e.name.text);
      if (ev >= 0) kind = program_->events[ev].arg;
    }
    using A = lang::EventArg;
    switch (kind) {
      case A::EmailTemplate:
      case A::AnyTemplate: ref(SymbolKind::Template, *e.arg); break;
      case A::Form: ref(SymbolKind::Form, *e.arg); break;
      case A::Channel: ref(SymbolKind::Channel, *e.arg); break;
      case A::TaskType: ref(SymbolKind::TaskType, *e.arg); break;
      case A::Field: ref(SymbolKind::Field, *e.arg); break;
      case A::None:
      case A::Tag: break;
    }
  }

  // A name written as a Ref names a symbol of its kind; stages resolve in `stagePipeline`.
  void reference(ast::RefKind kind, const ast::Ident& name, std::string_view stagePipeline) {
    using R = ast::RefKind;
    switch (kind) {
      case R::Field: ref(SymbolKind::Field, name); break;
      case R::User: ref(SymbolKind::User, name); break;
      case R::Team: ref(SymbolKind::Team, name); break;
      case R::UserOrTeam: userOrTeam(name); break;
      case R::Template: ref(SymbolKind::Template, name); break;
      case R::Form: ref(SymbolKind::Form, name); break;
      case R::Channel: ref(SymbolKind::Channel, name); break;
      case R::TaskType: ref(SymbolKind::TaskType, name); break;
      case R::Integration: ref(SymbolKind::Integration, name); break;
      case R::Event: ref(SymbolKind::Event, name); break;
      case R::Pipeline: ref(SymbolKind::Pipeline, name); break;
      case R::Stage: stageRef(name, stagePipeline); break;
      case R::Reasons: ref(SymbolKind::Reasons, name); break;
      case R::Calendar: ref(SymbolKind::Calendar, name); break;
      case R::Type: ref(SymbolKind::Enum, name); break;  // built-in type names are no symbols
    }
  }

  // Pass 2 walks every file (compiler/ast/walk.h). A Ref resolves by its
  // kind wherever it stands; the visitor adds the context the other names
  // need: the pipeline around (stages), the rule's event (payload fields),
  // a test's deals.
  struct References {
    explicit References(Builder& builder) : b(builder) {}
    Builder& b;
    std::string pipeline;                              // the pipeline around: stage names and expressions resolve in it
    std::string stagePipeline;                         // where a StageRef resolves: `pipeline`, or the one a node names
    std::string event;                                 // the rule's event: its payload fields are in scope
    std::map<std::string, std::string> dealPipelines;  // a test's deals and their pipelines
    std::string current;                               // the test's current deal

    std::string pipelineOf(const std::optional<ast::Ident>& deal) const {
      auto it = dealPipelines.find(deal ? deal->text : current);
      return it == dealPipelines.end() ? std::string() : it->second;
    }
    void expression(const ast::ExprPtr& e, std::string inPipeline, std::string withEvent) {
      std::swap(pipeline, inPipeline);
      std::swap(event, withEvent);
      ast::walk(*this, e);
      std::swap(pipeline, inPipeline);
      std::swap(event, withEvent);
    }

    template <ast::RefKind K>
    void enter(const ast::Ref<K>& r) {
      b.reference(K, r, stagePipeline);
    }
    bool enter(const ast::EventRef& e) {
      b.eventRef(e);
      return false;
    }
    bool enter(const ast::MoveTarget& t) {
      b.moveTarget(t, pipeline);
      return false;
    }
    void enter(const ast::Assignee& a) {
      if (!a.team) b.userOrTeam(a.name);  // else `round_robin(TEAM)`: the team is a Ref
    }
    void enter(const ast::Path& p) { b.fieldPath(p, false); }

    void enter(const ast::PipelineDecl& p) { pipeline = stagePipeline = p.name.text; }
    void leave(const ast::PipelineDecl&) {
      pipeline.clear();
      stagePipeline.clear();
    }
    void enter(const ast::Rule& r) { event = r.event ? r.event->name.text : std::string(); }
    void leave(const ast::Rule&) { event.clear(); }
    void enter(const ast::CreateDealAction& c) { stagePipeline = c.pipeline.text; }
    void leave(const ast::CreateDealAction&) { stagePipeline = pipeline; }

    void enter(const ast::NameExpr& n) { b.name(n, pipeline, event); }
    bool enter(const ast::MemberExpr& m) {
      b.member(m);
      bool ofDeal = m.base && m.base->kind == ast::ExprKind::Name && m.base->as<ast::NameExpr>().name == "deal";
      if (!ofDeal) ast::walk(*this, m.base);
      return false;
    }
    bool enter(const ast::CallExpr& c) {
      if (c.callee && c.callee->kind != ast::ExprKind::Name)
        ast::walk(*this, c.callee);  // a function's name is no symbol
      ast::walk(*this, c.args);
      return false;
    }

    // A test's statements run in order; `current` is the deal they speak of.
    void enter(const ast::TestDecl&) {
      dealPipelines.clear();
      current.clear();
    }
    void enter(const ast::TestDealStmt& d) { pipeline = stagePipeline = d.pipeline.text; }
    void leave(const ast::TestDealStmt& d) {
      dealPipelines[d.name.text] = d.pipeline.text;
      current = d.name.text;
      pipeline.clear();
      stagePipeline.clear();
    }
    bool enter(const ast::TestEventStmt& e) {
      b.eventRef(e.event);
      if (e.deal) current = e.deal->text;
      for (const auto& p : e.payload) {
        b.ref(SymbolKind::Payload, p.key, e.event.name.text);
        expression(p.value, pipelineOf({}), e.event.name.text);
      }
      return false;
    }
    bool enter(const ast::TestSetStmt& s) {
      b.fieldPath(s.target, true);
      expression(s.value, pipelineOf({}), {});
      return false;
    }
    bool enter(const ast::TestManualMoveStmt& m) {
      b.moveTarget(m.target, pipelineOf(m.deal));
      return false;
    }
    bool enter(const ast::TestExpectStmt& e) {
      std::string inPipeline = pipelineOf(e.deal);
      b.expect(e, inPipeline);
      if (e.taskType) b.ref(SymbolKind::TaskType, *e.taskType);
      expression(e.condition, inPipeline, {});
      return false;
    }
  };

  void references(const ast::Module& m) {
    References visitor(*this);
    ast::walk(visitor, m.decls);
  }

  // `d.budget` and `deal.budget`: the member is a field when the checker says
  // so (or, without a checked program, when it is read off `deal`); an enum
  // member when it is one.
  void member(const ast::MemberExpr& m) {
    const check::ExprInfo* info = program_ ? program_->info(&m) : nullptr;
    if (info && info->name == NameKind::Field && info->index >= 0) {
      refAt(lookup(SymbolKind::Field, program_->fields[info->index].name), m.member.range);
    } else if (!program_ && m.base && m.base->kind == ast::ExprKind::Name &&
               m.base->as<ast::NameExpr>().name == "deal") {
      ref(SymbolKind::Field, m.member);
    } else if (info && info->name == NameKind::EnumMember) {
      enumMember(*info, m.member.text, m.member.range);
    } else if (info && info->name == NameKind::Stage) {
      stageValue(*info, m.member.text, m.member.range);
    }
  }

  // `contract` or the `contract` of `retail.contract` compared with `deal.stage`.
  void stageValue(const check::ExprInfo& info, std::string_view stage, SourceRange range) {
    if (!program_ || info.pipeline < 0 || static_cast<size_t>(info.pipeline) >= program_->pipelines.size()) return;
    refAt(lookup(SymbolKind::Stage, stage, program_->pipelines[info.pipeline].name), range);
  }

  void enumMember(const check::ExprInfo& info, std::string_view member, SourceRange range) {
    if (!program_ || info.type.kind != check::TypeKind::Enum || info.type.enumId >= program_->enums.size()) return;
    refAt(lookup(SymbolKind::EnumMember, member, program_->enums[info.type.enumId].owner), range);
  }

  // Names in expressions: the checker's meaning when the program checked,
  // otherwise the declarations in scope (a payload field of the rule's
  // event, then a field, then an enum member or a user).
  void name(const ast::NameExpr& n, std::string_view pipeline, const std::string& event) {
    if (program_) {
      const check::ExprInfo* info = program_->info(&n);
      if (!info || !info->name) return;
      switch (*info->name) {
        case NameKind::Field:
          if (info->index >= 0) refAt(lookup(SymbolKind::Field, program_->fields[info->index].name), n.range);
          break;
        case NameKind::Payload: refAt(lookup(SymbolKind::Payload, n.name, event), n.range); break;
        case NameKind::EnumMember: enumMember(*info, n.name, n.range); break;
        case NameKind::User: refAt(lookup(SymbolKind::User, n.name), n.range); break;
        case NameKind::Stage: stageValue(*info, n.name, n.range); break;
        case NameKind::Pipeline: refAt(lookup(SymbolKind::Pipeline, n.name), n.range); break;
        case NameKind::Enum: refAt(lookup(SymbolKind::Enum, n.name), n.range); break;
        default: break;
      }
      return;
    }
    int id = event.empty() ? -1 : lookup(SymbolKind::Payload, n.name, event);
    if (id < 0) id = lookup(SymbolKind::Field, n.name);
    if (id < 0) {
      for (size_t i = 0; i < out_.symbols.size() && id < 0; ++i) {
        if (out_.symbols[i].kind == SymbolKind::EnumMember && out_.symbols[i].name == n.name) id = static_cast<int>(i);
      }
    }
    if (id < 0) id = lookup(SymbolKind::User, n.name);
    refAt(id, n.range);
  }

  // `expect` names a stage, a template, a user… by what it expects.
  void expect(const ast::TestExpectStmt& e, const std::string& pipeline) {
    using K = ast::ExpectKind;
    switch (e.what) {
      case K::Stage: stageRef(e.name, pipeline); break;
      case K::Email:
      case K::Message: ref(SymbolKind::Template, e.name); break;
      case K::Request: ref(SymbolKind::Integration, e.name); break;
      case K::Responsible: ref(SymbolKind::User, e.name); break;
      case K::Notify: userOrTeam(e.name); break;
      case K::DealIn:
        ref(SymbolKind::Pipeline, e.name);
        if (e.stage) stageRef(*e.stage, e.name.text);
        break;
      default: break;
    }
  }
};

}  // namespace

Index buildIndex(const std::vector<const ast::Module*>& modules, const check::CheckedProgram* program) {
  return Builder(modules, program).run();
}

}  // namespace voronka::index
