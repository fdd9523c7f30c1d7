// What a block or a text says, for people reading a diff: the actions in
// order, with the texts the code builds from constants and `{…}` parts.
// This follows the code straight through (both arms of an `if` are listed);
// it is for showing, the comparison itself is canon.cpp's.
#include <fmt/format.h>

#include <map>
#include <optional>

#include "runtime/bytecode/opcodes.h"
#include "runtime/moddiff/canon.h"

namespace voronka::moddiff {
namespace {

constexpr int kMaxDepth = 16;

// Registers whose value is a text known from the code: a constant, or an
// interpolation of constants and named values.
class Texts {
 public:
  explicit Texts(const bc::Module& m, const bc::Function& f) : m_(m), f_(f) {}

  void step(uint32_t ins) {
    bc::Op op = bc::opOf(ins);
    uint8_t a = bc::aOf(ins);
    switch (op) {
      case bc::Op::LoadK: {
        const bc::Constant& c = m_.constants[bc::bxOf(ins)];
        if (c.tag == bc::Tag::Text)
          regs_[a] = m_.str(c.str);
        else
          regs_.erase(a);
        break;
      }
      case bc::Op::Field: regs_[a] = "{" + m_.str(m_.fields[bc::bxOf(ins)].name) + "}"; break;
      case bc::Op::Builtin:
        regs_[a] = "{" + std::string(bc::builtinName(static_cast<bc::BuiltinValue>(bc::bOf(ins)))) + "}";
        break;
      case bc::Op::Payload:
        if (f_.eventParams >= 0)
          regs_[a] = "{" + m_.str(m_.events[f_.eventParams].params[bc::bOf(ins)].name) + "}";
        else
          regs_.erase(a);
        break;
      case bc::Op::ToText: {
        auto it = regs_.find(bc::bOf(ins));
        regs_[a] = it != regs_.end() ? it->second : "{…}";
        break;
      }
      case bc::Op::Move: {
        auto it = regs_.find(bc::bOf(ins));
        if (it != regs_.end())
          regs_[a] = it->second;
        else
          regs_.erase(a);
        break;
      }
      case bc::Op::Add: {
        auto b = regs_.find(bc::bOf(ins));
        auto c = regs_.find(bc::cOf(ins));
        if (b != regs_.end() && c != regs_.end())
          regs_[a] = b->second + c->second;
        else
          regs_.erase(a);
        break;
      }
      case bc::Op::Jmp:
      case bc::Op::JmpIf:
      case bc::Op::JmpIfNot:
      case bc::Op::Ret:
      case bc::Op::End:
      case bc::Op::Act: break;
      default: regs_.erase(a); break;
    }
  }
  std::string text(int reg) const {
    auto it = regs_.find(reg);
    return it != regs_.end() ? quote(it->second) : "…";
  }

 private:
  const bc::Module& m_;
  const bc::Function& f_;
  std::map<int, std::string> regs_;
};

std::string userOrTeam(const bc::Module& m, const bc::ActionDesc& d) {
  switch (d.assign) {
    case bc::AssignMode::None: return "";
    case bc::AssignMode::User: return m.str(m.users[d.user].name);
    case bc::AssignMode::RoundRobin: return "round_robin(" + m.str(m.teams[d.team].name) + ")";
    case bc::AssignMode::LeastBusy: return "least_busy(" + m.str(m.teams[d.team].name) + ")";
  }
  return "";
}

void listBlock(const bc::Module& m, int32_t function, int depth, const std::string& prefix,
               std::vector<std::string>& out);

std::string describe(const bc::Module& m, const bc::ActionDesc& d, int firstRegister, const Texts& texts, int depth,
                     std::vector<std::string>& thenLines) {
  using O = lang::ActionOperand;
  auto name = [&](const auto& table, int32_t i) { return m.str(table[static_cast<size_t>(i)].name); };
  auto stageName = [&](int32_t p, int32_t s) {
    return p >= 0 && s >= 0 ? m.str(m.pipelines[p].name) + "." + m.str(m.pipelines[p].stages[s].name) : "?";
  };
  int reg = firstRegister;
  std::string s(lang::actionInfo(d.kind).keyword);
  for (lang::ActionOperand o : lang::actionInfo(d.kind).operands) {
    switch (o) {
      case O::Target: s += d.isNext ? " next" : " " + stageName(d.pipeline, d.stage); break;
      case O::Text:
        if (d.text >= 0) s += " " + quote(m.str(d.text));
        break;
      case O::Comment:
        if (d.text >= 0) s += " comment " + quote(m.str(d.text));
        break;
      case O::TaskType:
        if (d.taskType >= 0) s += " " + name(m.taskTypes, d.taskType);
        break;
      case O::TextRegister: s += " " + texts.text(reg++); break;
      case O::Due:
        if (d.dueSeconds || d.dueWorkdays) s += " due " + duration(d.dueSeconds, d.dueWorkdays);
        break;
      case O::AtRegister:
        if (d.hasAt) {
          s += " at …";
          ++reg;
        }
        break;
      case O::ToUser:
        if (d.user >= 0) s += " to " + name(m.users, d.user);
        break;
      case O::Filter: {
        std::string_view filter = lang::keyword(d.filter);
        if (!filter.empty()) s += " " + std::string(filter);
        break;
      }
      case O::Template: s += " " + name(m.templates, d.templ); break;
      case O::TemplateOrText: s += d.templ >= 0 ? " " + name(m.templates, d.templ) : " " + texts.text(reg++); break;
      case O::FromUser:
        if (d.user >= 0) s += " from " + name(m.users, d.user);
        break;
      case O::ViaChannel:
        if (d.channel >= 0) s += " via " + name(m.channels, d.channel);
        break;
      case O::Body:
        if (!d.keys.empty()) {
          s += " with {";
          for (size_t i = 0; i < d.keys.size(); ++i) s += (i ? ", " : "") + m.str(d.keys[i]) + ": …";
          s += "}";
          reg += static_cast<int>(d.keys.size());
        }
        break;
      case O::Integration: s += " " + name(m.integrations, d.integration); break;
      case O::Label:
        if (d.hasLabel) {
          s += " label " + texts.text(reg++);
        }
        break;
      case O::TagChange: s += std::string(d.add ? " + " : " - ") + quote(m.str(d.text)); break;
      case O::SetTarget: {
        static const char* targets[] = {
            "", "deal.name", "contact.name", "contact.email", "contact.phone", "company.name"};
        s += " " + (d.setTarget == bc::SetTarget::Field ? name(m.fields, d.field)
                                                        : std::string(targets[static_cast<int>(d.setTarget)]));
        break;
      }
      case O::ValueRegister: s += " = " + texts.text(reg++); break;
      case O::Assignee: s += " " + userOrTeam(m, d); break;
      case O::CreateIn:
        s += " in " + (d.stage >= 0 ? stageName(d.pipeline, d.stage) : name(m.pipelines, d.pipeline));
        break;
      case O::Copy:
        if (!d.copy.empty()) {
          s += " copy";
          for (int32_t f : d.copy) s += " " + name(m.fields, f);
        }
        break;
      case O::AssignClause:
        if (d.assign != bc::AssignMode::None) s += " assign " + userOrTeam(m, d);
        break;
      case O::Form: s += " " + name(m.forms, d.form); break;
      case O::IntoField: s += " -> " + name(m.fields, d.field); break;
      case O::Recipient:
        s += d.recipient == bc::Recipient::Responsible ? " responsible"
             : d.recipient == bc::Recipient::User      ? " " + name(m.users, d.user)
                                                       : " " + name(m.teams, d.team);
        break;
      case O::ThenChain: {
        // `then after D { … }`: its block, and the `then`s chained after it.
        const bc::ActionDesc* link = &d;
        while (link && depth < kMaxDepth) {
          listBlock(m, link->function, depth + 1, "then after " + duration(link->dueSeconds, link->dueWorkdays) + ": ",
                    thenLines);
          link = link->next >= 0 ? &m.actions[static_cast<size_t>(link->next)] : nullptr;
          ++depth;
        }
        break;
      }
      case O::Percent: s += " " + fmt::format("{}%", d.percent); break;
      case O::Workhours:
        if (d.workhours == bc::WorkhoursShift::Later) s += " within workhours";
        if (d.workhours == bc::WorkhoursShift::Earlier) s += " within workhours earlier";
        break;
    }
  }
  return s;
}

void listBlock(const bc::Module& m, int32_t function, int depth, const std::string& prefix,
               std::vector<std::string>& out) {
  if (function < 0 || depth > kMaxDepth) return;
  const bc::Function& f = m.functions[static_cast<size_t>(function)];
  Texts texts(m, f);
  for (uint32_t ins : f.code) {
    bc::Op op = bc::opOf(ins);
    if (op == bc::Op::Act || op == bc::Op::Split) {
      std::vector<std::string> thenLines;
      out.push_back(prefix + describe(m, m.actions[bc::bxOf(ins)], bc::aOf(ins), texts, depth, thenLines));
      out.insert(out.end(), thenLines.begin(), thenLines.end());
    }
    texts.step(ins);
  }
}

}  // namespace

std::vector<std::string> blockActions(const bc::Module& m, int32_t function) {
  std::vector<std::string> out;
  listBlock(m, function, 0, "", out);
  return out;
}

std::string expressionText(const bc::Module& m, int32_t function) {
  if (function < 0) return "none";
  const bc::Function& f = m.functions[static_cast<size_t>(function)];
  Texts texts(m, f);
  for (uint32_t ins : f.code) {
    if (bc::opOf(ins) == bc::Op::Ret) return texts.text(bc::aOf(ins));
    texts.step(ins);
  }
  return "…";
}

}  // namespace voronka::moddiff
