// Constant values in conditions, and how lints show numbers, durations and
// dates back to people.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "compiler/ast/ast.h"
#include "compiler/check/program.h"

namespace voronka::analysis {

struct Interval;

// A literal (or an enum member or a user) in a condition. Numbers, money,
// durations (seconds), times (seconds since midnight), dates and datetimes
// (seconds since 1970-01-01) are all `Number`; members, users, texts and
// bools are `Text` (a member's or user's name, "true"/"false").
struct Constant {
  enum class Kind : uint8_t { Number, Text, None } kind = Kind::None;
  double number = 0;
  std::string text;
};

std::optional<Constant> constantOf(const ast::Expr& e, const check::CheckedProgram& program);
// `a OP b` for two constants; nullopt when the operator does not apply.
std::optional<bool> evaluate(const Constant& a, ast::BinaryOp op, const Constant& b);

// A value inside the interval, preferring round ones (for examples in messages).
double samplePoint(const Interval& i, check::TypeKind type);
// A number as the language writes it for the type: `150000`, `2d12h`, `2026-01-31`.
std::string showValue(double value, check::TypeKind type);
// A duration in seconds as the language writes it: `30m`, `1d12h`, `2w`.
std::string showDuration(int64_t seconds);

int64_t daysFromCivil(int year, int month, int day);

}  // namespace voronka::analysis
