// The effect kinds the runtime hands to the outbox, from effects.def.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace voronka::lang {

enum class EffectKind : uint8_t {
  None,  // the action changes only the deal and the store
#define EFFECT(Name, text, needs) Name,
#include "common/language/effects.def"
#undef EFFECT
};

// "email", "webhook"…; empty for None.
inline constexpr std::string_view effectName(EffectKind k) {
  switch (k) {
    case EffectKind::None: return "";
#define EFFECT(Name, text, needs) \
  case EffectKind::Name:          \
    return text;
#include "common/language/effects.def"
#undef EFFECT
  }
  return "";
}

inline constexpr std::string_view kEffectNames[] = {
#define EFFECT(Name, text, needs) text,
#include "common/language/effects.def"
#undef EFFECT
};

inline std::optional<EffectKind> effectNamed(std::string_view name) {
#define EFFECT(Name, text, needs) \
  if (name == text) return EffectKind::Name;
#include "common/language/effects.def"
#undef EFFECT
  return std::nullopt;
}

// What an effect must carry to reach anyone ("the contact's email
// address"); empty when nothing it carries can stop it (effects.def).
inline constexpr std::string_view effectNeeds(EffectKind k) {
  switch (k) {
    case EffectKind::None: return "";
#define EFFECT(Name, text, needs) \
  case EffectKind::Name:          \
    return needs;
#include "common/language/effects.def"
#undef EFFECT
  }
  return "";
}

}  // namespace voronka::lang
