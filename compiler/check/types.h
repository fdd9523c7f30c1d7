// Types of the funnel language and the rules that combine them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "compiler/ast/ast.h"

namespace voronka::check {

enum class TypeKind : uint8_t {
  Error,  // an expression already reported: accepted everywhere to avoid cascades
  None,   // the literal `none`
  Number,
  Money,
  Text,
  Bool,
  Date,
  DateTime,
  Duration,
  Time,
  Url,
  Email,
  Phone,
  Enum,
  User,
  Tags,
  Stage,     // a stage of some pipeline: `deal.stage`, `retail.contract`
  Pipeline,  // a pipeline: `deal.pipeline`, `retail`
  List,      // `[a, b]`, only on the right of `in`
};

struct Type {
  TypeKind kind = TypeKind::Error;
  uint16_t enumId = 0;                 // for Enum
  TypeKind element = TypeKind::Error;  // for List
  uint16_t elementEnum = 0;

  static Type of(TypeKind k) { return Type{k}; }
  static Type enumType(uint16_t id) { return Type{TypeKind::Enum, id}; }
  bool is(TypeKind k) const { return kind == k; }
  bool isError() const { return kind == TypeKind::Error; }
  bool operator==(const Type& o) const {
    return kind == o.kind && (kind != TypeKind::Enum || enumId == o.enumId) &&
           (kind != TypeKind::List || (element == o.element && elementEnum == o.elementEnum));
  }
  Type elementType() const { return Type{element, elementEnum}; }
};

// Sets of types, for function parameters and operator rules.
enum TypeSet : uint32_t {
  TS_None = 0,
  TS_Number = 1u << 0,
  TS_Money = 1u << 1,
  TS_Text = 1u << 2,
  TS_Bool = 1u << 3,
  TS_Date = 1u << 4,
  TS_DateTime = 1u << 5,
  TS_Duration = 1u << 6,
  TS_Time = 1u << 7,
  TS_Url = 1u << 8,
  TS_Email = 1u << 9,
  TS_Phone = 1u << 10,
  TS_Enum = 1u << 11,
  TS_User = 1u << 12,
  TS_Tags = 1u << 13,
  TS_Numeric = TS_Number | TS_Money,
  TS_TextLike = TS_Text | TS_Url | TS_Email | TS_Phone,
  TS_TextOrTags = TS_TextLike | TS_Tags,
  TS_Temporal = TS_Date | TS_DateTime,
  TS_Ordered = TS_Numeric | TS_Temporal | TS_Duration | TS_Time,
};
uint32_t typeBit(TypeKind k);
bool inSet(const Type& t, uint32_t set);

bool isNumeric(const Type& t);
bool isTextLike(const Type& t);
bool isTemporal(const Type& t);

// Type names as users write them: number, money, text, bool, date, datetime,
// duration, url, email, phone, user, tags. nullopt for anything else.
std::optional<TypeKind> typeFromName(std::string_view name);
const char* typeKindName(TypeKind k);

// May a value of type `from` be stored where `to` is expected?
bool assignable(const Type& to, const Type& from);
// May `a == b` be asked?
bool comparable(const Type& a, const Type& b);
// The result of a binary arithmetic or comparison operator; nullopt when the
// operator does not apply to these operands.
std::optional<Type> binaryResult(ast::BinaryOp op, const Type& lhs, const Type& rhs);
// The common type of two branches of an `if` expression.
std::optional<Type> unify(const Type& a, const Type& b);

}  // namespace voronka::check
