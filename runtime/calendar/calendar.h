// Working time: a time zone (with its DST rules, from the tz database),
// working windows per weekday and holidays. All instants are UTC seconds
// since 1970; "days" are local calendar days since 1970-01-01.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace date {
class time_zone;
}

namespace voronka {

class Calendar {
 public:
  // Working days are counted within 10 000 years of 1970 (366-day years, as
  // the VM bounds its dates: docs/language.md §8.5); a count that ends
  // beyond has no day.
  static constexpr int64_t kMaxDays = int64_t{10000} * 366;

  // `windows[0]` is Monday; minutes since local midnight. Throws
  // std::runtime_error for an unknown time zone.
  Calendar(const std::string& timezone, std::array<std::vector<std::pair<int32_t, int32_t>>, 7> windows,
           std::vector<std::pair<int32_t, int32_t>> holidays);

  const std::string& timezone() const { return timezoneName_; }
  bool hasWorkhours() const;

  int64_t localDay(int64_t utc) const;            // local calendar day of an instant
  int localMinutes(int64_t utc) const;            // minutes since local midnight
  int64_t utcOf(int64_t day, int minutes) const;  // the instant of a local day and time (DST-safe)
  static int weekday(int64_t day);                // 0 = Monday

  bool isHoliday(int64_t day) const;
  // A working day: a weekday with working windows that is not a holiday.
  bool isWorkday(int64_t day) const;
  // The instant itself when it falls in a working window, else the start of
  // the next one, however many holidays stand in the way: holidays are
  // finite ranges and working hours have a window, so one always comes
  // (after holidays to 9999-12-31, in January 10000). Without working hours,
  // the instant itself.
  int64_t nextWorkingTime(int64_t utc) const;
  // The instant itself when it falls in a working window, else the last
  // working minute before it (windows 09:00–19:00: 18:59 of the previous
  // working day), however many holidays lie between. Without working hours,
  // the instant itself.
  int64_t previousWorkingTime(int64_t utc) const;
  // The first instant at or after `utc` whose local time of day is `minutes`.
  int64_t nextTimeOfDay(int64_t utc, int minutes) const;
  // The same local time of day, `n` working days later (or earlier, for a
  // negative n). Without working hours every day but holidays counts.
  // Nothing when the day would lie beyond kMaxDays.
  std::optional<int64_t> addWorkdays(int64_t utc, int64_t n) const;
  // A local day moved by `n` working days, forward or back; nothing beyond kMaxDays.
  std::optional<int64_t> addWorkdaysToDay(int64_t day, int64_t n) const;
  // Working days from the day of `from` (exclusive) to the day of `to` (inclusive); negative when `to` is earlier.
  int64_t workdaysBetween(int64_t from, int64_t to) const;
  // Working days in the local days [first, last]; 0 when last < first.
  int64_t workdaysIn(int64_t first, int64_t last) const;

  // "DD.MM.YYYY HH:MM" and "DD.MM.YYYY" in local time.
  std::string formatDateTime(int64_t utc) const;
  static std::string formatDate(int64_t day);
  static std::tuple<int, int, int> civil(int64_t day);
  static int64_t daysFromCivil(int y, int m, int d);

 private:
  // The holiday range holding `day`, or null.
  const std::pair<int32_t, int32_t>* holidayRange(int64_t day) const;
  // The first working day from `day` on (step 1) or back (step -1), `day` included.
  int64_t workdayFrom(int64_t day, int step) const;
  // Days of weekdays with working windows (every weekday without working
  // hours) in [first, last], holidays not taken off.
  int64_t weeklyDaysIn(int64_t first, int64_t last) const;
  // Of those, the ones in holidays.
  int64_t holidayWeeklyDaysIn(int64_t first, int64_t last) const;

  // The offset from UTC at an instant, and the local time (seconds since
  // 1970-01-01 00:00 local).
  int64_t offsetAt(int64_t utc) const;
  int64_t localSeconds(int64_t utc) const;
  // localDay() and localMinutes() with one look-up of the offset.
  std::pair<int64_t, int> localDayAndMinutes(int64_t utc) const;
  static int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

  std::string timezoneName_;
  const date::time_zone* zone_;
  // The zone's offsets from 1900 to 2200 as spans (each from its `begin`
  // to the next one's), looked up by binary search: asking the tz library
  // costs far more, and the engine asks several times per event. Instants
  // outside are asked of it.
  struct Span {
    int64_t begin;
    int32_t offset;
  };
  static constexpr int64_t kSpansFrom = -2208988800;  // 1900-01-01 UTC
  static constexpr int64_t kSpansTo = 7258118400;     // 2200-01-01 UTC
  std::vector<Span> spans_;
  int64_t spansTo_ = kSpansFrom;  // kSpansTo once spans_ covers the range
  std::array<std::vector<std::pair<int32_t, int32_t>>, 7> windows_;
  std::vector<std::pair<int32_t, int32_t>> holidays_;  // sorted, inclusive, merged: no two overlap or touch
  // holidayWeeklyDays_[i]: weeklyDaysIn of holidays_[0..i), for counting in O(log holidays).
  std::vector<int64_t> holidayWeeklyDays_;
  std::array<bool, 7> workingWeekday_{};  // a weekday with windows, or every weekday without working hours
  int64_t workingWeekdays_ = 0;           // how many: 1 to 7
  bool anyWindow_ = false;
};

}  // namespace voronka
