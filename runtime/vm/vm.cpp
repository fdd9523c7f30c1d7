#include "runtime/vm/vm.h"

#include "runtime/vm/url_text.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <new>
#include <optional>

#include "runtime/bytecode/limits.h"
#include "runtime/bytecode/opcodes.h"
#include "runtime/vm/stdlib.h"

namespace voronka::vm {

using bc::Tag;
using bc::Value;

namespace {

// A date compared with a datetime stands for its local midnight.
int64_t asInstant(const Value& v, const Calendar* calendar) {
  if (v.tag == Tag::Date) return calendar ? calendar->utcOf(v.i, 0) : v.i * 86400;
  return v.i;
}

bool temporal(Tag t) { return t == Tag::Date || t == Tag::DateTime; }

}  // namespace

std::optional<int> compareValues(const Value& a, const Value& b, const Calendar* calendar) {
  if (a.isNone() || b.isNone()) return std::nullopt;
  auto order = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  if (a.tag == Tag::Number && b.tag == Tag::Number) return order(a.num, b.num);
  if (temporal(a.tag) && temporal(b.tag)) {
    if (a.tag == b.tag) return order(a.i, b.i);
    return order(asInstant(a, calendar), asInstant(b, calendar));
  }
  if (a.tag == Tag::Duration && b.tag == Tag::Duration) {
    if (!inRange(a) || !inRange(b)) return std::nullopt;
    // A working day counts as a day when compared with fixed durations.
    int64_t x = a.aux == bc::kWorkdays ? a.i * 86400 : a.i;
    int64_t y = b.aux == bc::kWorkdays ? b.i * 86400 : b.i;
    return order(x, y);
  }
  if (a.tag != b.tag) return std::nullopt;
  switch (a.tag) {
    case Tag::Text: return order(a.textView(), b.textView());
    case Tag::Time:
    case Tag::User:
    case Tag::Bool: return order(a.i, b.i);
    case Tag::Enum:
    case Tag::Stage:  // stages of different pipelines are different, not ordered
      if (a.aux != b.aux) return std::nullopt;
      return order(a.i, b.i);
    case Tag::Pipeline: return order(a.i, b.i);
    default: return std::nullopt;
  }
}

bool valuesEqual(const Value& a, const Value& b, const Calendar* calendar) {
  if (a.isNone() || b.isNone()) return a.isNone() && b.isNone();
  std::optional<int> c = compareValues(a, b, calendar);
  return c && *c == 0;
}

Vm::Vm(const bc::Module& module) : module_(module) {
  constants_.reserve(module.constants.size());
  for (const bc::Constant& c : module.constants) {
    Value v;
    v.tag = c.tag;
    v.aux = c.aux;
    if (c.tag == Tag::Number) {
      v.num = c.num;
    } else if (c.tag == Tag::Text) {
      v = Value::text(module.str(c.str));
    } else {
      v.i = c.i;
    }
    constants_.push_back(v);
  }
}

std::string_view Vm::keep(std::string s) {
  scratch_.push_back(std::move(s));
  return scratch_.back();
}

Value Vm::evaluate(int32_t function, Host& host) {
  if (depth_ == 0) scratch_.clear();
  ++depth_;
  Value v = execute(module_.functions[static_cast<size_t>(function)], host);
  --depth_;
  return v;
}

void Vm::run(int32_t function, Host& host) {
  if (depth_ == 0) scratch_.clear();
  ++depth_;
  execute(module_.functions[static_cast<size_t>(function)], host);
  --depth_;
}

std::string Vm::text(const Value& v, bool money, Host& host) {
  switch (v.tag) {
    case Tag::None: return "";
    case Tag::Bool: return v.i ? "да" : "нет";
    case Tag::Number: {
      double x = v.num;
      if (!std::isfinite(x)) return "";
      bool whole = std::fabs(x - std::round(x)) < 1e-9 && std::fabs(x) < 1e15;
      // Money shows kopecks (two decimals), other numbers up to six; trailing zeros go.
      std::string s = whole   ? fmt::format("{}", static_cast<long long>(std::llround(x)))
                      : money ? fmt::format("{:.2f}", x)
                              : fmt::format("{:.6f}", x);
      if (!whole) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
      }
      if (!money) return s;
      // Group the digits of the whole part by three: 1 250 000.
      size_t start = s[0] == '-' ? 1 : 0;
      size_t end = s.find('.');
      if (end == std::string::npos) end = s.size();
      std::string grouped = s.substr(0, start);
      for (size_t i = start; i < end; ++i) {
        grouped += s[i];
        size_t left = end - i - 1;
        if (left > 0 && left % 3 == 0) grouped += ' ';
      }
      return grouped + s.substr(end);
    }
    case Tag::Text: return std::string(v.textView());
    case Tag::Date: return Calendar::formatDate(v.i);
    case Tag::DateTime: return host.calendar().formatDateTime(v.i);
    case Tag::Duration: {
      if (v.aux == bc::kWorkdays) return fmt::format("{} workdays", v.i);
      if (!inRange(v)) return "";  // from a damaged store: -v.i could overflow
      std::string out;
      int64_t s = v.i;
      if (s < 0) {
        out = "-";
        s = -s;
      }
      const std::pair<int64_t, const char*> units[] = {{86400, "d"}, {3600, "h"}, {60, "m"}};
      for (auto [size, unit] : units) {
        if (s >= size) {
          out += fmt::format("{}{}", s / size, unit);
          s %= size;
        }
      }
      return out.empty() || out == "-" ? "0m" : out;
    }
    case Tag::Time: return fmt::format("{:02}:{:02}", v.i / 60, v.i % 60);
    case Tag::Enum: {
      const bc::EnumDef& e = module_.enums[v.aux];
      return v.i >= 0 && static_cast<size_t>(v.i) < e.titles.size() ? module_.str(e.titles[static_cast<size_t>(v.i)])
                                                                    : "";
    }
    case Tag::User:
      return v.i >= 0 && static_cast<size_t>(v.i) < module_.users.size()
                 ? module_.str(module_.users[static_cast<size_t>(v.i)].title)
                 : "";
    case Tag::Stage: {
      // A stage shows as its title, as the CRM shows it.
      if (v.aux >= module_.pipelines.size()) return "";
      const bc::PipelineDef& p = module_.pipelines[v.aux];
      return v.i >= 0 && static_cast<size_t>(v.i) < p.stages.size()
                 ? module_.str(p.stages[static_cast<size_t>(v.i)].title)
                 : "";
    }
    case Tag::Pipeline:
      return v.i >= 0 && static_cast<size_t>(v.i) < module_.pipelines.size()
                 ? module_.str(module_.pipelines[static_cast<size_t>(v.i)].title)
                 : "";
    case Tag::Tags: {
      const auto* tags = static_cast<const std::vector<std::string>*>(v.ptr);
      std::string out;
      for (const auto& t : *tags) out += (out.empty() ? "" : ", ") + t;
      return out;
    }
  }
  return "";
}

Value Vm::execute(const bc::Function& f, Host& host) {
  // Only the registers the function uses are cleared: most have a handful.
  alignas(Value) unsigned char storage[limits::kRegisterFileSize * sizeof(Value)];
  Value* regs = reinterpret_cast<Value*>(storage);
  for (size_t r = 0; r < f.registers; ++r) new (&regs[r]) Value();
  const uint32_t* code = f.code.data();
  size_t pc = 0;
  const Value* k = constants_.data();
  const Calendar* cal = nullptr;
  auto calendar = [&]() -> const Calendar& {
    if (!cal) cal = &host.calendar();
    return *cal;
  };

  for (;;) {
    uint32_t ins = code[pc++];
    ++instructions_;
    uint8_t a = bc::aOf(ins);
    switch (bc::opOf(ins)) {
      case bc::Op::LoadK: regs[a] = k[bc::bxOf(ins)]; break;
      case bc::Op::LoadNone: regs[a] = Value(); break;
      case bc::Op::LoadBool: regs[a] = Value::boolean(bc::bOf(ins) != 0); break;
      case bc::Op::Move: regs[a] = regs[bc::bOf(ins)]; break;
      case bc::Op::Field: regs[a] = host.field(bc::bxOf(ins)); break;
      case bc::Op::Builtin: regs[a] = host.builtin(static_cast<bc::BuiltinValue>(bc::bOf(ins))); break;
      case bc::Op::Payload: regs[a] = host.payload(bc::bOf(ins)); break;

      case bc::Op::Add:
      case bc::Op::Sub:
      case bc::Op::Mul:
      case bc::Op::Div: {
        const Value& x = regs[bc::bOf(ins)];
        const Value& y = regs[bc::cOf(ins)];
        regs[a] = arithmetic(bc::opOf(ins), x, y, calendar(), scratch_);
        break;
      }
      case bc::Op::Neg: {
        Value x = regs[bc::bOf(ins)];
        if (x.tag == Tag::Number)
          x.num = -x.num;
        else if (x.tag == Tag::Duration && inRange(x))
          x.i = -x.i;
        else
          x = Value();
        regs[a] = x;
        break;
      }
      case bc::Op::Not: regs[a] = Value::boolean(!regs[bc::bOf(ins)].isTrue()); break;

      case bc::Op::Eq: regs[a] = Value::boolean(valuesEqual(regs[bc::bOf(ins)], regs[bc::cOf(ins)], cal)); break;
      case bc::Op::Ne: {
        // `x != none` asks whether x is set; otherwise an unset side makes
        // the comparison false, like every comparison with none.
        const Value& x = regs[bc::bOf(ins)];
        const Value& y = regs[bc::cOf(ins)];
        bool result = y.isNone() ? !x.isNone() : (!x.isNone() && !valuesEqual(x, y, cal));
        regs[a] = Value::boolean(result);
        break;
      }
      case bc::Op::Lt:
      case bc::Op::Le: {
        std::optional<int> c = compareValues(regs[bc::bOf(ins)], regs[bc::cOf(ins)], &calendar());
        bool lt = bc::opOf(ins) == bc::Op::Lt;
        regs[a] = Value::boolean(c && (lt ? *c < 0 : *c <= 0));
        break;
      }
      case bc::Op::EqK: {
        const Value& x = regs[bc::bOf(ins)];
        const Value& y = k[bc::cOf(ins)];
        // The common guard `field == constant`: numbers and texts inline.
        bool eq;
        if (x.tag == Tag::Number && y.tag == Tag::Number)
          eq = x.num == y.num;
        else if (x.tag == Tag::Text && y.tag == Tag::Text)
          eq = x.len == y.len && std::memcmp(x.str, y.str, x.len) == 0;
        else
          eq = valuesEqual(x, y, cal);
        regs[a] = Value::boolean(eq);
        break;
      }
      case bc::Op::LtK:
      case bc::Op::LeK:
      case bc::Op::GtK:
      case bc::Op::GeK: {
        const Value& x = regs[bc::bOf(ins)];
        const Value& y = k[bc::cOf(ins)];
        std::optional<int> c;
        if (x.tag == Tag::Number && y.tag == Tag::Number)
          c = x.num < y.num ? -1 : (y.num < x.num ? 1 : 0);
        else
          c = compareValues(x, y, &calendar());
        bool r = false;
        if (c) {
          switch (bc::opOf(ins)) {
            case bc::Op::LtK: r = *c < 0; break;
            case bc::Op::LeK: r = *c <= 0; break;
            case bc::Op::GtK: r = *c > 0; break;
            default: r = *c >= 0; break;
          }
        }
        regs[a] = Value::boolean(r);
        break;
      }
      case bc::Op::HasTag: {
        const Value& tags = regs[bc::bOf(ins)];
        const Value& tag = regs[bc::cOf(ins)];
        bool has = false;
        if (tags.tag == Tag::Tags && tag.tag == Tag::Text) {
          for (const auto& t : *static_cast<const std::vector<std::string>*>(tags.ptr))
            has = has || t == tag.textView();
        }
        regs[a] = Value::boolean(has);
        break;
      }
      case bc::Op::Call: regs[a] = callStandard(bc::bOf(ins), &regs[a + 1], bc::cOf(ins), calendar(), scratch_); break;
      case bc::Op::ToText: {
        uint8_t style = bc::cOf(ins);
        std::string written = text(regs[bc::bOf(ins)], (style & 1) != 0, host);
        regs[a] = Value::text(keep((style & 2) != 0 ? percentEncoded(written) : std::move(written)));
        break;
      }

      case bc::Op::Jmp: pc += bc::sbxOf(ins); break;
      case bc::Op::JmpIf:
        if (regs[a].isTrue()) pc += bc::sbxOf(ins);
        break;
      case bc::Op::JmpIfNot:
        if (!regs[a].isTrue()) pc += bc::sbxOf(ins);
        break;
      case bc::Op::Ret: return regs[a];
      case bc::Op::End: return Value();

      case bc::Op::Act: host.act(module_.actions[bc::bxOf(ins)], &regs[a]); break;
      case bc::Op::Split: regs[a] = Value::boolean(host.splitFirst(module_.actions[bc::bxOf(ins)])); break;
      case bc::Op::Count_: return Value();  // unreachable: the verifier rejects unknown opcodes
    }
  }
}

}  // namespace voronka::vm
