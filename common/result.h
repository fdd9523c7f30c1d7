// Result<T>: a value, or the reason there is none. What a function returns
// when the input it reads may be wrong and the caller is to tell the user
// why (a key of a JSON event, a line of serve.toml, a store address): the
// error is an ordinary value, not an exception, and not an out-parameter.
// See "Errors in the runtime" in docs/architecture.md. (g++ 12 has no
// std::expected; this is the small part of it the project uses.)
//
//   Result<int> port(std::string_view text) {
//     if (text.empty()) return fail("the port is missing");
//     return 8080;
//   }
//   Result<int> p = port(text);
//   if (!p) return fail(fmt::format("--listen: {}", p.error()));
//   use(*p);
#pragma once

#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace voronka {

// The error half of a Result, made by fail().
template <typename E>
struct Failure {
  E error;
};

inline Failure<std::string> fail(std::string message) { return {std::move(message)}; }
template <typename E>
Failure<E> failWith(E error) {
  return {std::move(error)};
}

template <typename T, typename E = std::string>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  template <typename F, typename = std::enable_if_t<std::is_convertible_v<F, E>>>
  Result(Failure<F> failure) : state_(std::in_place_index<1>, std::move(failure.error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Only when ok(); otherwise std::bad_variant_access (a bug in the caller).
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // Only when !ok().
  const E& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, E> state_;
};

// Nothing to return but a possible error: `return {};` on success.
template <typename E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  template <typename F, typename = std::enable_if_t<std::is_convertible_v<F, E>>>
  Result(Failure<F> failure) : error_(std::move(failure.error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const E& error() const { return *error_; }

 private:
  std::optional<E> error_;
};

}  // namespace voronka
