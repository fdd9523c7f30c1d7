// The words of `voronka run --format timeline`, one table per language of
// the account (`account { language ru|en }`; common/language/kinds.h).
// Each entry is a fmt format string; the placeholders are the same in
// every language.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/language/kinds.h"
#include "runtime/calendar/calendar.h"

namespace voronka::timeline {

struct Words {
  std::string_view timesIn;      // {zone}
  std::string_view deal;         // {id}
  std::string_view created;      // {pipeline.stage}
  std::string_view createdFrom;  // {parent deal}
  std::string_view event;        // {event type}
  std::string_view field;        // {field} {value}
  std::string_view moved;        // {from} {to} {how}
  std::string_view lostReason;   // {reason}
  std::string_view refused;      // {target} {reason} {line}
  std::string_view howTrigger, howAutomatic, howManual;
  std::string_view task;            // {text}
  std::string_view taskType;        // {type}
  std::string_view taskDue;         // {time}
  std::string_view taskFor;         // {user}
  std::string_view taskDone;        // {text}
  std::string_view taskOverdue;     // {text}
  std::string_view timerSet;        // {time} {line}
  std::string_view timerFired;      // {line}
  std::string_view timerCancelled;  // {why}
  std::string_view timerIdle;       // {why} {line}
  std::string_view timerStopped;    // {why} {line}
  std::string_view timerLate;       // {seconds}
  std::string_view whenFalse, whileFalse, fieldChanged;
  std::string_view email, message, sms, webhook, request, analytics, notify;
  std::string_view quoted;         // {text}
  std::string_view goesOutAt;      // {time}
  std::string_view undeliverable;  // {reason}
  std::string_view note;           // {text}
  std::string_view tagAdded;       // {tag}
  std::string_view tagRemoved;     // {tag}
  std::string_view responsible;    // {user}
  std::string_view failed;         // {event} {error}
  std::string_view outcome;        // {event} {status} {message}
  std::string_view rejected, duplicate, invalid, unknownDeal, failedStatus;
  std::string_view nothing;  // no deal was touched
};

const Words& words(lang::Language language);

// "02.03.2026 10:00" (ru) or "2026-03-02 10:00" (en), in `calendar`'s zone.
std::string localTime(int64_t utc, const Calendar& calendar, lang::Language language);

}  // namespace voronka::timeline
