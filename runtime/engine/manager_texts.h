// The texts the runtime writes for managers, in the account's language
// (manager_texts.def).
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "common/language/kinds.h"

namespace voronka::engine {

enum class ManagerText {
#define TEXT(Id, ru, en) Id,
#include "runtime/engine/manager_texts.def"
#undef TEXT
};

// The pattern of a text in a language.
std::string_view managerTextPattern(ManagerText text, lang::Language language);

template <typename... Args>
std::string managerText(lang::Language language, ManagerText text, const Args&... args) {
  return fmt::format(fmt::runtime(managerTextPattern(text, language)), args...);
}

}  // namespace voronka::engine
