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

namespace detail {

// `To` with the constness of `From`.
template <typename From, typename To>
using SameConst = std::conditional_t<std::is_const_v<From>, const To, To>;

template <typename To, typename From>
SameConst<From, To>& concrete(From& node) {
  return static_cast<SameConst<From, To>&>(node);
}

}  // namespace detail

// Calls f with a node of one of the polymorphic families as its concrete
// type. These four switches are the only place that maps a kind to its
// struct: a new kind without a case here does not build (-Werror=switch).
template <typename E, typename F>
  requires std::same_as<std::remove_const_t<E>, Expr>
decltype(auto) withConcrete(E& e, F&& f) {
  using detail::concrete;
  switch (e.kind) {
    case ExprKind::Number: return f(concrete<NumberExpr>(e));
    case ExprKind::String: return f(concrete<StringExpr>(e));
    case ExprKind::Duration: return f(concrete<DurationExpr>(e));
    case ExprKind::Time: return f(concrete<TimeExpr>(e));
    case ExprKind::Date: return f(concrete<DateExpr>(e));
    case ExprKind::DateTime: return f(concrete<DateTimeExpr>(e));
    case ExprKind::Bool: return f(concrete<BoolExpr>(e));
    case ExprKind::None: return f(concrete<NoneExpr>(e));
    case ExprKind::Name: return f(concrete<NameExpr>(e));
    case ExprKind::Member: return f(concrete<MemberExpr>(e));
    case ExprKind::Call: return f(concrete<CallExpr>(e));
    case ExprKind::Unary: return f(concrete<UnaryExpr>(e));
    case ExprKind::Binary: return f(concrete<BinaryExpr>(e));
    case ExprKind::List: return f(concrete<ListExpr>(e));
    case ExprKind::If: return f(concrete<IfExpr>(e));
  }
  return f(concrete<NoneExpr>(e));  // unreachable: every kind has its case
}

template <typename A, typename F>
  requires std::same_as<std::remove_const_t<A>, Action>
decltype(auto) withConcrete(A& a, F&& f) {
  using detail::concrete;
  switch (a.kind) {
    case ActionKind::Move: return f(concrete<MoveAction>(a));
    case ActionKind::Win: return f(concrete<WinAction>(a));
    case ActionKind::Lose: return f(concrete<LoseAction>(a));
    case ActionKind::Task: return f(concrete<TaskAction>(a));
    case ActionKind::CompleteTasks: return f(concrete<CompleteTasksAction>(a));
    case ActionKind::Email:
    case ActionKind::Message:
    case ActionKind::Sms: return f(concrete<SendAction>(a));
    case ActionKind::Webhook: return f(concrete<WebhookAction>(a));
    case ActionKind::Request: return f(concrete<RequestAction>(a));
    case ActionKind::Analytics: return f(concrete<AnalyticsAction>(a));
    case ActionKind::Tag: return f(concrete<TagAction>(a));
    case ActionKind::Set: return f(concrete<SetAction>(a));
    case ActionKind::Assign: return f(concrete<AssignAction>(a));
    case ActionKind::CreateDeal: return f(concrete<CreateDealAction>(a));
    case ActionKind::Questionnaire: return f(concrete<QuestionnaireAction>(a));
    case ActionKind::Note: return f(concrete<NoteAction>(a));
    case ActionKind::Notify: return f(concrete<NotifyAction>(a));
    case ActionKind::If: return f(concrete<IfAction>(a));
    case ActionKind::Split: return f(concrete<SplitAction>(a));
    case ActionKind::Then: return f(concrete<ThenAction>(a));
  }
  return f(concrete<WinAction>(a));  // unreachable
}

template <typename D, typename F>
  requires std::same_as<std::remove_const_t<D>, Decl>
decltype(auto) withConcrete(D& d, F&& f) {
  using detail::concrete;
  switch (d.kind) {
    case DeclKind::Use: return f(concrete<UseDecl>(d));
    case DeclKind::Account:
    case DeclKind::Calendar: return f(concrete<CalendarDecl>(d));
    case DeclKind::Field: return f(concrete<FieldDecl>(d));
    case DeclKind::Team: return f(concrete<TeamDecl>(d));
    case DeclKind::Template: return f(concrete<TemplateDecl>(d));
    case DeclKind::Form: return f(concrete<FormDecl>(d));
    case DeclKind::Integration: return f(concrete<IntegrationDecl>(d));
    case DeclKind::Event: return f(concrete<EventDecl>(d));
    case DeclKind::TaskType:
    case DeclKind::Channel: return f(concrete<SimpleDecl>(d));
    case DeclKind::Reasons: return f(concrete<ReasonsDecl>(d));
    case DeclKind::Pipeline: return f(concrete<PipelineDecl>(d));
    case DeclKind::Test: return f(concrete<TestDecl>(d));
    case DeclKind::Rule: return f(concrete<Rule>(d));
  }
  return f(concrete<UseDecl>(d));  // unreachable
}

template <typename S, typename F>
  requires std::same_as<std::remove_const_t<S>, TestStmt>
decltype(auto) withConcrete(S& s, F&& f) {
  using detail::concrete;
  switch (s.kind) {
    case TestStmtKind::Deal: return f(concrete<TestDealStmt>(s));
    case TestStmtKind::Advance: return f(concrete<TestAdvanceStmt>(s));
    case TestStmtKind::AdvanceTo: return f(concrete<TestAdvanceToStmt>(s));
    case TestStmtKind::Event: return f(concrete<TestEventStmt>(s));
    case TestStmtKind::Set: return f(concrete<TestSetStmt>(s));
    case TestStmtKind::ManualMove: return f(concrete<TestManualMoveStmt>(s));
    case TestStmtKind::Expect: return f(concrete<TestExpectStmt>(s));
  }
  return f(concrete<TestAdvanceStmt>(s));  // unreachable
}

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
concept Polymorphic = std::same_as<T, Expr> || std::same_as<T, Action> || std::same_as<T, Decl> ||
                      std::same_as<T, TestStmt>;

template <typename T>
concept Described = requires(T& x) { x.forEachField([](auto&...) {}); };

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
