#include "runtime/moddiff/canon.h"

#include <fmt/format.h>

#include <cmath>

#include "runtime/bytecode/disassembler.h"
#include "runtime/bytecode/opcodes.h"

namespace voronka::moddiff {
namespace {

// A then-chain nests blocks in blocks; deeper than this is not a real funnel.
constexpr int kMaxDepth = 64;

std::string number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

}  // namespace

std::string duration(int64_t seconds, int32_t workdays) {
  if (workdays) return fmt::format("{} workday{}", workdays, workdays == 1 ? "" : "s");
  return bc::durationText(seconds, 0);
}

std::string quote(std::string_view s, size_t max) { return bc::quoted(s, max); }

void Canon::aliasStage(int32_t pipeline, int32_t stage, std::string name) {
  stageAlias_[{pipeline, stage}] = std::move(name);
}
void Canon::aliasPipeline(int32_t pipeline, std::string name) { pipelineAlias_[pipeline] = std::move(name); }

std::string Canon::pipeline(int32_t p) const {
  if (p < 0 || p >= static_cast<int32_t>(m_.pipelines.size())) return "-";
  auto it = pipelineAlias_.find(p);
  return it != pipelineAlias_.end() ? it->second : m_.str(m_.pipelines[p].name);
}

std::string Canon::stage(int32_t p, int32_t s) const {
  if (p < 0 || s < 0 || p >= static_cast<int32_t>(m_.pipelines.size())) return pipeline(p) + ".-";
  auto it = stageAlias_.find({p, s});
  return pipeline(p) + "." + (it != stageAlias_.end() ? it->second : m_.str(m_.pipelines[p].stages[s].name));
}

std::string Canon::constant(int32_t k) const {
  const bc::Constant& c = m_.constants[static_cast<size_t>(k)];
  switch (c.tag) {
    case bc::Tag::None: return "none";
    case bc::Tag::Bool: return c.i ? "true" : "false";
    case bc::Tag::Number: return number(c.num);
    case bc::Tag::Text: return quote(m_.str(c.str), SIZE_MAX);
    case bc::Tag::Date: return fmt::format("date {}", c.i);
    case bc::Tag::DateTime: return fmt::format("datetime {}", c.i);
    case bc::Tag::Duration: return c.aux == bc::kWorkdays ? fmt::format("{} workdays", c.i) : duration(c.i, 0);
    case bc::Tag::Time: return fmt::format("{:02}:{:02}", c.i / 60, c.i % 60);
    case bc::Tag::Enum:
      return m_.str(m_.enums[c.aux].owner) + "." + m_.str(m_.enums[c.aux].members[static_cast<size_t>(c.i)]);
    case bc::Tag::User: return "user " + m_.str(m_.users[static_cast<size_t>(c.i)].name);
    case bc::Tag::Tags: return "tags";
    case bc::Tag::Stage: return "stage " + stage(c.aux, static_cast<int32_t>(c.i));
    case bc::Tag::Pipeline: return "pipeline " + pipeline(static_cast<int32_t>(c.i));
  }
  return "?";
}

std::string Canon::event(int32_t event, int32_t arg) const {
  if (event < 0) return "-";
  const bc::EventDef& e = m_.events[event];
  std::string s = m_.str(e.name);
  if (arg < 0) return s;
  switch (e.arg) {
    case bc::ArgKind::None: break;
    case bc::ArgKind::Template: s += "(" + m_.str(m_.templates[arg].name) + ")"; break;
    case bc::ArgKind::Form: s += "(" + m_.str(m_.forms[arg].name) + ")"; break;
    case bc::ArgKind::Channel: s += "(" + m_.str(m_.channels[arg].name) + ")"; break;
    case bc::ArgKind::TaskType: s += "(" + m_.str(m_.taskTypes[arg].name) + ")"; break;
    case bc::ArgKind::Field: s += "(" + m_.str(m_.fields[arg].name) + ")"; break;
    case bc::ArgKind::Tag: s += "(" + quote(m_.str(arg), SIZE_MAX) + ")"; break;
  }
  return s;
}

std::string Canon::function(int32_t f) const { return functionAt(f, 0); }
std::string Canon::action(int32_t a) const { return actionAt(a, 0); }

std::string Canon::functionAt(int32_t f, int depth) const {
  if (f < 0) return "-";
  if (depth > kMaxDepth) return "…";
  const bc::Function& fn = m_.functions[static_cast<size_t>(f)];
  std::string out = fn.kind == bc::FunctionKind::Block ? "{" : "(";
  for (uint32_t ins : fn.code) {
    bc::Op op = bc::opOf(ins);
    out += bc::opInfo(op).name;
    switch (bc::opInfo(op).format) {
      case bc::Format::N: break;
      case bc::Format::A_R: out += fmt::format(" r{}", bc::aOf(ins)); break;
      case bc::Format::A_R_B_S:
        if (op == bc::Op::Builtin)
          out += fmt::format(" r{} {}", bc::aOf(ins), bc::builtinName(static_cast<bc::BuiltinValue>(bc::bOf(ins))));
        else if (op == bc::Op::Payload && fn.eventParams >= 0)
          out += fmt::format(" r{} {}", bc::aOf(ins), m_.str(m_.events[fn.eventParams].params[bc::bOf(ins)].name));
        else
          out += fmt::format(" r{} {}", bc::aOf(ins), bc::bOf(ins));
        break;
      case bc::Format::A_R_B_R: out += fmt::format(" r{} r{}", bc::aOf(ins), bc::bOf(ins)); break;
      case bc::Format::A_R_Bx_K: out += fmt::format(" r{} {}", bc::aOf(ins), constant(bc::bxOf(ins))); break;
      case bc::Format::A_R_Bx_F:
        out += fmt::format(" r{} {}", bc::aOf(ins), m_.str(m_.fields[bc::bxOf(ins)].name));
        break;
      case bc::Format::A_R_Bx_D:
        out += fmt::format(" r{} [{}]", bc::aOf(ins), actionAt(bc::bxOf(ins), depth + 1));
        break;
      case bc::Format::A_R_B_R_C_R: out += fmt::format(" r{} r{} r{}", bc::aOf(ins), bc::bOf(ins), bc::cOf(ins)); break;
      case bc::Format::A_R_B_R_C_K:
        out += fmt::format(" r{} r{} {}", bc::aOf(ins), bc::bOf(ins), constant(bc::cOf(ins)));
        break;
      case bc::Format::A_R_B_S_C_S:
      case bc::Format::A_R_B_R_C_S: out += fmt::format(" r{} {} {}", bc::aOf(ins), bc::bOf(ins), bc::cOf(ins)); break;
      case bc::Format::J: out += fmt::format(" {}", bc::sbxOf(ins)); break;
      case bc::Format::A_R_J: out += fmt::format(" r{} {}", bc::aOf(ins), bc::sbxOf(ins)); break;
    }
    out += ";";
  }
  return out + (fn.kind == bc::FunctionKind::Block ? "}" : ")");
}

// Every member of the descriptor, names for indexes; the split's site number
// and the line are left out (they follow the position in the file).
std::string Canon::actionAt(int32_t a, int depth) const {
  if (a < 0) return "-";
  if (depth > kMaxDepth) return "…";
  const bc::ActionDesc& d = m_.actions[static_cast<size_t>(a)];
  auto tableName = [&](const auto& table, int32_t i) { return i >= 0 ? m_.str(table[i].name) : std::string("-"); };
  std::string s(lang::actionInfo(d.kind).keyword);
  if (d.pipeline >= 0) s += " in=" + (d.stage >= 0 ? stage(d.pipeline, d.stage) : pipeline(d.pipeline));
  if (d.isNext) s += " next";
  if (d.text >= 0) s += " text=" + quote(m_.str(d.text), SIZE_MAX);
  s += " type=" + tableName(m_.taskTypes, d.taskType);
  s += " due=" + duration(d.dueSeconds, d.dueWorkdays);
  s += fmt::format(" at={} wh={} filter={}", d.hasAt, static_cast<int>(d.workhours), static_cast<int>(d.filter));
  s += " user=" + tableName(m_.users, d.user) + " template=" + tableName(m_.templates, d.templ) +
       " channel=" + tableName(m_.channels, d.channel) + " integration=" + tableName(m_.integrations, d.integration);
  s += " keys=";
  for (int32_t k : d.keys) s += m_.str(k) + ",";
  s += fmt::format(" label={} add={} target={} field=", d.hasLabel, d.add, static_cast<int>(d.setTarget));
  s += tableName(m_.fields, d.field);
  s += fmt::format(" assign={} team=", static_cast<int>(d.assign)) + tableName(m_.teams, d.team) + " copy=";
  for (int32_t f : d.copy) s += m_.str(m_.fields[f].name) + ",";
  s += " form=" + tableName(m_.forms, d.form) +
       fmt::format(" to={} percent={}", static_cast<int>(d.recipient), d.percent);
  if (d.function >= 0) s += " then " + functionAt(d.function, depth + 1);
  if (d.next >= 0) s += " next " + actionAt(d.next, depth + 1);
  return s;
}

std::string Canon::rule(int32_t r) const {
  const bc::RuleDef& d = m_.rules[static_cast<size_t>(r)];
  std::string s = "on " + event(d.event, d.arg);
  if (d.fromStage >= 0) s += " from " + stage(d.pipeline, d.fromStage);
  s += fmt::format(" once={} trigger={} timing={} delay={} at={}", d.once, d.trigger, static_cast<int>(d.timing),
                   duration(d.delaySeconds, d.delayWorkdays), d.atMinutes);
  s += " unless " + event(d.unlessEvent, d.unlessArg);
  s += fmt::format(" wh={} late={}", static_cast<int>(d.workhours), d.lateSkip);
  s += " when " + function(d.when) + " atexpr " + function(d.at) + " while " + function(d.whileCondition);
  return s + " do " + function(d.body);
}

std::string ruleKey(const bc::Module& m, const bc::RuleDef& r) {
  if (r.event < 0) return "timer";
  std::string s = "on " + Canon(m).event(r.event, r.arg);
  if (r.fromStage >= 0) s += " from " + m.str(m.pipelines[r.pipeline].stages[r.fromStage].name);
  return s;
}

std::string ruleHead(const bc::Module& m, const bc::RuleDef& r) {
  std::string s;
  if (r.event >= 0) {
    s = "on " + Canon(m).event(r.event, r.arg);
    if (r.fromStage >= 0) s += " from " + m.str(m.pipelines[r.pipeline].stages[r.fromStage].name);
  }
  auto add = [&](const std::string& part) { s += (s.empty() ? "" : " ") + part; };
  switch (r.timing) {
    case bc::TimingKind::None: break;
    case bc::TimingKind::After:
      add("after " + duration(r.delaySeconds, r.delayWorkdays));
      if (r.atMinutes >= 0) s += fmt::format(" at {:02}:{:02}", r.atMinutes / 60, r.atMinutes % 60);
      break;
    case bc::TimingKind::At: add("at …"); break;
    case bc::TimingKind::Every:
      add("every " + duration(r.delaySeconds, r.delayWorkdays));
      if (r.whileCondition >= 0) s += " while …";
      break;
  }
  if (r.unlessEvent >= 0) add("unless " + Canon(m).event(r.unlessEvent, r.unlessArg));
  if (r.workhours == bc::WorkhoursShift::Later) add("within workhours");
  if (r.workhours == bc::WorkhoursShift::Earlier) add("within workhours earlier");
  if (r.lateSkip) add("late skip");
  if (r.once) add("once");
  if (r.when >= 0) add("when …");
  return s.empty() ? "rule" : s;
}

}  // namespace voronka::moddiff
