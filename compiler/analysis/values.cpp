#include "compiler/analysis/values.h"

#include <fmt/format.h>

#include <cmath>

#include "compiler/analysis/conditions.h"

namespace voronka::analysis {

using check::TypeKind;

int64_t daysFromCivil(int year, int month, int day) {
  // Howard Hinnant's days_from_civil.
  int64_t y = year - (month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

namespace {

void civilFromDays(int64_t z, int& year, int& month, int& day) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = static_cast<int>(y + (month <= 2 ? 1 : 0));
}

std::optional<double> numberOf(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::Number: return e.as<ast::NumberExpr>().value;
    case ast::ExprKind::Duration: {
      const ast::Duration& d = e.as<ast::DurationExpr>().value;
      if (d.workdays != 0) return std::nullopt;  // depends on the calendar
      return static_cast<double>(d.seconds);
    }
    case ast::ExprKind::Time: return e.as<ast::TimeExpr>().value.minutes * 60.0;
    case ast::ExprKind::Date: {
      const ast::Date& d = e.as<ast::DateExpr>().value;
      return daysFromCivil(d.year, d.month, d.day) * 86400.0;
    }
    case ast::ExprKind::DateTime: {
      const auto& dt = e.as<ast::DateTimeExpr>();
      return daysFromCivil(dt.date.year, dt.date.month, dt.date.day) * 86400.0 + dt.time.minutes * 60.0;
    }
    case ast::ExprKind::Unary: {
      const auto& u = e.as<ast::UnaryExpr>();
      if (u.op != ast::UnaryOp::Negate || !u.operand) return std::nullopt;
      std::optional<double> inner = numberOf(*u.operand);
      if (inner) return -*inner;
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

}  // namespace

std::optional<Constant> constantOf(const ast::Expr& e, const check::CheckedProgram& program) {
  if (std::optional<double> n = numberOf(e)) return Constant{Constant::Kind::Number, *n, {}};
  switch (e.kind) {
    case ast::ExprKind::String: return Constant{Constant::Kind::Text, 0, e.as<ast::StringExpr>().value};
    case ast::ExprKind::Bool: return Constant{Constant::Kind::Text, 0, e.as<ast::BoolExpr>().value ? "true" : "false"};
    case ast::ExprKind::None: return Constant{Constant::Kind::None, 0, {}};
    case ast::ExprKind::Name:
    case ast::ExprKind::Member: {
      const check::ExprInfo* i = program.info(&e);
      if (!i || !i->name || i->index == check::kNone) return std::nullopt;
      if (*i->name == check::NameKind::EnumMember && i->type.enumId < program.enums.size()) {
        const auto& members = program.enums[i->type.enumId].members;
        if (static_cast<size_t>(i->index) < members.size()) return Constant{Constant::Kind::Text, 0, members[i->index]};
      }
      if (*i->name == check::NameKind::User && static_cast<size_t>(i->index) < program.users.size()) {
        return Constant{Constant::Kind::Text, 0, program.users[i->index].name};
      }
      // A stage by its qualified name, so `contract` and `retail.contract` are one value.
      if (*i->name == check::NameKind::Stage && i->pipeline >= 0 &&
          static_cast<size_t>(i->pipeline) < program.pipelines.size()) {
        const check::PipelineInfo& p = program.pipelines[i->pipeline];
        if (static_cast<size_t>(i->index) < p.stages.size()) {
          return Constant{Constant::Kind::Text, 0, p.name + "." + p.stages[i->index].name};
        }
      }
      if (*i->name == check::NameKind::Pipeline && static_cast<size_t>(i->index) < program.pipelines.size()) {
        return Constant{Constant::Kind::Text, 0, program.pipelines[i->index].name};
      }
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

std::optional<bool> evaluate(const Constant& a, ast::BinaryOp op, const Constant& b) {
  using Op = ast::BinaryOp;
  if (a.kind == Constant::Kind::None || b.kind == Constant::Kind::None) {
    bool same = a.kind == b.kind;
    if (op == Op::Eq) return same;
    if (op == Op::Ne) return !same;
    return std::nullopt;
  }
  if (a.kind != b.kind) return std::nullopt;
  if (a.kind == Constant::Kind::Number) {
    switch (op) {
      case Op::Eq: return a.number == b.number;
      case Op::Ne: return a.number != b.number;
      case Op::Lt: return a.number < b.number;
      case Op::Le: return a.number <= b.number;
      case Op::Gt: return a.number > b.number;
      case Op::Ge: return a.number >= b.number;
      default: return std::nullopt;
    }
  }
  if (op == Op::Eq) return a.text == b.text;
  if (op == Op::Ne) return a.text != b.text;
  return std::nullopt;
}

double samplePoint(const Interval& i, TypeKind type) {
  double step = type == TypeKind::Duration ? 3600 : (type == TypeKind::Date || type == TypeKind::DateTime) ? 86400 : 1;
  bool lowFinite = !std::isinf(i.low), highFinite = !std::isinf(i.high);
  if (lowFinite && i.lowClosed) return i.low;
  if (lowFinite && highFinite) {
    double next = i.low + step;
    if (next < i.high || (next == i.high && i.highClosed)) return next;
    return (i.low + i.high) / 2;
  }
  if (lowFinite) return i.low + step;
  if (highFinite) return i.highClosed ? i.high : i.high - step;
  return 0;
}

std::string showDuration(int64_t seconds) {
  if (seconds <= 0) return "0m";
  static const struct {
    int64_t size;
    const char* unit;
  } units[] = {{7 * 86400, "w"}, {86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  std::string out;
  for (const auto& u : units) {
    if (seconds >= u.size) {
      out += fmt::format("{}{}", seconds / u.size, u.unit);
      seconds %= u.size;
    }
  }
  return out;
}

std::string showValue(double value, TypeKind type) {
  switch (type) {
    case TypeKind::Duration: return showDuration(static_cast<int64_t>(value));
    case TypeKind::Date:
    case TypeKind::DateTime: {
      int64_t total = static_cast<int64_t>(std::floor(value));
      int64_t days = total >= 0 ? total / 86400 : -((-total + 86399) / 86400);
      int64_t rest = total - days * 86400;
      int y, m, d;
      civilFromDays(days, y, m, d);
      if (type == TypeKind::Date) return fmt::format("{:04}-{:02}-{:02}", y, m, d);
      return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}", y, m, d, rest / 3600, rest % 3600 / 60);
    }
    case TypeKind::Time: {
      int64_t s = static_cast<int64_t>(value);
      return fmt::format("{:02}:{:02}", s / 3600, s % 3600 / 60);
    }
    default:
      if (value == std::floor(value) && std::fabs(value) < 1e15)
        return fmt::format("{}", static_cast<long long>(value));
      return fmt::format("{}", value);
  }
}

}  // namespace voronka::analysis
