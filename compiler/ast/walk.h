// The one generic traversal of the AST, driven by the fields each struct
// lists beside its members (VORONKA_AST_FIELDS, fields.h).
//
// walk(visitor, x) visits x and everything below it, depth first, in the
// order the fields are listed; a node's own `range` comes first. For every
// value it reaches — nodes as their concrete type (a TaskAction, not an
// Action), plain structs, Refs, Idents, SourceRanges, strings, flags — it calls
//
//   visitor.enter(value)  if the visitor has an enter() that takes it; a
//                         `false` result skips the value's fields;
//   visitor.leave(value)  after the fields, if the visitor has one.
//
// So a visitor names only what it cares about:
//
//   struct ShiftRanges {
//     int64_t delta;
//     void enter(SourceRange& r) { … }
//   };
//   ast::walk(shift, module);
//
// An overload for a base (`enter(const ast::Action&)`) sees every action.
#pragma once

#include <concepts>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "compiler/ast/ast.h"

namespace voronka::ast {

// Calls f(name, field) for each field of a struct with VORONKA_AST_FIELDS.
template <typename T, typename F>
void forEachNamedField(T& x, F&& f) {
  using U = std::remove_const_t<T>;
  x.forEachField([&](auto&... fields) {
    size_t i = 0;
    (f(fieldName(U::kFieldNames, i++), fields), ...);
  });
}

namespace detail {

template <typename T>
inline constexpr bool kIsOptional = false;
template <typename T>
inline constexpr bool kIsOptional<std::optional<T>> = true;
template <typename T>
inline constexpr bool kIsVector = false;
template <typename T>
inline constexpr bool kIsVector<std::vector<T>> = true;
template <typename T>
inline constexpr bool kIsPointer = false;
template <typename T>
inline constexpr bool kIsPointer<std::unique_ptr<T>> = true;

template <typename T>
concept Polymorphic =
    std::same_as<T, Expr> || std::same_as<T, Action> || std::same_as<T, Decl> || std::same_as<T, TestStmt>;

template <typename T>
concept Described = requires(T& x) {
  x.forEachField([](auto&...) {});
};

template <typename V, typename T>
bool enter(V& v, T& x) {
  if constexpr (requires { v.enter(x); }) {
    if constexpr (std::is_void_v<decltype(v.enter(x))>) {
      v.enter(x);
      return true;
    } else {
      return v.enter(x);
    }
  } else {
    return true;
  }
}

template <typename V, typename T>
void leave(V& v, T& x) {
  if constexpr (requires { v.leave(x); }) v.leave(x);
}

}  // namespace detail

template <typename V, typename T>
void walk(V& v, T& x) {
  using U = std::remove_const_t<T>;
  if constexpr (detail::kIsOptional<U> || detail::kIsPointer<U>) {
    if (x) walk(v, *x);
  } else if constexpr (detail::kIsVector<U>) {
    for (auto& item : x) walk(v, item);
  } else if constexpr (detail::Polymorphic<U>) {
    withConcrete(x, [&](auto& node) { walk(v, node); });
  } else {
    if (!detail::enter(v, x)) return;
    if constexpr (std::is_base_of_v<Node, U>) walk(v, x.range);
    if constexpr (detail::Described<U>) x.forEachField([&](auto&... fields) { (walk(v, fields), ...); });
    detail::leave(v, x);
  }
}

}  // namespace voronka::ast
