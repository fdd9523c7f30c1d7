// The action kinds of the language and what each one is, from actions.def.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/language/effects.h"

namespace voronka::lang {

enum class ActionKind : uint8_t {
#define ACTION(Name, ...) Name,
#include "common/language/actions.def"
#undef ACTION
};

// What an action's descriptor carries (action_operands.def).
enum class ActionOperand : uint8_t {
#define OPERAND(Name, registers, what) Name,
#include "common/language/action_operands.def"
#undef OPERAND
};

// How an action is compiled (actions.def, column Compiled).
enum class Compiled : uint8_t { Act, SplitAct, Jumps };

struct ActionInfo {
  ActionKind kind;
  std::string_view keyword;
  EffectKind effect;
  Compiled compiled;
  std::span<const ActionOperand> operands;
  bool takes(ActionOperand o) const {
    for (ActionOperand x : operands) {
      if (x == o) return true;
    }
    return false;
  }
};

namespace detail {
using enum ActionOperand;

#define ACTION(Name, Keyword, Effect, How, ...) \
  inline constexpr ActionOperand k##Name##Operands[] = {__VA_ARGS__ __VA_OPT__(, ) Target};
#include "common/language/actions.def"
#undef ACTION

// Each list above ends in one extra element (a zero-length array is not
// allowed), which the span below leaves out.
inline constexpr ActionInfo kActions[] = {
#define ACTION(Name, Keyword, Effect, How, ...)                  \
  {ActionKind::Name, Keyword, EffectKind::Effect, Compiled::How, \
   std::span(k##Name##Operands, std::size(k##Name##Operands) - 1)},
#include "common/language/actions.def"
#undef ACTION
};
}  // namespace detail

// Every action kind, in the order of actions.def (index == kind).
inline constexpr std::span<const ActionInfo> kActions = detail::kActions;

inline constexpr const ActionInfo& actionInfo(ActionKind k) { return kActions[static_cast<size_t>(k)]; }

}  // namespace voronka::lang
