// Expressions: what each name means, and the type of every expression.
#include <fmt/format.h>

#include "compiler/check/checker_impl.h"
#include "compiler/check/suggest.h"

namespace voronka::check {
namespace {

// Parameter/result descriptors of stdlib/functions.def.
enum Param : uint32_t {
  Same0 = 1u << 31,
  Text = TS_Text,
  Bool = TS_Bool,
  Number = TS_Number,
  Numeric = TS_Numeric,
  TextLike = TS_TextLike,
  TextOrTags = TS_TextOrTags,
  Temporal = TS_Temporal,
  Ordered = TS_Ordered,
};

struct FunctionSpec {
  const char* name;
  uint32_t result;  // a single-type set or Same0
  int minArgs;
  std::vector<uint32_t> params;
};

const std::vector<FunctionSpec>& functions() {
  static const std::vector<FunctionSpec> specs = {
#define FUNCTION(Id, Name, Result, MinArgs, ...) {Name, Result, MinArgs, {__VA_ARGS__}},
#include "stdlib/functions.def"
#undef FUNCTION
  };
  return specs;
}

TypeKind kindOfSingleSet(uint32_t set) {
  for (int k = 0; k <= static_cast<int>(TypeKind::List); ++k) {
    if (typeBit(static_cast<TypeKind>(k)) == set) return static_cast<TypeKind>(k);
  }
  return TypeKind::Error;
}

std::string describeSet(uint32_t set) {
  if (set == TS_TextLike) return "text";
  if (set == TS_TextOrTags) return "text or tags";
  if (set == TS_Numeric) return "a number or money";
  if (set == TS_Temporal) return "a date or datetime";
  if (set == TS_Ordered) return "a number, money, duration, date or datetime";
  return typeKindName(kindOfSingleSet(set));
}

struct BuiltinName {
  const char* name;
  NameKind kind;
  TypeKind type;
};
constexpr BuiltinName kBareNames[] = {
    {"now", NameKind::Now, TypeKind::DateTime},
    {"today", NameKind::Today, TypeKind::Date},
    {"time_in_stage", NameKind::TimeInStage, TypeKind::Duration},
    {"overdue_tasks", NameKind::OverdueTasks, TypeKind::Number},
    {"open_tasks", NameKind::OpenTasks, TypeKind::Number},
};
constexpr BuiltinName kDealMembers[] = {
    {"name", NameKind::DealName, TypeKind::Text},
    {"id", NameKind::DealId, TypeKind::Text},
    {"created_at", NameKind::DealCreatedAt, TypeKind::DateTime},
    {"responsible", NameKind::DealResponsible, TypeKind::User},
    {"tags", NameKind::DealTags, TypeKind::Tags},
    {"stage", NameKind::DealStage, TypeKind::Stage},
    {"previous_stage", NameKind::DealPreviousStage, TypeKind::Stage},
    {"pipeline", NameKind::DealPipeline, TypeKind::Pipeline},
    {"lost_reason", NameKind::DealLostReason, TypeKind::Text},
};
constexpr BuiltinName kContactMembers[] = {
    {"name", NameKind::ContactName, TypeKind::Text},
    {"email", NameKind::ContactEmail, TypeKind::Email},
    {"phone", NameKind::ContactPhone, TypeKind::Phone},
};
constexpr BuiltinName kCompanyMembers[] = {{"name", NameKind::CompanyName, TypeKind::Text}};

template <size_t N>
const BuiltinName* findBuiltin(const BuiltinName (&table)[N], std::string_view name) {
  for (const auto& b : table) {
    if (name == b.name) return &b;
  }
  return nullptr;
}

template <size_t N>
std::vector<std::string> builtinNames(const BuiltinName (&table)[N]) {
  std::vector<std::string> out;
  for (const auto& b : table) out.emplace_back(b.name);
  return out;
}

}  // namespace

std::string Checker::typeName(const Type& t) const {
  switch (t.kind) {
    case TypeKind::Enum: return fmt::format("a value of `{}`", prog_.enums[t.enumId].owner);
    case TypeKind::List: return "a list";
    case TypeKind::Stage: return "a stage";
    case TypeKind::Pipeline: return "a pipeline";
    case TypeKind::None: return "`none`";
    case TypeKind::Error: return "an invalid value";
    default: return typeKindName(t.kind);
  }
}

Type Checker::record(const ast::Expr& e, Type t, std::optional<NameKind> name, int index) {
  ExprInfo& info = prog_.exprs[&e];
  info.type = t;
  info.name = name;
  info.index = index;
  return t;
}

void Checker::expectType(const ast::Expr& e, const Scope& scope, const Type& want, std::string_view what) {
  Type got = checkExpr(e, scope, want);
  if (assignable(want, got)) return;
  Diagnostic& d = sink_.emit(diag::TypeMismatch, e.range, what, typeName(want), typeName(got));
  noteDistinctEnums(d, want, got);
}

void Checker::expectBool(const ast::Expr& e, const Scope& scope, std::string_view what) {
  Type got = checkExpr(e, scope, Type::of(TypeKind::Bool));
  if (!got.isError() && !got.is(TypeKind::Bool)) sink_.emit(diag::TypeMismatch, e.range, what, "bool", typeName(got));
}

Type Checker::checkExpr(const ast::Expr& e, const Scope& scope, const std::optional<Type>& expected) {
  switch (e.kind) {
    case ast::ExprKind::Number: return record(e, Type::of(TypeKind::Number));
    case ast::ExprKind::String: return record(e, Type::of(TypeKind::Text));
    case ast::ExprKind::Duration: return record(e, Type::of(TypeKind::Duration));
    case ast::ExprKind::Time: return record(e, Type::of(TypeKind::Time));
    case ast::ExprKind::Date: return record(e, Type::of(TypeKind::Date));
    case ast::ExprKind::DateTime: return record(e, Type::of(TypeKind::DateTime));
    case ast::ExprKind::Bool: return record(e, Type::of(TypeKind::Bool));
    case ast::ExprKind::None: return record(e, Type::of(TypeKind::None));
    case ast::ExprKind::Name: return checkName(e.as<ast::NameExpr>(), scope, expected);
    case ast::ExprKind::Member: return checkMember(e.as<ast::MemberExpr>(), scope);
    case ast::ExprKind::Call: return checkCall(e.as<ast::CallExpr>(), scope);
    case ast::ExprKind::Binary: return checkBinary(e.as<ast::BinaryExpr>(), scope);
    case ast::ExprKind::Unary: {
      const auto& u = e.as<ast::UnaryExpr>();
      if (u.op == ast::UnaryOp::Not) {
        Type t = checkExpr(*u.operand, scope, Type::of(TypeKind::Bool));
        if (!t.isError() && !t.is(TypeKind::Bool)) {
          sink_.emit(diag::BadOperand, e.range, "not", typeName(t));
          return record(e, Type{});
        }
        return record(e, Type::of(TypeKind::Bool));
      }
      Type t = checkExpr(*u.operand, scope);
      if (!t.isError() && !isNumeric(t) && !t.is(TypeKind::Duration)) {
        sink_.emit(diag::BadOperand, e.range, "-", typeName(t));
        return record(e, Type{});
      }
      return record(e, t);
    }
    case ast::ExprKind::List: {
      sink_.emit(diag::ListNotAllowed, e.range);
      for (const auto& item : e.as<ast::ListExpr>().items) checkExpr(*item, scope, expected);
      return record(e, Type{});
    }
    case ast::ExprKind::If: {
      const auto& i = e.as<ast::IfExpr>();
      std::optional<Type> result;
      auto join = [&](const ast::Expr& value) {
        Type t = checkExpr(value, scope, expected);
        if (!result) {
          result = t;
          return;
        }
        auto u = unify(*result, t);
        if (!u) {
          sink_.emit(diag::TypeMismatch, value.range, "every branch of `if`", typeName(*result), typeName(t));
          result = Type{};
          return;
        }
        result = *u;
      };
      for (const auto& b : i.branches) {
        expectBool(*b.condition, scope, "the condition of `if`");
        join(*b.value);
      }
      if (i.elseValue) join(*i.elseValue);
      return record(e, result.value_or(Type{}));
    }
  }
  return record(e, Type{});
}

bool Checker::resolvesWithoutType(std::string_view name, const Scope& scope) const {
  if (scope.event && scope.event->param(name)) return true;
  if (CheckedProgram::lookup(prog_.fieldIndex, name) != kNone) return true;
  return findBuiltin(kBareNames, name) != nullptr;
}

Type Checker::checkName(const ast::NameExpr& e, const Scope& scope, const std::optional<Type>& expected) {
  const std::string& name = e.name;
  if (scope.event) {
    const auto& params = scope.event->params;
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i].name == name) return record(e, params[i].type, NameKind::Payload, static_cast<int>(i));
    }
  }
  int field = CheckedProgram::lookup(prog_.fieldIndex, name);
  if (field != kNone) return record(e, prog_.fields[field].type, NameKind::Field, field);
  if (const BuiltinName* b = findBuiltin(kBareNames, name)) return record(e, Type::of(b->type), b->kind);
  if (expected && expected->is(TypeKind::Enum)) {
    const EnumInfo& en = prog_.enums[expected->enumId];
    int member = en.find(name);
    if (member != kNone) return record(e, *expected, NameKind::EnumMember, member);
  }
  if (expected && expected->is(TypeKind::User)) {
    int user = CheckedProgram::lookup(prog_.userIndex, name);
    if (user != kNone) return record(e, *expected, NameKind::User, user);
  }
  if (expected && expected->is(TypeKind::Stage)) return checkStageName(e, scope);
  if (expected && expected->is(TypeKind::Pipeline)) return checkPipelineName(e);
  // The other side of a comparison failed already: no second report.
  if (expected && expected->isError()) return record(e, Type{});
  if (name == "won" || name == "lost") {
    sink_.emit(diag::WrongKind, e.range, name, "a final stage", "a value")
        .note(fmt::format("compare stages with it: `deal.stage == {}`", name));
    return record(e, Type{});
  }
  if (name == "deal" || name == "contact" || name == "company") {
    sink_.emit(diag::WrongKind, e.range, name, fmt::format("the {} itself", name), "a value")
        .note(fmt::format("use one of its members, like `{}.name`", name));
    return record(e, Type{});
  }
  std::vector<std::string> candidates = keys(prog_.fieldIndex);
  for (const auto& b : kBareNames) candidates.emplace_back(b.name);
  if (scope.event) {
    for (const auto& p : scope.event->params) candidates.push_back(p.name);
  }
  if (expected && expected->is(TypeKind::Enum)) {
    for (const auto& m : prog_.enums[expected->enumId].members) candidates.push_back(m);
  }
  Diagnostic& d = unknown("name", ast::Ident{name, e.range}, candidates);
  // A bare enum member where no enum type is known.
  for (const auto& en : prog_.enums) {
    if (en.find(name) != kNone) {
      d.note(fmt::format("`{0}` is a value of `{1}`; compare with `{1}` or write `{1}.{0}`", name, en.owner));
      break;
    }
  }
  return record(e, Type{});
}

Type Checker::checkMember(const ast::MemberExpr& e, const Scope& scope) {
  const std::string& member = e.member.text;
  if (e.base->kind == ast::ExprKind::Name) {
    const std::string& base = e.base->as<ast::NameExpr>().name;
    bool shadowed = scope.event && scope.event->param(base);
    if (!shadowed && base == "deal") {
      record(*e.base, Type{});
      int field = CheckedProgram::lookup(prog_.fieldIndex, member);
      if (field != kNone) return record(e, prog_.fields[field].type, NameKind::Field, field);
      if (const BuiltinName* b = findBuiltin(kDealMembers, member)) return record(e, Type::of(b->type), b->kind);
      std::vector<std::string> candidates = keys(prog_.fieldIndex);
      for (const auto& n : builtinNames(kDealMembers)) candidates.push_back(n);
      Diagnostic& d = sink_.emit(diag::NoMember, e.member.range, "the deal", member);
      if (auto best = closestName(member, candidates)) d.note(fmt::format("did you mean `deal.{}`?", *best));
      return record(e, Type{});
    }
    if (!shadowed && (base == "contact" || base == "company") &&
        CheckedProgram::lookup(prog_.fieldIndex, base) == kNone) {
      record(*e.base, Type{});
      bool contact = base == "contact";
      const BuiltinName* b = contact ? findBuiltin(kContactMembers, member) : findBuiltin(kCompanyMembers, member);
      if (b) return record(e, Type::of(b->type), b->kind);
      Diagnostic& d = sink_.emit(diag::NoMember, e.member.range, contact ? "the contact" : "the company", member);
      auto names = contact ? builtinNames(kContactMembers) : builtinNames(kCompanyMembers);
      if (auto best = closestName(member, names)) d.note(fmt::format("did you mean `{}.{}`?", base, *best));
      return record(e, Type{});
    }
  }
  // PIPELINE.STAGE, ENUM.MEMBER of a named enum.
  if (std::optional<Type> qualified = checkQualifiedName(e, scope)) return *qualified;
  // FIELD.MEMBER of an enum field (or payload field).
  Type baseType = checkExpr(*e.base, scope);
  if (baseType.isError()) return record(e, Type{});
  if (baseType.is(TypeKind::Enum)) {
    const EnumInfo& en = prog_.enums[baseType.enumId];
    int index = en.find(member);
    if (index != kNone) return record(e, baseType, NameKind::EnumMember, index);
    unknown("value", e.member, en.members, fmt::format(" of `{}`", en.owner));
    return record(e, Type{});
  }
  sink_.emit(diag::NoMember, e.member.range, typeName(baseType), member);
  return record(e, Type{});
}

Type Checker::checkCall(const ast::CallExpr& e, const Scope& scope) {
  if (e.callee->kind != ast::ExprKind::Name) {
    sink_.emit(diag::BadCall, e.callee->range, "only the standard functions can be called here");
    for (const auto& a : e.args) checkExpr(*a, scope);
    return record(e, Type{});
  }
  const std::string& name = e.callee->as<ast::NameExpr>().name;
  const auto& specs = functions();
  const FunctionSpec* spec = nullptr;
  int index = kNone;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (name == specs[i].name) {
      spec = &specs[i];
      index = static_cast<int>(i);
    }
  }
  if (!spec) {
    std::vector<std::string> names;
    for (const auto& s : specs) names.emplace_back(s.name);
    unknown("function", ast::Ident{name, e.callee->range}, names);
    for (const auto& a : e.args) checkExpr(*a, scope);
    return record(e, Type{});
  }
  record(*e.callee, Type{}, NameKind::Function, index);
  int maxArgs = static_cast<int>(spec->params.size());
  int given = static_cast<int>(e.args.size());
  if (given < spec->minArgs || given > maxArgs) {
    std::string count =
        spec->minArgs == maxArgs ? fmt::format("{}", maxArgs) : fmt::format("{} or {}", spec->minArgs, maxArgs);
    sink_.emit(diag::BadCall, e.range,
               fmt::format("`{}` takes {} argument{}, but {} {} given", name, count, maxArgs == 1 ? "" : "s", given,
                           given == 1 ? "is" : "are"));
    for (const auto& a : e.args) checkExpr(*a, scope);
    return record(e, Type{});
  }
  Type first;
  bool ok = true;
  for (int i = 0; i < given; ++i) {
    uint32_t want = spec->params[i];
    Type t = checkExpr(*e.args[i], scope, want == Same0 ? std::optional<Type>(first) : std::nullopt);
    if (i == 0) first = t;
    bool fits = want == Same0 ? (assignable(first, t) || (isTemporal(first) && isTemporal(t))) : inSet(t, want);
    if (!fits) {
      ok = false;
      sink_.emit(diag::TypeMismatch, e.args[i]->range, fmt::format("argument {} of `{}`", i + 1, name),
                 want == Same0 ? typeName(first) : describeSet(want), typeName(t));
    }
  }
  if (!ok) return record(e, Type{});
  Type result = spec->result == Same0 ? first : Type::of(kindOfSingleSet(spec->result));
  return record(e, result, NameKind::Function, index);
}

Type Checker::checkBinary(const ast::BinaryExpr& e, const Scope& scope) {
  using ast::BinaryOp;
  bool logical = e.op == BinaryOp::And || e.op == BinaryOp::Or;
  bool membership = e.op == BinaryOp::In || e.op == BinaryOp::NotIn;
  bool equality = e.op == BinaryOp::Eq || e.op == BinaryOp::Ne;
  Type lhs, rhs;
  if (logical) {
    lhs = checkExpr(*e.lhs, scope, Type::of(TypeKind::Bool));
    rhs = checkExpr(*e.rhs, scope, Type::of(TypeKind::Bool));
  } else if (membership && e.rhs->kind == ast::ExprKind::List) {
    // `source in [site, ads]`: the list's items take the type of the left side.
    lhs = checkExpr(*e.lhs, scope);
    const auto& list = e.rhs->as<ast::ListExpr>();
    for (const auto& item : list.items) {
      Type t = checkExpr(*item, scope, lhs);
      if (!comparable(lhs, t))
        sink_.emit(diag::TypeMismatch, item->range, "an item of the list", typeName(lhs), typeName(t));
    }
    rhs = Type{TypeKind::List, 0, lhs.kind, lhs.enumId};
    record(*e.rhs, rhs);
  } else if (equality && e.lhs->kind == ast::ExprKind::Name &&
             !resolvesWithoutType(e.lhs->as<ast::NameExpr>().name, scope) &&
             (e.rhs->kind != ast::ExprKind::Name || resolvesWithoutType(e.rhs->as<ast::NameExpr>().name, scope))) {
    // `ads == source`: resolve the side that does not need a known type first.
    rhs = checkExpr(*e.rhs, scope);
    lhs = checkExpr(*e.lhs, scope, rhs);
  } else {
    lhs = checkExpr(*e.lhs, scope);
    // `deal.stage < contract` still names a stage: resolve it, then say why `<` does not apply.
    bool named = equality || lhs.is(TypeKind::Stage) || lhs.is(TypeKind::Pipeline);
    rhs = checkExpr(*e.rhs, scope, named ? std::optional<Type>(lhs) : std::nullopt);
  }
  std::optional<Type> result = binaryResult(e.op, lhs, rhs);
  if (!result) {
    Diagnostic& d = sink_.emit(diag::BadOperands, e.opRange, ast::spelling(e.op), typeName(lhs), typeName(rhs));
    explainOperands(d, e, lhs, rhs, scope);
    return record(e, e.op == BinaryOp::Add || e.op == BinaryOp::Sub || e.op == BinaryOp::Mul || e.op == BinaryOp::Div
                         ? Type{}
                         : Type::of(TypeKind::Bool));
  }
  checkReasonComparison(e, scope);
  return record(e, *result);
}

}  // namespace voronka::check
