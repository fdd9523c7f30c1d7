// Stage kinds, template kinds, task filters and built-in task types, from
// kinds.def.
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>

namespace voronka::lang {

enum class StageKind : uint8_t {
#define STAGE_KIND(Name, keyword) Name,
#include "common/language/kinds.def"
#undef STAGE_KIND
};

enum class TemplateKind : uint8_t {
#define TEMPLATE_KIND(Name, keyword) Name,
#include "common/language/kinds.def"
#undef TEMPLATE_KIND
};

enum class TaskFilter : uint8_t {
#define TASK_FILTER(Name, keyword) Name,
#include "common/language/kinds.def"
#undef TASK_FILTER
};

// The account's language: Russian unless it says otherwise.
enum class Language : uint8_t {
#define LANGUAGE(Name, code) Name,
#include "common/language/kinds.def"
#undef LANGUAGE
};
inline constexpr std::string_view kLanguageCodes[] = {
#define LANGUAGE(Name, code) code,
#include "common/language/kinds.def"
#undef LANGUAGE
};
inline constexpr std::string_view code(Language l) { return kLanguageCodes[static_cast<size_t>(l)]; }
inline constexpr std::optional<Language> languageCoded(std::string_view code) {
  for (size_t i = 0; i < std::size(kLanguageCodes); ++i) {
    if (kLanguageCodes[i] == code) return static_cast<Language>(i);
  }
  return std::nullopt;
}

inline constexpr std::string_view kStageKindKeywords[] = {
#define STAGE_KIND(Name, keyword) keyword,
#include "common/language/kinds.def"
#undef STAGE_KIND
};
inline constexpr std::string_view kTemplateKindKeywords[] = {
#define TEMPLATE_KIND(Name, keyword) keyword,
#include "common/language/kinds.def"
#undef TEMPLATE_KIND
};
inline constexpr std::string_view kTaskFilterKeywords[] = {
#define TASK_FILTER(Name, keyword) keyword,
#include "common/language/kinds.def"
#undef TASK_FILTER
};

// "stage", "won", "lost".
inline constexpr std::string_view keyword(StageKind k) { return kStageKindKeywords[static_cast<size_t>(k)]; }
// "email", "message", "sms".
inline constexpr std::string_view keyword(TemplateKind k) { return kTemplateKindKeywords[static_cast<size_t>(k)]; }
// "" (unspecified), "all", "overdue", "today", "tomorrow".
inline constexpr std::string_view keyword(TaskFilter k) { return kTaskFilterKeywords[static_cast<size_t>(k)]; }

struct BuiltinTaskType {
  std::string_view name;
  std::string_view title;
};
inline constexpr BuiltinTaskType kBuiltinTaskTypes[] = {
#define BUILTIN_TASK_TYPE(name, title) {name, title},
#include "common/language/kinds.def"
#undef BUILTIN_TASK_TYPE
};

}  // namespace voronka::lang
