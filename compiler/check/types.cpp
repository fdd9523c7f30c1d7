#include "compiler/check/types.h"

namespace voronka::check {

uint32_t typeBit(TypeKind k) {
  switch (k) {
    case TypeKind::Number: return TS_Number;
    case TypeKind::Money: return TS_Money;
    case TypeKind::Text: return TS_Text;
    case TypeKind::Bool: return TS_Bool;
    case TypeKind::Date: return TS_Date;
    case TypeKind::DateTime: return TS_DateTime;
    case TypeKind::Duration: return TS_Duration;
    case TypeKind::Time: return TS_Time;
    case TypeKind::Url: return TS_Url;
    case TypeKind::Email: return TS_Email;
    case TypeKind::Phone: return TS_Phone;
    case TypeKind::Enum: return TS_Enum;
    case TypeKind::User: return TS_User;
    case TypeKind::Tags: return TS_Tags;
    default: return 0;
  }
}

bool inSet(const Type& t, uint32_t set) { return t.isError() || (typeBit(t.kind) & set) != 0; }
bool isNumeric(const Type& t) { return t.is(TypeKind::Number) || t.is(TypeKind::Money); }
bool isTextLike(const Type& t) { return (typeBit(t.kind) & TS_TextLike) != 0; }
bool isTemporal(const Type& t) { return t.is(TypeKind::Date) || t.is(TypeKind::DateTime); }

std::optional<TypeKind> typeFromName(std::string_view name) {
  if (name == "number") return TypeKind::Number;
  if (name == "money") return TypeKind::Money;
  if (name == "text") return TypeKind::Text;
  if (name == "bool") return TypeKind::Bool;
  if (name == "date") return TypeKind::Date;
  if (name == "datetime") return TypeKind::DateTime;
  if (name == "duration") return TypeKind::Duration;
  if (name == "url") return TypeKind::Url;
  if (name == "email") return TypeKind::Email;
  if (name == "phone") return TypeKind::Phone;
  if (name == "user") return TypeKind::User;
  if (name == "tags") return TypeKind::Tags;
  return std::nullopt;
}

const char* typeKindName(TypeKind k) {
  switch (k) {
    case TypeKind::Error: return "an invalid value";
    case TypeKind::None: return "none";
    case TypeKind::Number: return "number";
    case TypeKind::Money: return "money";
    case TypeKind::Text: return "text";
    case TypeKind::Bool: return "bool";
    case TypeKind::Date: return "date";
    case TypeKind::DateTime: return "datetime";
    case TypeKind::Duration: return "duration";
    case TypeKind::Time: return "time of day";
    case TypeKind::Url: return "url";
    case TypeKind::Email: return "email";
    case TypeKind::Phone: return "phone";
    case TypeKind::Enum: return "enum";
    case TypeKind::User: return "user";
    case TypeKind::Tags: return "tags";
    case TypeKind::Stage: return "stage";
    case TypeKind::Pipeline: return "pipeline";
    case TypeKind::List: return "list";
  }
  return "?";
}

bool assignable(const Type& to, const Type& from) {
  if (to.isError() || from.isError()) return true;
  if (from.is(TypeKind::None)) return !to.is(TypeKind::List);
  if (to == from) return true;
  if (isNumeric(to) && isNumeric(from)) return true;
  if (isTextLike(to) && isTextLike(from)) return true;
  if (to.is(TypeKind::DateTime) && from.is(TypeKind::Date)) return true;
  return false;
}

bool comparable(const Type& a, const Type& b) {
  if (a.isError() || b.isError() || a.is(TypeKind::None) || b.is(TypeKind::None)) return true;
  if (a.is(TypeKind::List) || b.is(TypeKind::List)) return false;
  if (isTemporal(a) && isTemporal(b)) return true;
  return assignable(a, b) || assignable(b, a);
}

std::optional<Type> binaryResult(ast::BinaryOp op, const Type& l, const Type& r) {
  using ast::BinaryOp;
  const Type kBool = Type::of(TypeKind::Bool);
  if (l.isError() || r.isError()) {
    switch (op) {
      case BinaryOp::Add:
      case BinaryOp::Sub:
      case BinaryOp::Mul:
      case BinaryOp::Div: return Type{};
      default: return kBool;
    }
  }
  auto numericResult = [&]() {
    return Type::of(l.is(TypeKind::Money) || r.is(TypeKind::Money) ? TypeKind::Money : TypeKind::Number);
  };
  switch (op) {
    case BinaryOp::Or:
    case BinaryOp::And:
      if (l.is(TypeKind::Bool) && r.is(TypeKind::Bool)) return kBool;
      return std::nullopt;
    case BinaryOp::Eq:
    case BinaryOp::Ne:
      if (comparable(l, r)) return kBool;
      return std::nullopt;
    case BinaryOp::Lt:
    case BinaryOp::Le:
    case BinaryOp::Gt:
    case BinaryOp::Ge:
      if (l.is(TypeKind::None) || r.is(TypeKind::None)) return std::nullopt;
      if (isNumeric(l) && isNumeric(r)) return kBool;
      if (isTemporal(l) && isTemporal(r)) return kBool;
      if ((l.is(TypeKind::Duration) || l.is(TypeKind::Time)) && l.kind == r.kind) return kBool;
      return std::nullopt;
    case BinaryOp::In:
    case BinaryOp::NotIn:
      if (r.is(TypeKind::List) && comparable(l, r.elementType())) return kBool;
      return std::nullopt;
    case BinaryOp::Has:
      if (l.is(TypeKind::Tags) && isTextLike(r)) return kBool;
      return std::nullopt;
    case BinaryOp::Add:
      if (isNumeric(l) && isNumeric(r)) return numericResult();
      if (l.is(TypeKind::Duration) && r.is(TypeKind::Duration)) return l;
      if (isTemporal(l) && r.is(TypeKind::Duration)) return l;
      if (l.is(TypeKind::Duration) && isTemporal(r)) return r;
      if (isTextLike(l) && isTextLike(r)) return Type::of(TypeKind::Text);
      return std::nullopt;
    case BinaryOp::Sub:
      if (isNumeric(l) && isNumeric(r)) return numericResult();
      if (l.is(TypeKind::Duration) && r.is(TypeKind::Duration)) return l;
      if (isTemporal(l) && r.is(TypeKind::Duration)) return l;
      if (isTemporal(l) && isTemporal(r)) return Type::of(TypeKind::Duration);
      return std::nullopt;
    case BinaryOp::Mul:
      if (isNumeric(l) && isNumeric(r)) return numericResult();
      if (l.is(TypeKind::Duration) && r.is(TypeKind::Number)) return l;
      if (l.is(TypeKind::Number) && r.is(TypeKind::Duration)) return r;
      return std::nullopt;
    case BinaryOp::Div:
      if (l.is(TypeKind::Money) && r.is(TypeKind::Number)) return l;
      if (isNumeric(l) && isNumeric(r)) return Type::of(TypeKind::Number);
      if (l.is(TypeKind::Duration) && r.is(TypeKind::Number)) return l;
      if (l.is(TypeKind::Duration) && r.is(TypeKind::Duration)) return Type::of(TypeKind::Number);
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Type> unify(const Type& a, const Type& b) {
  if (a.isError()) return b;
  if (b.isError() || a == b) return a;
  if (a.is(TypeKind::None)) return b;
  if (b.is(TypeKind::None)) return a;
  if (isNumeric(a) && isNumeric(b)) return Type::of(TypeKind::Money);
  if (isTextLike(a) && isTextLike(b)) return Type::of(TypeKind::Text);
  if (isTemporal(a) && isTemporal(b)) return Type::of(TypeKind::DateTime);
  return std::nullopt;
}

}  // namespace voronka::check
