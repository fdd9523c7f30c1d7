// Hand-written readers for the dates, times and durations of the wire
// format (JSON events and deals). They look at each character once, refuse
// anything longer than a real value could be, and check every range, so a
// hostile or broken value is a clean "no" — never a deep recursion (as
// std::regex had on a 27 KB string) or a signed overflow.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace voronka::engine::scan {

// The longest text any of these values can be: "2026-11-23T10:15:00.123456+03:00"
// is 32 characters; a duration of at most 100 years in its longest form
// ("1w1d1h1m" repeated) stays far below.
inline constexpr size_t kMaxValueText = 64;
// The longest duration the wire takes: 100 years, as in the language.
inline constexpr int64_t kMaxDurationSeconds = int64_t{100} * 366 * 86400;

struct Date {
  int year, month, day;
};
struct DateTime {
  Date date;
  int hour, minute, second;
  std::optional<int> offsetMinutes;  // absent: local time of the account; `Z`: 0
};

// "YYYY-MM-DD" (a valid day of the calendar).
std::optional<Date> date(std::string_view text);
// "YYYY-MM-DDTHH:MM[:SS[.fraction]][Z|±HH[:]MM]", `T` or a space between.
std::optional<DateTime> dateTime(std::string_view text);
// "HH:MM" (or "H:MM").
std::optional<int> minutesOfDay(std::string_view text);
// "1d12h", "30m", "2w": digits and a unit, repeated; at most 100 years.
std::optional<int64_t> durationSeconds(std::string_view text);

}  // namespace voronka::engine::scan
