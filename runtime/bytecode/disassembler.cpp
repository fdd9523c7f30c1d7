#include "runtime/bytecode/disassembler.h"

#include <fmt/format.h>

#include <cmath>

#include "runtime/bytecode/opcodes.h"

namespace voronka::bc {
namespace {

std::string stageName(const Module& m, int32_t pipeline, int32_t stage) {
  if (pipeline < 0 || stage < 0) return "?";
  return m.str(m.pipelines[pipeline].name) + "." + m.str(m.pipelines[pipeline].stages[stage].name);
}

std::string workhoursText(WorkhoursShift shift) {
  switch (shift) {
    case WorkhoursShift::None: return "";
    case WorkhoursShift::Later: return " within workhours";
    case WorkhoursShift::Earlier: return " within workhours earlier";
  }
  return "";
}

std::string assignText(const Module& m, const ActionDesc& a) {
  switch (a.assign) {
    case AssignMode::None: return "";
    case AssignMode::User: return m.str(m.users[a.user].name);
    case AssignMode::RoundRobin: return fmt::format("round_robin({})", m.str(m.teams[a.team].name));
    case AssignMode::LeastBusy: return fmt::format("least_busy({})", m.str(m.teams[a.team].name));
  }
  return "";
}

// One operand of common/language/action_operands.def as the source would
// say it; `reg` is the next register of the `Act` the operand reads.
std::string describeOperand(const Module& m, const ActionDesc& a, lang::ActionOperand o, int& reg) {
  using O = lang::ActionOperand;
  auto name = [&](const auto& table, int32_t i) { return m.str(table[static_cast<size_t>(i)].name); };
  auto nextRegister = [&] { return fmt::format("<r{}>", reg++); };
  switch (o) {
    case O::Target: return a.isNext ? " next" : " " + stageName(m, a.pipeline, a.stage);
    case O::Text: return a.text >= 0 ? " " + quoted(m.str(a.text)) : "";
    case O::Comment: return a.text >= 0 ? " comment " + quoted(m.str(a.text)) : "";
    case O::TaskType: return a.taskType >= 0 ? " " + name(m.taskTypes, a.taskType) : "";
    case O::TextRegister: return " " + nextRegister();
    case O::Due: return a.dueSeconds || a.dueWorkdays ? " due " + durationText(a.dueSeconds, a.dueWorkdays) : "";
    case O::AtRegister: return a.hasAt ? " at " + nextRegister() : "";
    case O::ToUser: return a.user >= 0 ? " to " + name(m.users, a.user) : "";
    case O::Filter: {
      std::string_view filter = lang::keyword(a.filter);
      return filter.empty() ? "" : " " + std::string(filter);
    }
    case O::Template: return " " + name(m.templates, a.templ);
    case O::TemplateOrText: return a.templ >= 0 ? " " + name(m.templates, a.templ) : " " + nextRegister();
    case O::FromUser: return a.user >= 0 ? " from " + name(m.users, a.user) : "";
    case O::ViaChannel: return a.channel >= 0 ? " via " + name(m.channels, a.channel) : "";
    case O::Body: {
      if (a.keys.empty()) return "";
      std::string s = " with {";
      for (size_t i = 0; i < a.keys.size(); ++i)
        s += fmt::format("{}{}: {}", i ? ", " : "", m.str(a.keys[i]), nextRegister());
      return s + "}";
    }
    case O::Integration: return " " + name(m.integrations, a.integration);
    case O::Label: return a.hasLabel ? " label " + nextRegister() : "";
    case O::TagChange: return std::string(a.add ? " + " : " - ") + quoted(m.str(a.text));
    case O::SetTarget: {
      static const char* targets[] = {
          "", "deal.name", "contact.name", "contact.email", "contact.phone", "company.name"};
      return " " + (a.setTarget == SetTarget::Field ? name(m.fields, a.field) : targets[static_cast<int>(a.setTarget)]);
    }
    case O::ValueRegister: return " = " + nextRegister();
    case O::Assignee: return " " + assignText(m, a);
    case O::CreateIn:
      return " in " + (a.stage >= 0 ? stageName(m, a.pipeline, a.stage) : name(m.pipelines, a.pipeline));
    case O::Copy: {
      if (a.copy.empty()) return "";
      std::string s = " copy";
      for (int32_t f : a.copy) s += " " + name(m.fields, f);
      return s;
    }
    case O::AssignClause: return a.assign != AssignMode::None ? " assign " + assignText(m, a) : "";
    case O::Form: return " " + name(m.forms, a.form);
    case O::IntoField: return " -> " + name(m.fields, a.field);
    case O::Recipient:
      return a.recipient == Recipient::Responsible ? " responsible"
             : a.recipient == Recipient::User      ? " " + name(m.users, a.user)
                                                   : " " + name(m.teams, a.team);
    case O::ThenChain: {
      std::string s = " after " + durationText(a.dueSeconds, a.dueWorkdays) + fmt::format(" -> f{}", a.function);
      if (a.next >= 0) s += fmt::format(", then a{}", a.next);
      return s;
    }
    case O::Percent: return fmt::format(" {}%", a.percent);
    case O::Workhours: return workhoursText(a.workhours);
  }
  return "";
}

// An action as the source would say it: `task <r0> due 2h to anna`.
std::string describeAction(const Module& m, const ActionDesc& a) {
  const lang::ActionInfo& info = lang::actionInfo(a.kind);
  std::string s(info.keyword);
  int reg = 0;
  for (lang::ActionOperand o : info.operands) s += describeOperand(m, a, o, reg);
  return s;
}

}  // namespace

std::string quoted(std::string_view s, size_t max) {
  std::string out = "\"";
  size_t shown = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80 && ++shown > max) {
      out += "…";
      break;
    }
    if (c == '\n')
      out += "\\n";
    else if (c == '"')
      out += "\\\"";
    else
      out += s[i];
  }
  return out + "\"";
}

std::string durationText(int64_t seconds, int32_t workdays) {
  if (workdays) return fmt::format("{} workdays", workdays);
  std::string out;
  int64_t s = seconds;
  const std::pair<int64_t, const char*> units[] = {{604800, "w"}, {86400, "d"}, {3600, "h"}, {60, "m"}};
  for (auto [size, unit] : units) {
    if (s >= size) {
      out += fmt::format("{}{}", s / size, unit);
      s %= size;
    }
  }
  if (s || out.empty()) out += fmt::format("{}s", s);
  return out;
}

std::string describeConstant(const Module& m, const Constant& c) {
  switch (c.tag) {
    case Tag::None: return "none";
    case Tag::Bool: return c.i ? "true" : "false";
    case Tag::Number: {
      if (std::floor(c.num) == c.num && std::fabs(c.num) < 1e15) return fmt::format("{}", static_cast<int64_t>(c.num));
      return fmt::format("{}", c.num);
    }
    case Tag::Text: return quoted(m.str(c.str));
    case Tag::Date: return fmt::format("date {}", c.i);
    case Tag::DateTime: return fmt::format("datetime {}", c.i);
    case Tag::Duration: return c.aux == kWorkdays ? fmt::format("{} workdays", c.i) : durationText(c.i, 0);
    case Tag::Time: return fmt::format("{:02}:{:02}", c.i / 60, c.i % 60);
    case Tag::Enum: return m.str(m.enums[c.aux].owner) + "." + m.str(m.enums[c.aux].members[static_cast<size_t>(c.i)]);
    case Tag::User: return "user " + m.str(m.users[static_cast<size_t>(c.i)].name);
    case Tag::Tags: return "tags";
    case Tag::Stage: {
      const PipelineDef& p = m.pipelines[c.aux];
      return "stage " + m.str(p.name) + "." + m.str(p.stages[static_cast<size_t>(c.i)].name);
    }
    case Tag::Pipeline: return "pipeline " + m.str(m.pipelines[static_cast<size_t>(c.i)].name);
  }
  return "?";
}

// An event with its filter argument, as written: `email_opened(welcome)`, `tag_added("VIP")`.
std::string eventWithArg(const Module& m, int32_t event, int32_t arg) {
  const EventDef& e = m.events[event];
  std::string s = m.str(e.name);
  if (arg < 0) return s;
  switch (e.arg) {
    case ArgKind::None: break;
    case ArgKind::Template: s += "(" + m.str(m.templates[arg].name) + ")"; break;
    case ArgKind::Form: s += "(" + m.str(m.forms[arg].name) + ")"; break;
    case ArgKind::Channel: s += "(" + m.str(m.channels[arg].name) + ")"; break;
    case ArgKind::TaskType: s += "(" + m.str(m.taskTypes[arg].name) + ")"; break;
    case ArgKind::Field: s += "(" + m.str(m.fields[arg].name) + ")"; break;
    case ArgKind::Tag: s += "(" + quoted(m.str(arg)) + ")"; break;
  }
  return s;
}

std::string disassemble(const Module& m, const SourceLines& sourceLines) {
  std::string out;
  auto line = [&](const std::string& s) {
    size_t end = s.find_last_not_of(' ');
    out.append(s, 0, end == std::string::npos ? 0 : end + 1);
    out += '\n';
  };
  line(fmt::format(
      "; voronka module: {} pipelines, {} rules, {} functions, {} actions, {} constants, {} strings, language {}",
      m.pipelines.size(), m.rules.size(), m.functions.size(), m.actions.size(), m.constants.size(), m.strings.size(),
      lang::code(m.language)));
  for (size_t i = 0; i < m.calendars.size(); ++i) {
    const CalendarDef& c = m.calendars[i];
    std::string s =
        fmt::format("calendar {} {} tz {}", i, c.name >= 0 ? m.str(c.name) : "(account)", m.str(c.timezone));
    static const char* days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (size_t d = 0; d < 7; ++d) {
      for (auto [from, to] : c.windows[d])
        s += fmt::format(" {} {:02}:{:02}-{:02}:{:02}", days[d], from / 60, from % 60, to / 60, to % 60);
    }
    if (!c.holidays.empty()) s += fmt::format(", {} holiday ranges", c.holidays.size());
    line(s);
  }
  for (size_t i = 0; i < m.fields.size(); ++i) {
    const FieldDef& f = m.fields[i];
    line(fmt::format("field {} {}{}", i, m.str(f.name),
                     f.defaultValue >= 0 ? " = " + describeConstant(m, m.constants[f.defaultValue]) : ""));
  }
  for (size_t pi = 0; pi < m.pipelines.size(); ++pi) {
    const PipelineDef& p = m.pipelines[pi];
    line(fmt::format(
        "pipeline {} {} {} (manual forward {}, manual backward {}, triggers forward {}, triggers backward {}, calendar {})",
        pi, m.str(p.name), quoted(m.str(p.title)), p.manualForward ? "allow" : "deny",
        p.manualBackward ? "allow" : "deny", p.triggersForward ? "allow" : "deny",
        p.triggersBackward ? "allow" : "deny", p.calendar));
    for (size_t si = 0; si < p.stages.size(); ++si) {
      const StageDef& s = p.stages[si];
      static const char* kinds[] = {"stage", "won", "lost"};
      std::string flags = static_cast<int32_t>(si) == p.initial ? " initial" : "";
      if (s.key) flags += " key";
      std::string rules;
      for (int32_t r : s.rules) rules += fmt::format(" r{}", r);
      line(fmt::format("  {} {} {}{}  rules:{}", kinds[static_cast<int>(s.kind)], m.str(s.name), quoted(m.str(s.title)),
                       flags, rules.empty() ? " -" : rules));
      for (const auto& g : s.guards)
        line(fmt::format("    require f{} {}", g.condition, g.message >= 0 ? quoted(m.str(g.message)) : ""));
    }
  }
  for (size_t ri = 0; ri < m.rules.size(); ++ri) {
    const RuleDef& r = m.rules[ri];
    std::string s =
        fmt::format("rule r{} {}", ri,
                    r.stage >= 0 ? stageName(m, r.pipeline, r.stage) : m.str(m.pipelines[r.pipeline].name) + ".*");
    if (r.event >= 0) s += " on " + eventWithArg(m, r.event, r.arg);
    if (r.fromStage >= 0) s += " from " + m.str(m.pipelines[r.pipeline].stages[r.fromStage].name);
    if (r.once) s += " once";
    if (r.when >= 0) s += fmt::format(" when f{}", r.when);
    switch (r.timing) {
      case TimingKind::None: break;
      case TimingKind::After:
        s += " after " + durationText(r.delaySeconds, r.delayWorkdays);
        if (r.atMinutes >= 0) s += fmt::format(" at {:02}:{:02}", r.atMinutes / 60, r.atMinutes % 60);
        break;
      case TimingKind::At: s += fmt::format(" at f{}", r.at); break;
      case TimingKind::Every:
        s += " every " + durationText(r.delaySeconds, r.delayWorkdays);
        if (r.whileCondition >= 0) s += fmt::format(" while f{}", r.whileCondition);
        break;
    }
    if (r.unlessEvent >= 0) s += " unless " + eventWithArg(m, r.unlessEvent, r.unlessArg);
    s += workhoursText(r.workhours);
    if (r.lateSkip) s += " late skip";
    if (r.trigger) s += " (trigger)";
    line(s + fmt::format(" -> f{}  ; {}:{}", r.body, m.str(r.file), r.line));
  }
  for (size_t ai = 0; ai < m.actions.size(); ++ai)
    line(fmt::format("action a{} {}", ai, describeAction(m, m.actions[ai])));

  for (size_t fi = 0; fi < m.functions.size(); ++fi) {
    const Function& f = m.functions[fi];
    line("");
    line(fmt::format("function f{} {} \"{}\" ({} register{})  ; {}", fi,
                     f.kind == FunctionKind::Block ? "block" : "expression", m.str(f.name), f.registers,
                     f.registers == 1 ? "" : "s", m.str(f.file)));
    int lastLine = -1;
    for (size_t pc = 0; pc < f.code.size(); ++pc) {
      uint32_t ins = f.code[pc];
      int srcLine = f.lines[pc];
      if (srcLine != lastLine && srcLine > 0) {
        std::optional<std::string> text = sourceLines ? sourceLines(m.str(f.file), srcLine) : std::nullopt;
        line(fmt::format("        ; {}:{}{}", m.str(f.file), srcLine, text ? " | " + *text : ""));
        lastLine = srcLine;
      }
      Op op = opOf(ins);
      const OpInfo& info = opInfo(op);
      std::string operands;
      std::string comment;
      switch (info.format) {
        case Format::N: break;
        case Format::A_R: operands = fmt::format("r{}", aOf(ins)); break;
        case Format::A_R_B_S:
          operands = fmt::format("r{}, {}", aOf(ins), bOf(ins));
          if (op == Op::Builtin) comment = std::string(builtinName(static_cast<BuiltinValue>(bOf(ins))));
          if (op == Op::Payload && f.eventParams >= 0) comment = m.str(m.events[f.eventParams].params[bOf(ins)].name);
          break;
        case Format::A_R_B_R: operands = fmt::format("r{}, r{}", aOf(ins), bOf(ins)); break;
        case Format::A_R_Bx_K:
          operands = fmt::format("r{}, k{}", aOf(ins), bxOf(ins));
          comment = describeConstant(m, m.constants[bxOf(ins)]);
          break;
        case Format::A_R_Bx_F:
          operands = fmt::format("r{}, field {}", aOf(ins), bxOf(ins));
          comment = m.str(m.fields[bxOf(ins)].name);
          break;
        case Format::A_R_Bx_D:
          operands = fmt::format("r{}, a{}", aOf(ins), bxOf(ins));
          comment = describeAction(m, m.actions[bxOf(ins)]);
          break;
        case Format::A_R_B_R_C_R: operands = fmt::format("r{}, r{}, r{}", aOf(ins), bOf(ins), cOf(ins)); break;
        case Format::A_R_B_R_C_K:
          operands = fmt::format("r{}, r{}, k{}", aOf(ins), bOf(ins), cOf(ins));
          comment = describeConstant(m, m.constants[cOf(ins)]);
          break;
        case Format::A_R_B_S_C_S: operands = fmt::format("r{}, fn {}, {} args", aOf(ins), bOf(ins), cOf(ins)); break;
        case Format::A_R_B_R_C_S:
          operands = fmt::format("r{}, r{}{}", aOf(ins), bOf(ins), cOf(ins) ? ", money" : "");
          break;
        case Format::J: operands = fmt::format("-> {}", static_cast<int64_t>(pc) + 1 + sbxOf(ins)); break;
        case Format::A_R_J:
          operands = fmt::format("r{}, -> {}", aOf(ins), static_cast<int64_t>(pc) + 1 + sbxOf(ins));
          break;
      }
      std::string text = fmt::format("  {:4}  {:<9} {}", pc, info.name, operands);
      if (!comment.empty()) text = fmt::format("{:<40} ; {}", text, comment);
      line(text);
    }
  }
  return out;
}

}  // namespace voronka::bc
