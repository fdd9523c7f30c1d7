// VM code for expressions, texts and action blocks.
//
// Conditions compile to jumps (`a and b` jumps out on the first false side),
// so a guard over a few fields runs a handful of instructions. Expressions
// compile into a destination register; temporaries live above it.
#include <fmt/format.h>

#include <date/tz.h>

#include "compiler/lower/lowering.h"
#include "runtime/bytecode/container.h"

namespace voronka::lower {

using bc::Op;
using check::kNone;
using check::NameKind;
using check::TypeKind;

// ───────────────────────────── FunctionBuilder ────────────────────────────

FunctionBuilder::FunctionBuilder(bc::FunctionKind kind, int32_t name, int32_t file, int32_t eventParams) {
  fn_.kind = kind;
  fn_.name = name;
  fn_.file = file;
  fn_.eventParams = eventParams;
}

uint8_t FunctionBuilder::temp(SourceRange where) {
  if (next_ == limits::kMaxRegistersPerFunction) {
    throw LowerError(
        where, fmt::format("this expression needs more than {} registers; split it", limits::kMaxRegistersPerFunction));
  }
  uint8_t r = next_++;
  maxUsed_ = std::max<int>(maxUsed_, next_);
  return r;
}

size_t FunctionBuilder::emit(uint32_t instruction, int line) {
  fn_.code.push_back(instruction);
  fn_.lines.push_back(line);
  return fn_.code.size() - 1;
}

size_t FunctionBuilder::jump(Op op, uint8_t a, int line) { return emit(bc::encodeAsBx(op, a, 0), line); }

void FunctionBuilder::land(size_t at) {
  int64_t offset = static_cast<int64_t>(fn_.code.size()) - static_cast<int64_t>(at) - 1;
  if (offset > INT16_MAX) throw LowerError({}, "a block is too long to jump over; split it");
  uint32_t ins = fn_.code[at];
  fn_.code[at] = (ins & 0xFFFF) | (static_cast<uint32_t>(static_cast<uint16_t>(offset)) << 16);
}

void FunctionBuilder::land(const std::vector<size_t>& jumps) {
  for (size_t j : jumps) land(j);
}

bc::Function FunctionBuilder::finish() {
  fn_.registers = static_cast<uint8_t>(std::max(1, maxUsed_));
  return std::move(fn_);
}

// ───────────────────────────── constants ──────────────────────────────────

namespace {

int64_t daysOf(const ast::Date& d) {
  // Days since 1970-01-01 (Howard Hinnant's days_from_civil).
  int y = d.year - (d.month <= 2 ? 1 : 0);
  int era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = static_cast<unsigned>(y - era * 400);
  unsigned mp = static_cast<unsigned>(d.month + (d.month > 2 ? -3 : 9));
  unsigned doy = (153 * mp + 2) / 5 + static_cast<unsigned>(d.day) - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

int64_t utcSeconds(const std::string& zone, int64_t localSeconds) {
  using namespace std::chrono;
  try {
    const date::time_zone* tz = date::locate_zone(zone);
    date::local_seconds local{seconds(localSeconds)};
    // A local time skipped or repeated by a DST change: the earlier instant.
    return tz->to_sys(local, date::choose::earliest).time_since_epoch().count();
  } catch (const std::exception&) {
    return localSeconds;  // unknown zone: the checker reported it; treat as UTC
  }
}

std::optional<int32_t> Lowering::literalConstant(const ast::Expr& e) {
  bc::Constant c;
  switch (e.kind) {
    case ast::ExprKind::Number:
      c.tag = bc::Tag::Number;
      c.num = e.as<ast::NumberExpr>().value;
      break;
    case ast::ExprKind::String:
      c.tag = bc::Tag::Text;
      c.str = str(e.as<ast::StringExpr>().value);
      break;
    case ast::ExprKind::Bool:
      c.tag = bc::Tag::Bool;
      c.i = e.as<ast::BoolExpr>().value ? 1 : 0;
      break;
    case ast::ExprKind::None: c.tag = bc::Tag::None; break;
    case ast::ExprKind::Duration: {
      const ast::Duration& d = e.as<ast::DurationExpr>().value;
      c.tag = bc::Tag::Duration;
      c.i = d.workdays ? d.workdays : d.seconds;
      c.aux = d.workdays ? bc::kWorkdays : 0;
      break;
    }
    case ast::ExprKind::Time:
      c.tag = bc::Tag::Time;
      c.i = e.as<ast::TimeExpr>().value.minutes;
      break;
    case ast::ExprKind::Date:
      c.tag = bc::Tag::Date;
      c.i = daysOf(e.as<ast::DateExpr>().value);
      break;
    case ast::ExprKind::DateTime: {
      // Written in the account's time zone; the engine works in UTC.
      const auto& dt = e.as<ast::DateTimeExpr>();
      c.tag = bc::Tag::DateTime;
      c.i = utcSeconds(program_.calendars[0].timezone, daysOf(dt.date) * 86400 + dt.time.minutes * 60);
      break;
    }
    case ast::ExprKind::Unary: {
      const auto& u = e.as<ast::UnaryExpr>();
      if (u.op != ast::UnaryOp::Negate || u.operand->kind != ast::ExprKind::Number) return std::nullopt;
      c.tag = bc::Tag::Number;
      c.num = -u.operand->as<ast::NumberExpr>().value;
      break;
    }
    case ast::ExprKind::Name:
    case ast::ExprKind::Member: {
      const check::ExprInfo* info = program_.info(&e);
      if (!info || !info->name) return std::nullopt;
      if (*info->name == NameKind::EnumMember) {
        c.tag = bc::Tag::Enum;
        c.aux = info->type.enumId;
        c.i = info->index;
      } else if (*info->name == NameKind::User) {
        c.tag = bc::Tag::User;
        c.i = info->index;
      } else if (*info->name == NameKind::Stage) {
        int pipeline = info->pipeline;
        int stage = info->index;
        if (topLevelPipeline_ != check::kNone && e.kind == ast::ExprKind::Name) {
          pipeline = topLevelPipeline_;
          stage = program_.pipelines[pipeline].findStage(e.as<ast::NameExpr>().name);
          if (stage == check::kNone) return std::nullopt;  // the checker reported it
        }
        c.tag = bc::Tag::Stage;
        c.aux = static_cast<uint16_t>(pipeline);
        c.i = stage;
      } else if (*info->name == NameKind::Pipeline) {
        c.tag = bc::Tag::Pipeline;
        c.i = info->index;
      } else {
        return std::nullopt;
      }
      break;
    }
    default: return std::nullopt;
  }
  return constant(c, e.range);
}

void Lowering::collectFields(const ast::Expr& e, std::vector<int32_t>& fields) const {
  if (const check::ExprInfo* info = program_.info(&e); info && info->name == NameKind::Field) {
    if (std::find(fields.begin(), fields.end(), info->index) == fields.end()) fields.push_back(info->index);
    return;
  }
  switch (e.kind) {
    case ast::ExprKind::Member: collectFields(*e.as<ast::MemberExpr>().base, fields); break;
    case ast::ExprKind::Call:
      for (const auto& a : e.as<ast::CallExpr>().args) collectFields(*a, fields);
      break;
    case ast::ExprKind::Unary: collectFields(*e.as<ast::UnaryExpr>().operand, fields); break;
    case ast::ExprKind::Binary:
      collectFields(*e.as<ast::BinaryExpr>().lhs, fields);
      collectFields(*e.as<ast::BinaryExpr>().rhs, fields);
      break;
    case ast::ExprKind::If:
      for (const auto& b : e.as<ast::IfExpr>().branches) {
        collectFields(*b.condition, fields);
        collectFields(*b.value, fields);
      }
      collectFields(*e.as<ast::IfExpr>().elseValue, fields);
      break;
    default: break;
  }
}

// ───────────────────────────── functions ──────────────────────────────────

int32_t Lowering::expressionFunction(const ast::Expr& e, const std::string& name, int event, bool condition) {
  FunctionBuilder fb(bc::FunctionKind::Expression, str(name), fileOf(e.range), event);
  int line = lineOf(e.range);
  uint8_t result = fb.temp(e.range);
  if (condition) {
    std::vector<size_t> no;
    branchFalse(fb, e, no);
    fb.emit(bc::encodeABC(Op::LoadBool, result, 1, 0), line);
    fb.emit(bc::encodeABC(Op::Ret, result, 0, 0), line);
    fb.land(no);
    fb.emit(bc::encodeABC(Op::LoadBool, result, 0, 0), line);
  } else {
    expr(fb, e, result);
  }
  fb.emit(bc::encodeABC(Op::Ret, result, 0, 0), line);
  m_.functions.push_back(fb.finish());
  return static_cast<int32_t>(m_.functions.size() - 1);
}

int32_t Lowering::textFunction(const ast::InterpolatedText& t, const std::string& name, int event) {
  FunctionBuilder fb(bc::FunctionKind::Expression, str(name), fileOf(t.range), event);
  uint8_t result = fb.temp(t.range);
  text(fb, t, result);
  fb.emit(bc::encodeABC(Op::Ret, result, 0, 0), lineOf(t.range));
  m_.functions.push_back(fb.finish());
  return static_cast<int32_t>(m_.functions.size() - 1);
}

int32_t Lowering::blockFunction(const ast::Block& b, const std::string& name, CodeContext& ctx, SourceRange where) {
  FunctionBuilder fb(bc::FunctionKind::Block, str(name), fileOf(where), ctx.event);
  block(fb, b, ctx);
  fb.emit(bc::encodeABC(Op::End, 0, 0, 0),
          lineOf(b.range.valid() ? SourceRange{b.range.file, b.range.end, b.range.end} : where));
  // Reserve the function's slot after its nested `then` blocks were added.
  m_.functions.push_back(fb.finish());
  return static_cast<int32_t>(m_.functions.size() - 1);
}

// ───────────────────────────── expressions ────────────────────────────────

namespace {

bool isComparison(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::Eq:
    case ast::BinaryOp::Ne:
    case ast::BinaryOp::Lt:
    case ast::BinaryOp::Le:
    case ast::BinaryOp::Gt:
    case ast::BinaryOp::Ge: return true;
    default: return false;
  }
}

std::optional<bc::BuiltinValue> builtinOf(NameKind k) {
  switch (k) {
    case NameKind::Now: return bc::BuiltinValue::Now;
    case NameKind::Today: return bc::BuiltinValue::Today;
    case NameKind::TimeInStage: return bc::BuiltinValue::TimeInStage;
    case NameKind::OverdueTasks: return bc::BuiltinValue::OverdueTasks;
    case NameKind::OpenTasks: return bc::BuiltinValue::OpenTasks;
    case NameKind::DealName: return bc::BuiltinValue::DealName;
    case NameKind::DealId: return bc::BuiltinValue::DealId;
    case NameKind::DealCreatedAt: return bc::BuiltinValue::DealCreatedAt;
    case NameKind::DealResponsible: return bc::BuiltinValue::DealResponsible;
    case NameKind::DealTags: return bc::BuiltinValue::DealTags;
    case NameKind::ContactName: return bc::BuiltinValue::ContactName;
    case NameKind::ContactEmail: return bc::BuiltinValue::ContactEmail;
    case NameKind::ContactPhone: return bc::BuiltinValue::ContactPhone;
    case NameKind::CompanyName: return bc::BuiltinValue::CompanyName;
    case NameKind::DealStage: return bc::BuiltinValue::DealStage;
    case NameKind::DealPreviousStage: return bc::BuiltinValue::DealPreviousStage;
    case NameKind::DealPipeline: return bc::BuiltinValue::DealPipeline;
    case NameKind::DealLostReason: return bc::BuiltinValue::DealLostReason;
    default: return std::nullopt;
  }
}

}  // namespace

void Lowering::expr(FunctionBuilder& fb, const ast::Expr& e, uint8_t dst) {
  int line = lineOf(e.range);
  const check::ExprInfo* info = program_.info(&e);
  if (std::optional<int32_t> k = literalConstant(e)) {
    if (m_.constants[*k].tag == bc::Tag::None) {
      fb.emit(bc::encodeABC(Op::LoadNone, dst, 0, 0), line);
    } else {
      fb.emit(bc::encodeABx(Op::LoadK, dst, static_cast<uint16_t>(*k)), line);
    }
    return;
  }
  if (info && info->name) {
    NameKind k = *info->name;
    if (k == NameKind::Field) {
      fb.emit(bc::encodeABx(Op::Field, dst, static_cast<uint16_t>(info->index)), line);
      return;
    }
    if (k == NameKind::Payload) {
      fb.emit(bc::encodeABC(Op::Payload, dst, static_cast<uint8_t>(info->index), 0), line);
      return;
    }
    if (std::optional<bc::BuiltinValue> b = builtinOf(k)) {
      fb.emit(bc::encodeABC(Op::Builtin, dst, static_cast<uint8_t>(*b), 0), line);
      return;
    }
  }
  switch (e.kind) {
    case ast::ExprKind::Call: {
      const auto& c = e.as<ast::CallExpr>();
      uint8_t mark = fb.mark();
      uint8_t base = fb.temp(e.range);
      for (const auto& a : c.args) expr(fb, *a, fb.temp(a->range));
      int fn = info ? info->index : 0;
      fb.emit(bc::encodeABC(Op::Call, base, static_cast<uint8_t>(fn), static_cast<uint8_t>(c.args.size())), line);
      fb.emit(bc::encodeABC(Op::Move, dst, base, 0), line);
      fb.release(mark);
      return;
    }
    case ast::ExprKind::Unary: {
      const auto& u = e.as<ast::UnaryExpr>();
      if (u.op == ast::UnaryOp::Not) break;  // a condition, below
      expr(fb, *u.operand, dst);
      fb.emit(bc::encodeABC(Op::Neg, dst, dst, 0), line);
      return;
    }
    case ast::ExprKind::Binary: {
      const auto& b = e.as<ast::BinaryExpr>();
      Op op;
      switch (b.op) {
        case ast::BinaryOp::Add: op = Op::Add; break;
        case ast::BinaryOp::Sub: op = Op::Sub; break;
        case ast::BinaryOp::Mul: op = Op::Mul; break;
        case ast::BinaryOp::Div: op = Op::Div; break;
        default: op = Op::End; break;  // a condition, below
      }
      if (op == Op::End) break;
      uint8_t mark = fb.mark();
      expr(fb, *b.lhs, dst);
      uint8_t rhs = fb.temp(b.rhs->range);
      expr(fb, *b.rhs, rhs);
      fb.emit(bc::encodeABC(op, dst, dst, rhs), lineOf(b.opRange));
      fb.release(mark);
      return;
    }
    case ast::ExprKind::If: {
      const auto& i = e.as<ast::IfExpr>();
      std::vector<size_t> done;
      for (const auto& branch : i.branches) {
        std::vector<size_t> next;
        branchFalse(fb, *branch.condition, next);
        expr(fb, *branch.value, dst);
        done.push_back(fb.jump(Op::Jmp, 0, line));
        fb.land(next);
      }
      expr(fb, *i.elseValue, dst);
      fb.land(done);
      return;
    }
    default: break;
  }
  // Conditions as values: true or false in dst.
  std::vector<size_t> no;
  branchFalse(fb, e, no);
  fb.emit(bc::encodeABC(Op::LoadBool, dst, 1, 0), line);
  size_t skip = fb.jump(Op::Jmp, 0, line);
  fb.land(no);
  fb.emit(bc::encodeABC(Op::LoadBool, dst, 0, 0), line);
  fb.land(skip);
}

void Lowering::branchFalse(FunctionBuilder& fb, const ast::Expr& e, std::vector<size_t>& jumps) {
  branch(fb, e, false, jumps);
}
void Lowering::branchTrue(FunctionBuilder& fb, const ast::Expr& e, std::vector<size_t>& jumps) {
  branch(fb, e, true, jumps);
}

// Jumps (added to `jumps`) when `e` is `whenTrue`, falls through otherwise.
// `and`, `or` and `not` become jumps alone (De Morgan), so a guard never
// builds intermediate booleans.
void Lowering::branch(FunctionBuilder& fb, const ast::Expr& e, bool whenTrue, std::vector<size_t>& jumps) {
  int line = lineOf(e.range);
  if (e.kind == ast::ExprKind::Unary && e.as<ast::UnaryExpr>().op == ast::UnaryOp::Not) {
    branch(fb, *e.as<ast::UnaryExpr>().operand, !whenTrue, jumps);
    return;
  }
  if (e.kind == ast::ExprKind::Binary) {
    const auto& b = e.as<ast::BinaryExpr>();
    if (b.op == ast::BinaryOp::And || b.op == ast::BinaryOp::Or) {
      // `a and b` jumps when false if either is false; `a or b` jumps when
      // true if either is true. The other two cases test `a` past `b`.
      bool shortCircuit = (b.op == ast::BinaryOp::And) != whenTrue;
      if (shortCircuit) {
        branch(fb, *b.lhs, whenTrue, jumps);
        branch(fb, *b.rhs, whenTrue, jumps);
      } else {
        std::vector<size_t> decided;
        branch(fb, *b.lhs, !whenTrue, decided);
        branch(fb, *b.rhs, whenTrue, jumps);
        fb.land(decided);
      }
      return;
    }
  }
  const Op conditional = whenTrue ? Op::JmpIf : Op::JmpIfNot;
  uint8_t mark = fb.mark();
  uint8_t r = fb.temp(e.range);
  // A comparison or membership test straight into r, anything else as a value.
  if (e.kind == ast::ExprKind::Binary) {
    const auto& b = e.as<ast::BinaryExpr>();
    if (b.op == ast::BinaryOp::In || b.op == ast::BinaryOp::NotIn) {
      // x in [a, b, c]: a jump on the first equal item.
      const auto& items = b.rhs->as<ast::ListExpr>().items;
      expr(fb, *b.lhs, r);
      uint8_t t = fb.temp(b.rhs->range);
      std::vector<size_t> found;
      for (const auto& item : items) {
        std::optional<int32_t> k = literalConstant(*item);
        if (k && static_cast<size_t>(*k) < limits::kShortIndexCount) {
          fb.emit(bc::encodeABC(Op::EqK, t, r, static_cast<uint8_t>(*k)), lineOf(item->range));
        } else {
          uint8_t v = fb.temp(item->range);
          expr(fb, *item, v);
          fb.emit(bc::encodeABC(Op::Eq, t, r, v), lineOf(item->range));
          fb.release(static_cast<uint8_t>(t + 1));
        }
        found.push_back(fb.jump(Op::JmpIf, t, line));
      }
      // A match decides `in` true and `not in` false.
      bool matchJumps = (b.op == ast::BinaryOp::In) == whenTrue;
      if (matchJumps) {
        jumps.insert(jumps.end(), found.begin(), found.end());
      } else {
        jumps.push_back(fb.jump(Op::Jmp, 0, line));
        fb.land(found);
      }
      fb.release(mark);
      return;
    }
    if (isComparison(b.op) || b.op == ast::BinaryOp::Has) {
      expr(fb, *b.lhs, r);
      // `!=` keeps the register form: `x != k` is false while x is none.
      bool constantForm = b.op != ast::BinaryOp::Has && b.op != ast::BinaryOp::Ne;
      std::optional<int32_t> k = constantForm ? literalConstant(*b.rhs) : std::nullopt;
      if (k && static_cast<size_t>(*k) < limits::kShortIndexCount && m_.constants[*k].tag != bc::Tag::None) {
        Op op = Op::EqK;
        switch (b.op) {
          case ast::BinaryOp::Eq: op = Op::EqK; break;
          case ast::BinaryOp::Lt: op = Op::LtK; break;
          case ast::BinaryOp::Le: op = Op::LeK; break;
          case ast::BinaryOp::Gt: op = Op::GtK; break;
          case ast::BinaryOp::Ge: op = Op::GeK; break;
          default: break;
        }
        fb.emit(bc::encodeABC(op, r, r, static_cast<uint8_t>(*k)), lineOf(b.opRange));
      } else {
        uint8_t rhs = fb.temp(b.rhs->range);
        expr(fb, *b.rhs, rhs);
        uint8_t lhs = r;
        Op op = Op::Eq;
        switch (b.op) {
          case ast::BinaryOp::Eq: op = Op::Eq; break;
          case ast::BinaryOp::Ne: op = Op::Ne; break;
          case ast::BinaryOp::Lt: op = Op::Lt; break;
          case ast::BinaryOp::Le: op = Op::Le; break;
          case ast::BinaryOp::Gt:
            op = Op::Lt;
            std::swap(lhs, rhs);
            break;
          case ast::BinaryOp::Ge:
            op = Op::Le;
            std::swap(lhs, rhs);
            break;
          case ast::BinaryOp::Has: op = Op::HasTag; break;
          default: break;
        }
        fb.emit(bc::encodeABC(op, r, lhs, rhs), lineOf(b.opRange));
      }
      jumps.push_back(fb.jump(conditional, r, line));
      fb.release(mark);
      return;
    }
  }
  expr(fb, e, r);
  jumps.push_back(fb.jump(conditional, r, line));
  fb.release(mark);
}

void Lowering::text(FunctionBuilder& fb, const ast::InterpolatedText& t, uint8_t dst, bool urlParts) {
  int line = lineOf(t.range);
  if (t.parts.empty()) {
    fb.emit(bc::encodeABx(Op::LoadK, dst, static_cast<uint16_t>(constant({bc::Tag::Text, 0, 0, 0, str("")}, t.range))),
            line);
    return;
  }
  uint8_t mark = fb.mark();
  bool first = true;
  for (const auto& part : t.parts) {
    uint8_t into = first ? dst : fb.temp(part.range);
    if (part.expr) {
      expr(fb, *part.expr, into);
      const check::ExprInfo* info = program_.info(part.expr.get());
      bool money = info && info->type.is(TypeKind::Money);
      fb.emit(bc::encodeABC(Op::ToText, into, into, (money ? 1 : 0) | (urlParts ? 2 : 0)), lineOf(part.range));
    } else {
      bc::Constant c{bc::Tag::Text, 0, 0, 0, str(part.literal)};
      fb.emit(bc::encodeABx(Op::LoadK, into, static_cast<uint16_t>(constant(c, part.range))), lineOf(part.range));
    }
    if (!first) {
      fb.emit(bc::encodeABC(Op::Add, dst, dst, into), line);
      fb.release(mark);
    }
    first = false;
  }
}

// ───────────────────────────── actions ────────────────────────────────────

int32_t Lowering::actionDesc(bc::ActionDesc desc) {
  if (m_.actions.size() >= limits::kMaxWideIndex) {
    throw LowerError({}, fmt::format("more than {} actions in one program", limits::kMaxWideIndex));
  }
  m_.actions.push_back(std::move(desc));
  return static_cast<int32_t>(m_.actions.size() - 1);
}

bc::ActionDesc Lowering::moveDesc(const ast::MoveTarget& target, const CodeContext& ctx) {
  bc::ActionDesc d;
  d.kind = bc::ActionKind::Move;
  if (target.isNext) {
    d.isNext = true;
    return d;
  }
  int pipeline = ctx.pipeline;
  if (target.pipeline) pipeline = check::CheckedProgram::lookup(program_.pipelineIndex, target.pipeline->text);
  d.pipeline = pipeline;
  d.stage = program_.pipelines[pipeline].findStage(target.stage.text);
  return d;
}

void Lowering::assignee(const ast::Assignee& who, bc::ActionDesc& d) {
  if (!who.team) {
    d.assign = bc::AssignMode::User;
    d.user = check::CheckedProgram::lookup(program_.userIndex, who.name.text);
    return;
  }
  d.assign = who.name.text == "least_busy" ? bc::AssignMode::LeastBusy : bc::AssignMode::RoundRobin;
  d.team = check::CheckedProgram::lookup(program_.teamIndex, who.team->text);
}

void Lowering::block(FunctionBuilder& fb, const ast::Block& b, CodeContext& ctx) {
  // Sibling `then` blocks chain: only the first is scheduled by this block;
  // each one schedules the next when it fires.
  std::vector<const ast::ThenAction*> thens;
  for (const auto& a : b.actions) {
    if (a->kind == ast::ActionKind::Then) thens.push_back(&a->as<ast::ThenAction>());
  }
  std::vector<int32_t> thenDescs;
  for (const ast::ThenAction* t : thens) {
    bc::ActionDesc d;
    d.kind = bc::ActionKind::Then;
    d.dueSeconds = t->delay.seconds;
    d.dueWorkdays = static_cast<int32_t>(t->delay.workdays);
    d.workhours = workhoursShift(t->withinWorkhours);
    d.line = lineOf(t->range);
    thenDescs.push_back(actionDesc(std::move(d)));
  }
  for (size_t i = 0; i < thens.size(); ++i) {
    if (i + 1 < thens.size()) m_.actions[thenDescs[i]].next = thenDescs[i + 1];
    CodeContext inner = ctx;
    inner.site = fmt::format("{} then {}", ctx.site, i + 1);
    int32_t fn = blockFunction(thens[i]->block, inner.site, inner, thens[i]->range);
    m_.actions[thenDescs[i]].function = fn;
  }
  size_t thenIndex = 0;
  for (const auto& a : b.actions) {
    if (a->kind == ast::ActionKind::Then) {
      if (thenIndex++ == 0) fb.emit(bc::encodeABx(Op::Act, 0, static_cast<uint16_t>(thenDescs[0])), lineOf(a->range));
      continue;
    }
    action(fb, *a, ctx);
  }
}

void Lowering::action(FunctionBuilder& fb, const ast::Action& a, CodeContext& ctx) {
  int line = lineOf(a.range);
  uint8_t mark = fb.mark();
  uint8_t base = fb.mark();
  bc::ActionDesc d;
  d.kind = a.kind;  // one enum for the AST and the bytecode: common/language/actions.def
  d.line = line;
  auto operand = [&]() { return fb.temp(a.range); };
  auto act = [&]() { fb.emit(bc::encodeABx(Op::Act, base, static_cast<uint16_t>(actionDesc(std::move(d)))), line); };
  switch (a.kind) {
    case ast::ActionKind::Move:
      d = moveDesc(a.as<ast::MoveAction>().target, ctx);
      d.line = line;
      act();
      break;
    case ast::ActionKind::Win: act(); break;
    case ast::ActionKind::Lose: {
      const auto& lose = a.as<ast::LoseAction>();
      if (lose.reason) d.text = str(lose.reason->value);
      act();
      break;
    }
    case ast::ActionKind::Task: {
      const auto& t = a.as<ast::TaskAction>();
      if (t.type) d.taskType = check::CheckedProgram::lookup(program_.taskTypeIndex, t.type->text);
      text(fb, t.text, operand());
      if (t.at) {
        d.hasAt = true;
        expr(fb, *t.at, operand());
      }
      if (t.due) {
        d.dueSeconds = t.due->seconds;
        d.dueWorkdays = static_cast<int32_t>(t.due->workdays);
      }
      if (t.to) d.user = check::CheckedProgram::lookup(program_.userIndex, t.to->text);
      d.workhours = workhoursShift(t.withinWorkhours);
      act();
      break;
    }
    case ast::ActionKind::CompleteTasks: {
      const auto& c = a.as<ast::CompleteTasksAction>();
      if (c.type) d.taskType = check::CheckedProgram::lookup(program_.taskTypeIndex, c.type->text);
      d.filter = c.filter;
      if (c.comment) d.text = str(c.comment->value);
      act();
      break;
    }
    case ast::ActionKind::Email:
    case ast::ActionKind::Message:
    case ast::ActionKind::Sms: {
      const auto& s = a.as<ast::SendAction>();
      if (!s.templateName.text.empty()) {
        d.templ = check::CheckedProgram::lookup(program_.templateIndex, s.templateName.text);
      } else {
        text(fb, s.text, operand());
      }
      if (s.from) d.user = check::CheckedProgram::lookup(program_.userIndex, s.from->text);
      if (s.via) d.channel = check::CheckedProgram::lookup(program_.channelIndex, s.via->text);
      d.workhours = workhoursShift(s.withinWorkhours);
      act();
      break;
    }
    case ast::ActionKind::Webhook: {
      const auto& w = a.as<ast::WebhookAction>();
      text(fb, w.url, operand(), true);
      for (const auto& entry : w.body) {
        d.keys.push_back(str(entry.key.text));
        expr(fb, *entry.value, operand());
      }
      act();
      break;
    }
    case ast::ActionKind::Request: {
      const auto& r = a.as<ast::RequestAction>();
      d.integration = check::CheckedProgram::lookup(program_.integrationIndex, r.integration.text);
      for (const auto& entry : r.body) {
        d.keys.push_back(str(entry.key.text));
        expr(fb, *entry.value, operand());
      }
      act();
      break;
    }
    case ast::ActionKind::Analytics: {
      const auto& an = a.as<ast::AnalyticsAction>();
      d.text = str(an.event.value);
      if (an.label) {
        d.hasLabel = true;
        uint8_t r = operand();
        expr(fb, *an.label, r);
        fb.emit(bc::encodeABC(Op::ToText, r, r, 0), line);
      }
      act();
      break;
    }
    case ast::ActionKind::Tag: {
      const auto& t = a.as<ast::TagAction>();
      d.add = t.add;
      d.text = str(t.tag.value);
      act();
      break;
    }
    case ast::ActionKind::Set: {
      const auto& s = a.as<ast::SetAction>();
      const auto& parts = s.target.parts;
      std::string head = parts.empty() ? "" : parts[0].text;
      std::string member = parts.size() > 1 ? parts[1].text : "";
      int field = check::CheckedProgram::lookup(program_.fieldIndex, parts.size() == 1 ? head : member);
      if (head == "contact") {
        d.setTarget = member == "name"    ? bc::SetTarget::ContactName
                      : member == "email" ? bc::SetTarget::ContactEmail
                                          : bc::SetTarget::ContactPhone;
      } else if (head == "company") {
        d.setTarget = bc::SetTarget::CompanyName;
      } else if (head == "deal" && member == "name" && field == kNone) {
        d.setTarget = bc::SetTarget::DealName;
      } else {
        d.setTarget = bc::SetTarget::Field;
        d.field = field;
      }
      expr(fb, *s.value, operand());
      act();
      break;
    }
    case ast::ActionKind::Assign:
      assignee(a.as<ast::AssignAction>().who, d);
      act();
      break;
    case ast::ActionKind::CreateDeal: {
      const auto& c = a.as<ast::CreateDealAction>();
      d.pipeline = check::CheckedProgram::lookup(program_.pipelineIndex, c.pipeline.text);
      if (c.stage) d.stage = program_.pipelines[d.pipeline].findStage(c.stage->text);
      for (const auto& f : c.copy) d.copy.push_back(check::CheckedProgram::lookup(program_.fieldIndex, f.text));
      if (c.assign) assignee(*c.assign, d);
      act();
      break;
    }
    case ast::ActionKind::Questionnaire: {
      const auto& q = a.as<ast::QuestionnaireAction>();
      d.form = check::CheckedProgram::lookup(program_.formIndex, q.form.text);
      d.field = check::CheckedProgram::lookup(program_.fieldIndex, q.field.text);
      act();
      break;
    }
    case ast::ActionKind::Note:
      text(fb, a.as<ast::NoteAction>().text, operand());
      act();
      break;
    case ast::ActionKind::Notify: {
      const auto& n = a.as<ast::NotifyAction>();
      const std::string& who = n.recipient.text;
      if (who == "responsible") {
        d.recipient = bc::Recipient::Responsible;
      } else if (int user = check::CheckedProgram::lookup(program_.userIndex, who); user != kNone) {
        d.recipient = bc::Recipient::User;
        d.user = user;
      } else {
        d.recipient = bc::Recipient::Team;
        d.team = check::CheckedProgram::lookup(program_.teamIndex, who);
      }
      text(fb, n.text, operand());
      act();
      break;
    }
    case ast::ActionKind::If: {
      const auto& i = a.as<ast::IfAction>();
      std::vector<size_t> done;
      for (const auto& branch : i.branches) {
        std::vector<size_t> next;
        branchFalse(fb, *branch.condition, next);
        block(fb, branch.block, ctx);
        done.push_back(fb.jump(Op::Jmp, 0, line));
        fb.land(next);
      }
      if (i.elseBlock) block(fb, *i.elseBlock, ctx);
      fb.land(done);
      break;
    }
    case ast::ActionKind::Split: {
      const auto& s = a.as<ast::SplitAction>();
      d.percent = s.percent;
      // A stable site: the rule's place and the split's number in it, so
      // deals keep their branch when unrelated lines of the file move.
      d.site = static_cast<int32_t>(bc::fnv1a(fmt::format("{} split {}", ctx.site, ++ctx.splits)) & 0x7FFFFFFF);
      uint8_t r = operand();
      fb.emit(bc::encodeABx(Op::Split, r, static_cast<uint16_t>(actionDesc(std::move(d)))), line);
      size_t second = fb.jump(Op::JmpIfNot, r, line);
      fb.release(mark);
      block(fb, s.first, ctx);
      size_t done = fb.jump(Op::Jmp, 0, line);
      fb.land(second);
      if (s.second) block(fb, *s.second, ctx);
      fb.land(done);
      return;
    }
    case ast::ActionKind::Then: break;  // handled by block()
  }
  fb.release(mark);
}

}  // namespace voronka::lower
