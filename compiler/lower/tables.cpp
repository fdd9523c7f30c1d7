// The module's tables, in the same order as the checked program's, so an
// index means the same thing on both sides.
#include <fmt/format.h>

#include "compiler/lower/lowering.h"

namespace voronka::lower {

using check::kNone;

namespace {

bc::ArgKind argKind(lang::EventArg k) {
  switch (k) {
    case lang::EventArg::None: return bc::ArgKind::None;
    case lang::EventArg::EmailTemplate:
    case lang::EventArg::AnyTemplate: return bc::ArgKind::Template;
    case lang::EventArg::Form: return bc::ArgKind::Form;
    case lang::EventArg::Channel: return bc::ArgKind::Channel;
    case lang::EventArg::TaskType: return bc::ArgKind::TaskType;
    case lang::EventArg::Field: return bc::ArgKind::Field;
    case lang::EventArg::Tag: return bc::ArgKind::Tag;
  }
  return bc::ArgKind::None;
}

}  // namespace

Lowering::Lowering(const check::CheckedProgram& program, const SourceManager& sources)
    : program_(program), sources_(sources) {}

void Lowering::build() {
  m_.language = program_.language;
  declarations();
  calendars();
  pipelines();
  rules();
}

int32_t Lowering::str(std::string_view s) {
  auto it = strings_.find(s);
  if (it != strings_.end()) return it->second;
  int32_t index = static_cast<int32_t>(m_.strings.size());
  m_.strings.emplace_back(s);
  strings_.emplace(std::string(s), index);
  return index;
}

int32_t Lowering::constant(const bc::Constant& c, SourceRange where) {
  auto key = std::make_tuple(static_cast<uint8_t>(c.tag), c.aux, c.i, c.num, c.str);
  auto it = constants_.find(key);
  if (it != constants_.end()) return it->second;
  if (m_.constants.size() >= limits::kMaxWideIndex) {
    throw LowerError(where, fmt::format("more than {} distinct constants in one program", limits::kMaxWideIndex));
  }
  int32_t index = static_cast<int32_t>(m_.constants.size());
  m_.constants.push_back(c);
  constants_.emplace(key, index);
  return index;
}

int32_t Lowering::fileOf(SourceRange r) { return r.valid() ? str(sources_.file(r.file).path()) : bc::kNo; }

int Lowering::lineOf(SourceRange r) const {
  return r.valid() ? static_cast<int>(sources_.file(r.file).position(r.begin).line) : 0;
}

bc::ValueType Lowering::valueType(const check::Type& t) const {
  using check::TypeKind;
  switch (t.kind) {
    case TypeKind::Number: return bc::ValueType::Number;
    case TypeKind::Money: return bc::ValueType::Money;
    case TypeKind::Bool: return bc::ValueType::Bool;
    case TypeKind::Date: return bc::ValueType::Date;
    case TypeKind::DateTime: return bc::ValueType::DateTime;
    case TypeKind::Duration: return bc::ValueType::Duration;
    case TypeKind::Time: return bc::ValueType::Time;
    case TypeKind::Url: return bc::ValueType::Url;
    case TypeKind::Email: return bc::ValueType::Email;
    case TypeKind::Phone: return bc::ValueType::Phone;
    case TypeKind::Enum: return bc::ValueType::Enum;
    case TypeKind::User: return bc::ValueType::User;
    case TypeKind::Tags: return bc::ValueType::Tags;
    case TypeKind::Stage: return bc::ValueType::Stage;
    default: return bc::ValueType::Text;
  }
}

void Lowering::declarations() {
  for (const auto& e : program_.enums) {
    bc::EnumDef def;
    def.owner = str(e.owner);
    for (size_t i = 0; i < e.members.size(); ++i) {
      def.members.push_back(str(e.members[i]));
      def.titles.push_back(str(e.titles[i]));
    }
    m_.enums.push_back(std::move(def));
  }
  for (const auto& f : program_.fields) {
    bc::FieldDef def;
    def.name = str(f.name);
    def.title = str(f.title);
    def.type = valueType(f.type);
    if (f.type.is(check::TypeKind::Enum)) def.enumId = f.type.enumId;
    if (f.decl->defaultValue) {
      std::optional<int32_t> k = literalConstant(*f.decl->defaultValue);
      if (k) def.defaultValue = *k;
    }
    m_.fields.push_back(def);
  }
  for (const auto& u : program_.users) m_.users.push_back({str(u.name), str(u.title)});
  for (const auto& t : program_.teams) m_.teams.push_back({str(t.name), str(t.title), t.members});
  for (const auto& e : program_.events) {
    bc::EventDef def;
    def.name = str(e.name);
    def.kind = e.builtin;
    def.arg = argKind(e.arg);
    def.lifecycle = e.lifecycle;
    for (const auto& p : e.params) {
      def.params.push_back(
          {str(p.name), valueType(p.type), p.type.is(check::TypeKind::Enum) ? p.type.enumId : bc::kNo});
    }
    m_.events.push_back(std::move(def));
  }
  for (const auto& t : program_.taskTypes) m_.taskTypes.push_back({str(t.name), str(t.title)});
  for (const auto& c : program_.channels) m_.channels.push_back({str(c.name), str(c.title.empty() ? c.name : c.title)});
  for (const auto& t : program_.templates) {
    bc::TemplateDef def;
    def.name = str(t.name);
    def.kind = t.kind;
    const ast::InterpolatedText* subject = t.decl->subject ? &*t.decl->subject
                                           : t.decl->title ? &*t.decl->title
                                                           : nullptr;
    if (subject) def.subject = textFunction(*subject, fmt::format("template {} subject", t.name), kNone);
    if (t.decl->body) def.body = textFunction(*t.decl->body, fmt::format("template {} body", t.name), kNone);
    m_.templates.push_back(def);
  }
  for (const auto& f : program_.forms) {
    m_.forms.push_back({str(f.name), str(f.decl->title ? f.decl->title->value : f.name), f.fields});
  }
  for (const auto& i : program_.integrations) {
    bc::IntegrationDef def;
    def.name = str(i.name);
    if (i.decl->url) def.url = textFunction(*i.decl->url, fmt::format("integration {} url", i.name), kNone);
    def.answers = i.answers;
    m_.integrations.push_back(std::move(def));
  }
}

void Lowering::calendars() {
  for (const auto& c : program_.calendars) {
    bc::CalendarDef def;
    def.name = c.name.empty() ? bc::kNo : str(c.name);
    def.timezone = str(c.timezone);
    def.currency = c.currency.empty() ? bc::kNo : str(c.currency);
    for (size_t d = 0; d < 7; ++d) {
      for (auto [from, to] : c.windows[d]) def.windows[d].emplace_back(from, to);
    }
    for (auto [from, to] : c.holidays) def.holidays.emplace_back(from, to);
    m_.calendars.push_back(std::move(def));
  }
}

void Lowering::pipelines() {
  for (size_t pi = 0; pi < program_.pipelines.size(); ++pi) {
    const check::PipelineInfo& p = program_.pipelines[pi];
    bc::PipelineDef def;
    def.name = str(p.name);
    def.title = str(p.title);
    def.initial = p.initial;
    def.won = p.won;
    def.lost = p.lost;
    def.manualForward = p.manualForward;
    def.manualBackward = p.manualBackward;
    def.triggersForward = p.triggersForward;
    def.triggersBackward = p.triggersBackward;
    def.calendar = p.calendar;
    for (const auto& r : p.reasons) def.reasons.push_back(str(r));
    def.otherReason = p.otherReason;
    for (const auto& s : p.stages) {
      bc::StageDef stage;
      stage.name = str(s.name);
      stage.title = str(s.title);
      stage.kind = s.kind;
      stage.key = s.key;
      int n = 0;
      for (const auto& g : s.decl->guards) {
        bc::GuardDef guard;
        guard.condition =
            expressionFunction(*g.condition, fmt::format("guard {}.{}#{}", p.name, s.name, ++n), kNone, true);
        guard.message = g.message ? str(g.message->value) : bc::kNo;
        stage.guards.push_back(guard);
      }
      def.stages.push_back(std::move(stage));
    }
    m_.pipelines.push_back(std::move(def));
  }
}

void Lowering::rules() {
  // Per stage: its own rules, then the pipeline's, then the program's.
  struct StageRules {
    std::vector<int32_t> own, pipeline, top;
  };
  std::vector<std::vector<StageRules>> byStage(program_.pipelines.size());
  for (size_t p = 0; p < program_.pipelines.size(); ++p) byStage[p].resize(program_.pipelines[p].stages.size());
  std::map<std::string, int> counters;

  auto lowerRule = [&](const check::RuleInfo& info, int pipeline) {
    const ast::Rule& rule = *info.rule;
    const check::PipelineInfo& p = program_.pipelines[pipeline];
    std::string place =
        info.stage == kNone ? fmt::format("{}.*", p.name) : fmt::format("{}.{}", p.name, p.stages[info.stage].name);
    if (info.pipeline == kNone) place = fmt::format("{}.top", p.name);
    std::string name = fmt::format("{}#{}", place, ++counters[place]);

    bc::RuleDef def;
    def.pipeline = pipeline;
    def.stage = info.stage;
    def.event = info.event;
    def.line = lineOf(rule.range);
    def.file = fileOf(rule.range);
    auto argument = [&](int event, const std::optional<ast::Ident>& arg) -> int32_t {
      if (event == kNone || !arg) return bc::kNo;
      const std::string& a = arg->text;
      switch (argKind(program_.events[event].arg)) {
        case bc::ArgKind::Template: return check::CheckedProgram::lookup(program_.templateIndex, a);
        case bc::ArgKind::Form: return check::CheckedProgram::lookup(program_.formIndex, a);
        case bc::ArgKind::Channel: return check::CheckedProgram::lookup(program_.channelIndex, a);
        case bc::ArgKind::TaskType: return check::CheckedProgram::lookup(program_.taskTypeIndex, a);
        case bc::ArgKind::Field: return check::CheckedProgram::lookup(program_.fieldIndex, a);
        case bc::ArgKind::Tag: return str(a);
        case bc::ArgKind::None: return bc::kNo;
      }
      return bc::kNo;
    };
    if (rule.event) def.arg = argument(info.event, rule.event->arg);
    if (rule.from) def.fromStage = p.findStage(rule.from->text);
    def.once = rule.once.has_value();
    if (rule.when) def.when = expressionFunction(*rule.when, name + " when", info.event, true);
    switch (rule.timing.kind) {
      case ast::TimingKind::None: def.timing = bc::TimingKind::None; break;
      case ast::TimingKind::After:
        def.timing = bc::TimingKind::After;
        def.delaySeconds = rule.timing.delay.seconds;
        def.delayWorkdays = static_cast<int32_t>(rule.timing.delay.workdays);
        if (rule.timing.atTime) def.atMinutes = rule.timing.atTime->minutes;
        break;
      case ast::TimingKind::At:
        def.timing = bc::TimingKind::At;
        def.at = expressionFunction(*rule.timing.at, name + " at", info.event, false);
        collectFields(*rule.timing.at, def.atFields);
        break;
      case ast::TimingKind::Every:
        def.timing = bc::TimingKind::Every;
        def.delaySeconds = rule.timing.delay.seconds;
        def.delayWorkdays = static_cast<int32_t>(rule.timing.delay.workdays);
        if (rule.timing.whileCondition) {
          def.whileCondition = expressionFunction(*rule.timing.whileCondition, name + " while", info.event, true);
        }
        break;
    }
    if (rule.unless) {
      def.unlessEvent = check::CheckedProgram::lookup(program_.eventIndex, rule.unless->name.text);
      def.unlessArg = argument(def.unlessEvent, rule.unless->arg);
    }
    def.workhours = workhoursShift(rule.withinWorkhours);
    def.lateSkip = rule.late && rule.late->skip;
    def.trigger = info.event != kNone && !program_.events[info.event].lifecycle && def.timing == bc::TimingKind::None;
    CodeContext ctx;
    ctx.pipeline = pipeline;
    ctx.stage = info.stage;
    ctx.event = info.event;
    ctx.site = name;
    def.body = blockFunction(rule.body, name + " body", ctx, rule.range);
    int32_t index = static_cast<int32_t>(m_.rules.size());
    m_.rules.push_back(std::move(def));
    return index;
  };

  for (const check::RuleInfo& info : program_.rules) {
    if (info.pipeline == kNone) {
      for (size_t p = 0; p < program_.pipelines.size(); ++p) {
        topLevelPipeline_ = static_cast<int>(p);
        int32_t r = lowerRule(info, static_cast<int>(p));
        for (auto& s : byStage[p]) s.top.push_back(r);
      }
      topLevelPipeline_ = kNone;
      continue;
    }
    int32_t r = lowerRule(info, info.pipeline);
    auto& stages = byStage[info.pipeline];
    if (info.stage == kNone) {
      for (auto& s : stages) s.pipeline.push_back(r);
    } else {
      stages[info.stage].own.push_back(r);
    }
  }
  for (size_t p = 0; p < byStage.size(); ++p) {
    for (size_t s = 0; s < byStage[p].size(); ++s) {
      auto& out = m_.pipelines[p].stages[s].rules;
      const StageRules& r = byStage[p][s];
      out.insert(out.end(), r.own.begin(), r.own.end());
      out.insert(out.end(), r.pipeline.begin(), r.pipeline.end());
      out.insert(out.end(), r.top.begin(), r.top.end());
    }
  }
}

bc::Module lowerProgram(const check::CheckedProgram& program, const SourceManager& sources) {
  Lowering lowering(program, sources);
  lowering.build();
  return lowering.take();
}

void Lowering::tests(std::unordered_map<const ast::Expr*, int32_t>& out) {
  auto add = [&](const ast::Expr& e, const std::string& name, bool condition) {
    out.emplace(&e, expressionFunction(e, name, kNone, condition));
  };
  for (const ast::TestDecl* test : program_.tests) {
    std::string name = "test " + test->title.value;
    for (const auto& st : test->statements) {
      switch (st->kind) {
        case ast::TestStmtKind::Deal:
          for (const auto& f : st->as<ast::TestDealStmt>().fields) add(*f.value, name, false);
          break;
        case ast::TestStmtKind::Event:
          for (const auto& p : st->as<ast::TestEventStmt>().payload) add(*p.value, name, false);
          break;
        case ast::TestStmtKind::Set: add(*st->as<ast::TestSetStmt>().value, name, false); break;
        case ast::TestStmtKind::Expect: {
          const auto& e = st->as<ast::TestExpectStmt>();
          if (e.what != ast::ExpectKind::Condition) break;
          add(*e.condition, name, true);
          // Both sides of a comparison, to say what they were when it fails.
          if (e.condition->kind == ast::ExprKind::Binary) {
            const auto& b = e.condition->as<ast::BinaryExpr>();
            if (b.op != ast::BinaryOp::And && b.op != ast::BinaryOp::Or && b.rhs->kind != ast::ExprKind::List) {
              add(*b.lhs, name, false);
              add(*b.rhs, name, false);
            }
          }
          break;
        }
        default: break;
      }
    }
  }
}

TestProgram lowerWithTests(const check::CheckedProgram& program, const SourceManager& sources) {
  Lowering lowering(program, sources);
  TestProgram out;
  lowering.build();
  lowering.tests(out.expressions);
  out.module = lowering.take();
  return out;
}

}  // namespace voronka::lower
