#include "runtime/bytecode/verifier.h"

#include <fmt/format.h>

#include <stdexcept>

#include "runtime/bytecode/container.h"
#include "runtime/bytecode/limits.h"

namespace voronka::bc {
namespace {

class Verifier {
 public:
  explicit Verifier(const Module& m) : m_(m) {}

  void run() {
    for (size_t i = 0; i < m_.constants.size(); ++i) constant(i);
    for (size_t i = 0; i < m_.functions.size(); ++i) function(i);
    schema();
    for (size_t i = 0; i < m_.calendars.size(); ++i) calendar(i);
    if (m_.calendars.empty()) fail("there is no account calendar");
    for (size_t i = 0; i < m_.pipelines.size(); ++i) pipeline(i);
    for (size_t i = 0; i < m_.rules.size(); ++i) rule(i);
    for (size_t i = 0; i < m_.actions.size(); ++i) action(i);
  }

 private:
  const Module& m_;

  [[noreturn]] void fail(const std::string& what) const { throw LoadError("invalid module: " + what); }

  // The name of a module table, for messages: "refers to constant 7 of 5".
  const char* tableName(const void* table) const {
    if (table == &m_.strings) return "string";
    if (table == &m_.constants) return "constant";
    if (table == &m_.functions) return "function";
    if (table == &m_.fields) return "field";
    if (table == &m_.enums) return "enum";
    if (table == &m_.users) return "user";
    if (table == &m_.events) return "event";
    if (table == &m_.actions) return "action";
    if (table == &m_.calendars) return "calendar";
    if (table == &m_.pipelines) return "pipeline";
    if (table == &m_.rules) return "rule";
    if (table == &m_.channels) return "channel";
    return "entry";
  }

  template <typename T>
  void index(int32_t i, const std::vector<T>& table, const std::string& what, bool optional = false) const {
    if (i == kNo && optional) return;
    if (i < 0 || static_cast<size_t>(i) >= table.size()) {
      fail(fmt::format("{} refers to {} {} of {}", what, tableName(&table), i, table.size()));
    }
  }
  // A constant's 64-bit index: checked whole, not cut to 32 bits first (2^32
  // would pass as 0, and its users index with all 64 bits).
  template <typename T>
  void index64(int64_t i, const std::vector<T>& table, const std::string& what) const {
    if (i < 0 || static_cast<uint64_t>(i) >= table.size()) {
      fail(fmt::format("{} refers to {} {} of {}", what, tableName(&table), i, table.size()));
    }
  }
  void str(int32_t i, const std::string& what, bool optional = true) const { index(i, m_.strings, what, optional); }
  void expressionFn(int32_t f, const std::string& what, bool optional = true) const {
    index(f, m_.functions, what, optional);
    if (f != kNo && m_.functions[f].kind != FunctionKind::Expression) fail(what + " is not an expression");
  }
  void blockFn(int32_t f, const std::string& what, bool optional = false) const {
    index(f, m_.functions, what, optional);
    if (f != kNo && m_.functions[f].kind != FunctionKind::Block) fail(what + " is not an action block");
  }

  void constant(size_t i) const {
    const Constant& c = m_.constants[i];
    std::string what = fmt::format("constant {}", i);
    switch (c.tag) {
      case Tag::Text: str(c.str, what, false); break;
      case Tag::Enum:
        index(c.aux, m_.enums, what);
        index64(c.i, m_.enums[c.aux].members, what + " (an enum member)");
        break;
      case Tag::User: index64(c.i, m_.users, what); break;
      case Tag::Stage:
        index(c.aux, m_.pipelines, what);
        index64(c.i, m_.pipelines[c.aux].stages, what);
        break;
      case Tag::Pipeline: index64(c.i, m_.pipelines, what); break;
      case Tag::Bool:
        if (c.i != 0 && c.i != 1) fail(what + " is a bool that is neither true nor false");
        break;
      case Tag::Tags: fail(what + " cannot be a tag list");
      default: break;
    }
  }

  void function(size_t fi) const {
    const Function& f = m_.functions[fi];
    std::string where = fmt::format("function {} ({})", fi, m_.str(f.name));
    str(f.name, where);
    str(f.file, where);
    index(f.eventParams, m_.events, where, true);
    if (f.code.empty()) fail(where + " has no code");
    if (f.lines.size() != f.code.size()) fail(where + " has a line table of the wrong length");
    Op last = opOf(f.code.back());
    if (f.kind == FunctionKind::Expression && last != Op::Ret) fail(where + " does not end with Ret");
    if (f.kind == FunctionKind::Block && last != Op::End) fail(where + " does not end with End");
    size_t params = f.eventParams == kNo ? 0 : m_.events[f.eventParams].params.size();
    for (size_t pc = 0; pc < f.code.size(); ++pc) {
      uint32_t ins = f.code[pc];
      std::string at = fmt::format("{}, instruction {}", where, pc);
      if ((ins & limits::kOpMask) >= kOpCount) fail(at + ": unknown opcode");
      Op op = opOf(ins);
      const OpInfo& info = opInfo(op);
      auto reg = [&](uint8_t r) {
        if (r >= f.registers) fail(fmt::format("{}: register {} out of range ({} registers)", at, r, f.registers));
      };
      auto jump = [&]() {
        int64_t target = static_cast<int64_t>(pc) + 1 + sbxOf(ins);
        if (target <= static_cast<int64_t>(pc) || target >= static_cast<int64_t>(f.code.size())) {
          fail(fmt::format("{}: jump to {} (jumps go forward, inside the function)", at, target));
        }
      };
      switch (info.format) {
        case Format::N: break;
        case Format::A_R: reg(aOf(ins)); break;
        case Format::A_R_B_S: {
          reg(aOf(ins));
          uint8_t b = bOf(ins);
          if (op == Op::LoadBool && b > 1) fail(at + ": LoadBool takes 0 or 1");
          if (op == Op::Builtin && b >= static_cast<uint8_t>(BuiltinValue::Count_))
            fail(at + ": unknown built-in value");
          if (op == Op::Payload && b >= params) fail(at + ": payload field out of range");
          break;
        }
        case Format::A_R_B_R:
          reg(aOf(ins));
          reg(bOf(ins));
          break;
        case Format::A_R_Bx_K:
          reg(aOf(ins));
          index(bxOf(ins), m_.constants, at);
          break;
        case Format::A_R_Bx_F:
          reg(aOf(ins));
          index(bxOf(ins), m_.fields, at);
          break;
        case Format::A_R_Bx_D: {
          reg(aOf(ins));
          index(bxOf(ins), m_.actions, at);
          const ActionDesc& a = m_.actions[bxOf(ins)];
          bool splitDescriptor = lang::actionInfo(a.kind).compiled == lang::Compiled::SplitAct;
          if ((op == Op::Split) != splitDescriptor) fail(at + ": the descriptor is of the wrong kind");
          int operands = op == Op::Split ? 1 : dynamicOperands(a);
          if (operands > 0) reg(static_cast<uint8_t>(aOf(ins) + operands - 1));
          if (aOf(ins) + operands > static_cast<int>(limits::kRegisterFileSize))
            fail(at + ": operands run past the registers");
          if (f.kind != FunctionKind::Block) fail(at + ": actions stand only in action blocks");
          break;
        }
        case Format::A_R_B_R_C_R:
          reg(aOf(ins));
          reg(bOf(ins));
          reg(cOf(ins));
          break;
        case Format::A_R_B_R_C_K:
          reg(aOf(ins));
          reg(bOf(ins));
          index(cOf(ins), m_.constants, at);
          break;
        case Format::A_R_B_S_C_S:
          reg(aOf(ins));
          if (bOf(ins) >= standardFunctionCount()) fail(at + ": unknown standard function");
          if (aOf(ins) + cOf(ins) >= f.registers) fail(at + ": arguments run past the registers");
          break;
        case Format::A_R_B_R_C_S:
          reg(aOf(ins));
          reg(bOf(ins));
          if (cOf(ins) > 3) fail(at + ": text style out of range");  // bit 1 money, bit 2 URL part
          break;
        case Format::J: jump(); break;
        case Format::A_R_J:
          reg(aOf(ins));
          jump();
          break;
      }
      if (op == Op::Ret && f.kind != FunctionKind::Expression) fail(at + ": Ret in an action block");
      if (op == Op::End && f.kind != FunctionKind::Block) fail(at + ": End in an expression");
      if (f.lines[pc] < 0) fail(at + ": negative line number");
    }
  }

  void schema() const {
    for (size_t i = 0; i < m_.fields.size(); ++i) {
      const FieldDef& f = m_.fields[i];
      std::string what = fmt::format("field {}", i);
      str(f.name, what, false);
      str(f.title, what);
      if (f.type == ValueType::Enum) index(f.enumId, m_.enums, what);
      index(f.defaultValue, m_.constants, what, true);
    }
    for (size_t i = 0; i < m_.enums.size(); ++i) {
      const EnumDef& e = m_.enums[i];
      std::string what = fmt::format("enum {}", i);
      str(e.owner, what);
      if (e.members.size() != e.titles.size()) fail(what + " has members and titles of different counts");
      for (int32_t s : e.members) str(s, what, false);
      for (int32_t s : e.titles) str(s, what, false);
    }
    for (size_t i = 0; i < m_.users.size(); ++i) str(m_.users[i].name, fmt::format("user {}", i), false);
    for (size_t i = 0; i < m_.teams.size(); ++i) {
      std::string what = fmt::format("team {}", i);
      str(m_.teams[i].name, what, false);
      for (int32_t u : m_.teams[i].members) index(u, m_.users, what);
    }
    for (size_t i = 0; i < m_.templates.size(); ++i) {
      std::string what = fmt::format("template {}", i);
      str(m_.templates[i].name, what, false);
      expressionFn(m_.templates[i].subject, what);
      expressionFn(m_.templates[i].body, what);
    }
    for (size_t i = 0; i < m_.forms.size(); ++i) {
      std::string what = fmt::format("form {}", i);
      str(m_.forms[i].name, what, false);
      for (int32_t f : m_.forms[i].fields) index(f, m_.fields, what);
    }
    for (size_t i = 0; i < m_.integrations.size(); ++i) {
      std::string what = fmt::format("integration {}", i);
      str(m_.integrations[i].name, what, false);
      expressionFn(m_.integrations[i].url, what);
      for (int32_t e : m_.integrations[i].answers) index(e, m_.events, what);
    }
    for (size_t i = 0; i < m_.events.size(); ++i) {
      std::string what = fmt::format("event {}", i);
      str(m_.events[i].name, what, false);
      for (const auto& p : m_.events[i].params) {
        str(p.name, what, false);
        if (p.type == ValueType::Enum) index(p.enumId, m_.enums, what);
      }
    }
    for (const auto& t : m_.taskTypes) str(t.name, "a task type", false);
    for (const auto& c : m_.channels) str(c.name, "a channel", false);
  }

  void calendar(size_t i) const {
    const CalendarDef& c = m_.calendars[i];
    std::string what = fmt::format("calendar {}", i);
    str(c.name, what);
    str(c.timezone, what, false);
    str(c.currency, what);
    for (const auto& day : c.windows) {
      for (auto [from, to] : day) {
        if (from < 0 || to > 24 * 60 || from >= to) fail(what + " has a working window out of order");
      }
    }
    for (auto [from, to] : c.holidays) {
      if (from > to) fail(what + " has a holiday range out of order");
    }
  }

  void pipeline(size_t pi) const {
    const PipelineDef& p = m_.pipelines[pi];
    std::string what = fmt::format("pipeline {}", pi);
    str(p.name, what, false);
    str(p.title, what);
    index(p.calendar, m_.calendars, what);
    if (p.stages.empty()) fail(what + " has no stages");
    index(p.initial, p.stages, what + "'s initial stage");
    index(p.won, p.stages, what + "'s won stage");
    index(p.lost, p.stages, what + "'s lost stage");
    if (p.stages[p.won].kind != StageKind::Won || p.stages[p.lost].kind != StageKind::Lost ||
        p.stages[p.initial].kind != StageKind::Working) {
      fail(what + " has its initial, won or lost stage of the wrong kind");
    }
    for (size_t s = 0; s < p.stages.size(); ++s) {
      bool working = p.stages[s].kind == StageKind::Working;
      if (working != (static_cast<int32_t>(s) < p.won) ||
          (p.stages[s].kind == StageKind::Won) != (static_cast<int32_t>(s) == p.won)) {
        fail(what + ": stages are not in order (working, won, lost)");
      }
    }
    for (int32_t r : p.reasons) str(r, what, false);
    index(p.otherReason, p.reasons, what, true);
    for (size_t s = 0; s < p.stages.size(); ++s) {
      const StageDef& stage = p.stages[s];
      std::string sw = fmt::format("{} stage {}", what, s);
      str(stage.name, sw, false);
      str(stage.title, sw);
      for (const auto& g : stage.guards) {
        expressionFn(g.condition, sw + " guard", false);
        str(g.message, sw);
      }
      for (int32_t r : stage.rules) {
        index(r, m_.rules, sw);
        const RuleDef& rule = m_.rules[r];
        if (rule.pipeline != static_cast<int32_t>(pi) || (rule.stage != kNo && rule.stage != static_cast<int32_t>(s))) {
          fail(fmt::format("{} lists rule {} of another stage", sw, r));
        }
      }
    }
  }

  void rule(size_t i) const {
    const RuleDef& r = m_.rules[i];
    std::string what = fmt::format("rule {}", i);
    index(r.pipeline, m_.pipelines, what);
    index(r.stage, m_.pipelines[r.pipeline].stages, what, true);
    index(r.event, m_.events, what, true);
    index(r.fromStage, m_.pipelines[r.pipeline].stages, what, true);
    if (r.event != kNo) argument(r.event, r.arg, what);
    index(r.unlessEvent, m_.events, what, true);
    if (r.unlessEvent != kNo) argument(r.unlessEvent, r.unlessArg, what);
    expressionFn(r.when, what);
    expressionFn(r.at, what);
    expressionFn(r.whileCondition, what);
    blockFn(r.body, what);
    for (int32_t f : r.atFields) index(f, m_.fields, what);
    str(r.file, what);
    if (r.delaySeconds < 0 || r.delayWorkdays < 0) fail(what + " has a negative delay");
    if (r.atMinutes != kNo && (r.atMinutes < 0 || r.atMinutes >= 24 * 60))
      fail(what + " has a time of day out of range");
    if (r.timing == TimingKind::Every && r.delaySeconds <= 0 && r.delayWorkdays <= 0)
      fail(what + " repeats every zero seconds");
    if (r.timing == TimingKind::At && r.at == kNo) fail(what + " has `at` without a time");
  }

  void argument(int32_t event, int32_t arg, const std::string& what) const {
    if (arg == kNo) return;
    switch (m_.events[event].arg) {
      case ArgKind::None: fail(what + " filters an event that takes no argument");
      case ArgKind::Template: index(arg, m_.templates, what); break;
      case ArgKind::Form: index(arg, m_.forms, what); break;
      case ArgKind::Channel: index(arg, m_.channels, what); break;
      case ArgKind::TaskType: index(arg, m_.taskTypes, what); break;
      case ArgKind::Field: index(arg, m_.fields, what); break;
      case ArgKind::Tag: str(arg, what, false); break;
    }
  }

  void action(size_t i) const {
    const ActionDesc& a = m_.actions[i];
    std::string what = fmt::format("action {}", i);
    const lang::ActionInfo& info = lang::actionInfo(a.kind);
    if (info.compiled == lang::Compiled::Jumps)
      fail(fmt::format("{} is `{}`, which has no descriptor", what, info.keyword));
    for (lang::ActionOperand o : info.operands) operand(o, i, a, what);
    // The engine reads the channel of `message` and `sms` alike, though only
    // `message` has a `via` operand: whatever is there must exist.
    if (a.channel != kNo) index(a.channel, m_.channels, what + " (its channel)");
  }

  // One operand kind of common/language/action_operands.def at a time: what
  // it reads of the descriptor must point into the module's tables.
  void operand(lang::ActionOperand o, size_t i, const ActionDesc& a, const std::string& what) const {
    using O = lang::ActionOperand;
    switch (o) {
      case O::Target:
        if (!a.isNext) {
          index(a.pipeline, m_.pipelines, what);
          index(a.stage, m_.pipelines[a.pipeline].stages, what);
        }
        break;
      case O::Text:
      case O::Comment: str(a.text, what); break;
      case O::TagChange: str(a.text, what, false); break;
      case O::TaskType: index(a.taskType, m_.taskTypes, what, true); break;
      case O::Due:
        if (a.dueSeconds < 0 || a.dueWorkdays < 0) fail(what + " has a negative due time");
        break;
      case O::ToUser:
      case O::FromUser: index(a.user, m_.users, what, true); break;
      case O::Template: index(a.templ, m_.templates, what); break;
      case O::TemplateOrText: index(a.templ, m_.templates, what, true); break;
      case O::ViaChannel: index(a.channel, m_.channels, what, true); break;
      case O::Body:
        for (int32_t k : a.keys) str(k, what, false);
        break;
      case O::Integration: index(a.integration, m_.integrations, what); break;
      case O::SetTarget:
        if (a.setTarget == SetTarget::Field) index(a.field, m_.fields, what);
        break;
      case O::Assignee:
      case O::AssignClause:
        if (a.assign == AssignMode::User) index(a.user, m_.users, what);
        if (a.assign == AssignMode::RoundRobin || a.assign == AssignMode::LeastBusy) index(a.team, m_.teams, what);
        break;
      case O::CreateIn:
        index(a.pipeline, m_.pipelines, what);
        index(a.stage, m_.pipelines[a.pipeline].stages, what, true);
        break;
      case O::Copy:
        for (int32_t f : a.copy) index(f, m_.fields, what);
        break;
      case O::Form: index(a.form, m_.forms, what); break;
      case O::IntoField: index(a.field, m_.fields, what); break;
      case O::Recipient:
        if (a.recipient == Recipient::User) index(a.user, m_.users, what);
        if (a.recipient == Recipient::Team) index(a.team, m_.teams, what);
        break;
      case O::ThenChain:
        blockFn(a.function, what);
        index(a.next, m_.actions, what, true);
        if (a.next != kNo && (a.next <= static_cast<int32_t>(i) || m_.actions[a.next].kind != ActionKind::Then)) {
          fail(what + " chains to something that is not a later `then`");
        }
        if (a.dueSeconds < 0 || a.dueWorkdays < 0) fail(what + " has a negative delay");
        break;
      case O::Percent:
        if (!(a.percent >= 0 && a.percent <= 100)) fail(what + " has a share out of 0..100");
        break;
      case O::TextRegister:
      case O::AtRegister:
      case O::Filter:
      case O::Label:
      case O::ValueRegister:
      case O::Workhours: break;  // registers (checked with the `Act`) and flags
    }
  }
};

}  // namespace

int dynamicOperands(const ActionDesc& a) {
  // The registers column of action_operands.def; Varies depends on the descriptor.
  constexpr int Varies = -1;
  constexpr int kFixed[] = {
#define OPERAND(Name, registers, what) registers,
#include "common/language/action_operands.def"
#undef OPERAND
  };
  int count = 0;
  for (lang::ActionOperand o : lang::actionInfo(a.kind).operands) {
    switch (o) {
      case lang::ActionOperand::AtRegister: count += a.hasAt ? 1 : 0; break;
      case lang::ActionOperand::TemplateOrText: count += a.templ == kNo ? 1 : 0; break;
      case lang::ActionOperand::Body: count += static_cast<int>(a.keys.size()); break;
      case lang::ActionOperand::Label: count += a.hasLabel ? 1 : 0; break;
      default: {
        int fixed = kFixed[static_cast<size_t>(o)];
        // An operand whose count varies needs its own case above.
        if (fixed == Varies) throw std::logic_error("an action operand without a register rule");
        count += fixed;
      }
    }
  }
  return count;
}

int standardFunctionCount() {
  static const int count = [] {
    int n = 0;
#define FUNCTION(Id, Name, Result, MinArgs, ...) ++n;
#include "stdlib/functions.def"
#undef FUNCTION
    return n;
  }();
  return count;
}

void verify(const Module& module) { Verifier(module).run(); }

}  // namespace voronka::bc
