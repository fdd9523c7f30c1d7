// The built-in events of the language, from events.def. Their payload
// fields are typed by the checker, which reads events.def with PARAM.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace voronka::lang {

enum class EventKind : uint8_t {
#define EVENT(Name, ...) Name,
#include "common/language/events.def"
#undef EVENT
  Custom,  // declared with `event` in a funnel
};

// What the filter argument of `on event(arg)` names.
enum class EventArg : uint8_t { None, EmailTemplate, AnyTemplate, Form, Channel, TaskType, Field, Tag };
enum class ArgPresence : uint8_t { Optional, Required };
enum class EventOrigin : uint8_t { Lifecycle, External };

struct EventInfo {
  EventKind kind;
  std::string_view name;
  EventArg arg;
  ArgPresence argPresence;
  EventOrigin origin;
  bool lifecycle() const { return origin == EventOrigin::Lifecycle; }
};

inline constexpr EventInfo kBuiltinEvents[] = {
#define EVENT(Name, Text, Arg, Presence, Origin, ...) \
  {EventKind::Name, Text, EventArg::Arg, ArgPresence::Presence, EventOrigin::Origin},
#include "common/language/events.def"
#undef EVENT
};

// Index == kind for every built-in kind (not for Custom).
inline constexpr const EventInfo& eventInfo(EventKind k) { return kBuiltinEvents[static_cast<size_t>(k)]; }

inline constexpr std::optional<EventKind> builtinEventNamed(std::string_view name) {
  for (const EventInfo& e : kBuiltinEvents) {
    if (e.name == name) return e.kind;
  }
  return std::nullopt;
}

}  // namespace voronka::lang
