// Stage kinds, template kinds, task filters and built-in task types, from
// kinds.def.
#pragma once

#include <cstdint>
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
