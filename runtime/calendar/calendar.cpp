#include "runtime/calendar/calendar.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace voronka {

using namespace std::chrono;

Calendar::Calendar(const std::string& timezone, std::array<std::vector<std::pair<int32_t, int32_t>>, 7> windows,
                   std::vector<std::pair<int32_t, int32_t>> holidays)
    : timezoneName_(timezone),
      zone_(date::locate_zone(timezone)),
      windows_(std::move(windows)),
      holidays_(std::move(holidays)) {
  for (auto& day : windows_) {
    std::sort(day.begin(), day.end());
    anyWindow_ = anyWindow_ || !day.empty();
  }
  for (size_t d = 0; d < 7; ++d) {
    workingWeekday_[d] = !anyWindow_ || !windows_[d].empty();
    workingWeekdays_ += workingWeekday_[d] ? 1 : 0;
  }
  // Overlapping ranges merged into one: isHoliday looks at a single range,
  // and the counting below would count a day twice.
  std::sort(holidays_.begin(), holidays_.end());
  std::vector<std::pair<int32_t, int32_t>> merged;
  for (auto range : holidays_) {
    if (range.first > range.second) continue;
    if (!merged.empty() && int64_t{range.first} <= int64_t{merged.back().second} + 1)
      merged.back().second = std::max(merged.back().second, range.second);
    else
      merged.push_back(range);
  }
  holidays_ = std::move(merged);
  holidayWeeklyDays_.assign(1, 0);
  for (auto [from, to] : holidays_) holidayWeeklyDays_.push_back(holidayWeeklyDays_.back() + weeklyDaysIn(from, to));
  // The zone's offsets over [kSpansFrom, kSpansTo), span by span (a few
  // hundred at most: two DST changes a year).
  int64_t t = kSpansFrom;
  while (t < kSpansTo) {
    date::sys_info info = zone_->get_info(sys_seconds{seconds{t}});
    int64_t end = info.end.time_since_epoch().count();
    if (end <= t) break;  // not expected of the tz library: from here on it is asked
    spans_.push_back({t, static_cast<int32_t>(info.offset.count())});
    t = end;
  }
  spansTo_ = std::min(t, kSpansTo);
}

int64_t Calendar::offsetAt(int64_t utc) const {
  if (utc < kSpansFrom || utc >= spansTo_) return zone_->get_info(sys_seconds{seconds{utc}}).offset.count();
  // Since the last change of a zone that keeps one offset now (Moscow's, in
  // 2014): every instant of these years, with no search.
  if (utc >= spans_.back().begin) return spans_.back().offset;
  auto it = std::upper_bound(spans_.begin(), spans_.end(), utc, [](int64_t t, const Span& s) { return t < s.begin; });
  return std::prev(it)->offset;
}

int64_t Calendar::localSeconds(int64_t utc) const { return utc + offsetAt(utc); }

bool Calendar::hasWorkhours() const { return anyWindow_; }

std::pair<int64_t, int> Calendar::localDayAndMinutes(int64_t utc) const {
  int64_t local = localSeconds(utc);
  int64_t day = floorDiv(local, 86400);
  return {day, static_cast<int>((local - day * 86400) / 60)};
}

int64_t Calendar::localDay(int64_t utc) const { return floorDiv(localSeconds(utc), 86400); }

int Calendar::localMinutes(int64_t utc) const { return localDayAndMinutes(utc).second; }

int64_t Calendar::utcOf(int64_t day, int minutesOfDay) const {
  int64_t localTime = day * 86400 + int64_t{minutesOfDay} * 60;
  // The usual case from the table: exactly one instant has this local time.
  // The instant lies within a day and a bit of it, as offsets do.
  constexpr int64_t kReach = 27 * 3600;
  if (localTime - kReach >= kSpansFrom && localTime + kReach < spansTo_) {
    auto first = std::prev(std::upper_bound(spans_.begin(), spans_.end(), localTime - kReach,
                                            [](int64_t t, const Span& s) { return t < s.begin; }));
    int matches = 0;
    int64_t found = 0;
    for (auto it = first; it != spans_.end() && it->begin <= localTime + kReach; ++it) {
      int64_t utc = localTime - it->offset;
      int64_t end = std::next(it) != spans_.end() ? std::next(it)->begin : spansTo_;
      if (utc >= it->begin && utc < end) {
        ++matches;
        found = utc;
      }
    }
    if (matches == 1) return found;
  }
  // Repeated or skipped by a DST change, or out of the table: the tz library.
  date::local_seconds local{date::days{day} + minutes{minutesOfDay}};
  auto info = zone_->get_info(local);
  switch (info.result) {
    case date::local_info::unique: return (local - info.first.offset).time_since_epoch().count();
    // Repeated by a DST change (clocks go back): the first of the two.
    case date::local_info::ambiguous: return (local - info.first.offset).time_since_epoch().count();
    // Skipped (clocks go forward): the moment the clocks jump to.
    case date::local_info::nonexistent: return info.second.begin.time_since_epoch().count();
  }
  return (local - info.first.offset).time_since_epoch().count();
}

int Calendar::weekday(int64_t day) {
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  int64_t w = (day + 3) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}

const std::pair<int32_t, int32_t>* Calendar::holidayRange(int64_t day) const {
  // The last range starting on or before `day` (none starts beyond int32).
  auto it = std::partition_point(holidays_.begin(), holidays_.end(), [&](auto h) { return h.first <= day; });
  if (it == holidays_.begin()) return nullptr;
  --it;
  return day <= it->second ? &*it : nullptr;
}

bool Calendar::isHoliday(int64_t day) const { return holidayRange(day) != nullptr; }

bool Calendar::isWorkday(int64_t day) const {
  if (isHoliday(day)) return false;
  if (!anyWindow_) return true;
  return !windows_[static_cast<size_t>(weekday(day))].empty();
}

int64_t Calendar::nextWorkingTime(int64_t utc) const {
  if (!anyWindow_) return utc;
  auto [day, now] = localDayAndMinutes(utc);
  if (isWorkday(day)) {
    for (auto [from, to] : windows_[static_cast<size_t>(weekday(day))]) {
      if (now >= to) continue;
      return now >= from ? utc : utcOf(day, from);  // inside the window, or before it
    }
  }
  day = workdayFrom(day + 1, 1);
  return utcOf(day, windows_[static_cast<size_t>(weekday(day))].front().first);
}

int64_t Calendar::previousWorkingTime(int64_t utc) const {
  if (!anyWindow_) return utc;
  auto [day, now] = localDayAndMinutes(utc);
  if (isWorkday(day)) {
    const auto& windows = windows_[static_cast<size_t>(weekday(day))];
    for (auto it = windows.rbegin(); it != windows.rend(); ++it) {
      auto [from, to] = *it;
      if (now < from) continue;                    // this window is still ahead
      return now < to ? utc : utcOf(day, to - 1);  // inside the window, or its last working minute
    }
  }
  day = workdayFrom(day - 1, -1);
  return utcOf(day, windows_[static_cast<size_t>(weekday(day))].back().second - 1);
}

int64_t Calendar::workdayFrom(int64_t day, int step) const {
  // Holidays are merged ranges that never touch, so a range is jumped over
  // at once and at most 6 days that are not working weekdays follow in a
  // row: each range is passed once, however long. Holidays are finite and a
  // calendar has a working weekday, so a working day always comes.
  for (;;) {
    if (const auto* range = holidayRange(day)) {
      day = step > 0 ? int64_t{range->second} + 1 : int64_t{range->first} - 1;
    } else if (workingWeekday_[static_cast<size_t>(weekday(day))]) {
      return day;
    } else {
      day += step;
    }
  }
}

int64_t Calendar::nextTimeOfDay(int64_t utc, int minutesOfDay) const {
  int64_t day = localDay(utc);
  int64_t candidate = utcOf(day, minutesOfDay);
  if (candidate >= utc) return candidate;
  return utcOf(day + 1, minutesOfDay);
}

std::optional<int64_t> Calendar::addWorkdays(int64_t utc, int64_t n) const {
  auto day = addWorkdaysToDay(localDay(utc), n);
  if (!day) return std::nullopt;
  return utcOf(*day, localMinutes(utc));
}

std::optional<int64_t> Calendar::addWorkdaysToDay(int64_t day, int64_t n) const {
  if (n == 0) return day;
  if (day < -kMaxDays || day > kMaxDays) return std::nullopt;
  int64_t wanted = n < 0 ? -n : n;
  // A few days ahead (most timers): stepping through a month is quicker
  // than the counting below and lands on the same day.
  int64_t step = n < 0 ? -1 : 1, stepped = day, left = wanted;
  for (int i = 0; i < 31 && left > 0 && stepped + step >= -kMaxDays && stepped + step <= kMaxDays; ++i) {
    stepped += step;
    if (isWorkday(stepped)) --left;
  }
  if (left == 0) return stepped;
  // Working days in the `span` days after (or before) `day`: grows with span.
  auto reached = [&](int64_t span) {
    return n > 0 ? workdaysIn(day + 1, day + span) : workdaysIn(day - span, day - 1);
  };
  int64_t room = n > 0 ? kMaxDays - day : day + kMaxDays;  // days up to the bound
  // The smallest span that reaches `wanted`: any 7 days hold every working
  // weekday once, so without holidays ceil(wanted / weekdays) weeks do;
  // double that while holidays stand in the way, then halve the gap.
  int64_t tooFew = 0;
  int64_t enough = std::min(room, (wanted + workingWeekdays_ - 1) / workingWeekdays_ * 7);
  while (reached(enough) < wanted) {
    if (enough == room) return std::nullopt;
    tooFew = enough;
    enough = std::min(room, enough * 2);
  }
  while (enough - tooFew > 1) {
    int64_t middle = tooFew + (enough - tooFew) / 2;
    (reached(middle) < wanted ? tooFew : enough) = middle;
  }
  return n > 0 ? day + enough : day - enough;
}

int64_t Calendar::workdaysBetween(int64_t from, int64_t to) const {
  int64_t a = localDay(from), b = localDay(to);
  return b < a ? -workdaysIn(b + 1, a) : workdaysIn(a + 1, b);
}

int64_t Calendar::workdaysIn(int64_t first, int64_t last) const {
  return weeklyDaysIn(first, last) - holidayWeeklyDaysIn(first, last);
}

int64_t Calendar::weeklyDaysIn(int64_t first, int64_t last) const {
  if (last < first) return 0;
  int64_t weeks = (last - first + 1) / 7;
  int64_t count = weeks * workingWeekdays_;
  for (int64_t d = first + weeks * 7; d <= last; ++d) count += workingWeekday_[static_cast<size_t>(weekday(d))] ? 1 : 0;
  return count;
}

int64_t Calendar::holidayWeeklyDaysIn(int64_t first, int64_t last) const {
  if (last < first) return 0;
  // Ranges [from, to) of holidays_ touching [first, last]: whole ones from
  // the prefix sums, less the parts of the two end ranges outside.
  auto from = std::partition_point(holidays_.begin(), holidays_.end(), [&](auto h) { return h.second < first; });
  auto to = std::partition_point(from, holidays_.end(), [&](auto h) { return h.first <= last; });
  if (from == to) return 0;
  int64_t count = holidayWeeklyDays_[static_cast<size_t>(to - holidays_.begin())] -
                  holidayWeeklyDays_[static_cast<size_t>(from - holidays_.begin())];
  count -= weeklyDaysIn(from->first, first - 1);
  count -= weeklyDaysIn(last + 1, std::prev(to)->second);
  return count;
}

std::tuple<int, int, int> Calendar::civil(int64_t day) {
  date::year_month_day ymd{date::sys_days{date::days{day}}};
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

int64_t Calendar::daysFromCivil(int y, int m, int d) {
  return date::sys_days{date::year{y} / date::month{static_cast<unsigned>(m)} / date::day{static_cast<unsigned>(d)}}
      .time_since_epoch()
      .count();
}

std::string Calendar::formatDate(int64_t day) {
  auto [y, m, d] = civil(day);
  return fmt::format("{:02}.{:02}.{:04}", d, m, y);
}

std::string Calendar::formatDateTime(int64_t utc) const {
  int minutesOfDay = localMinutes(utc);
  return fmt::format("{} {:02}:{:02}", formatDate(localDay(utc)), minutesOfDay / 60, minutesOfDay % 60);
}

}  // namespace voronka
