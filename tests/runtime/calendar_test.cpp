// Working time across time zones, DST changes and holidays (LANGUAGE.md §6.3).
#include <gtest/gtest.h>

#include "runtime/calendar/calendar.h"

namespace voronka {
namespace {

using Windows = std::array<std::vector<std::pair<int32_t, int32_t>>, 7>;

Windows weekdays(int fromHour, int toHour) {
  Windows w;
  for (int d = 0; d < 5; ++d) w[d] = {{fromHour * 60, toHour * 60}};
  return w;
}

int64_t day(int y, int m, int d) { return Calendar::daysFromCivil(y, m, d); }

TEST(Calendar, UtcOfFollowsEuropeanSummerTime) {
  Calendar berlin("Europe/Berlin", weekdays(9, 18), {});
  // Saturday 28 March 2026: CET (UTC+1); Monday 30 March: CEST (UTC+2).
  EXPECT_EQ(berlin.formatDateTime(berlin.utcOf(day(2026, 3, 28), 9 * 60)), "28.03.2026 09:00");
  EXPECT_EQ(berlin.utcOf(day(2026, 3, 30), 9 * 60) - berlin.utcOf(day(2026, 3, 28), 9 * 60), 2 * 86400 - 3600);
  // 02:30 on 29 March does not exist: it is taken as the first instant after the gap.
  int64_t gap = berlin.utcOf(day(2026, 3, 29), 2 * 60 + 30);
  EXPECT_EQ(berlin.localMinutes(gap), 3 * 60);
}

TEST(Calendar, AddWorkdaysKeepsTheLocalTimeAcrossTheAmericanFallBack) {
  Calendar ny("America/New_York", weekdays(9, 17), {});
  // Friday 30 October 2026, 10:00 EDT; clocks go back on Sunday 1 November.
  int64_t friday = ny.utcOf(day(2026, 10, 30), 10 * 60);
  int64_t monday = *ny.addWorkdays(friday, 1);
  EXPECT_EQ(ny.formatDateTime(monday), "02.11.2026 10:00");
  EXPECT_EQ(monday - friday, 3 * 86400 + 3600);
}

TEST(Calendar, NextWorkingTimeSkipsNightsWeekendsAndHolidays) {
  Calendar moscow("Europe/Moscow", weekdays(9, 18), {{day(2026, 3, 9), day(2026, 3, 9)}});
  int64_t fridayEvening = moscow.utcOf(day(2026, 3, 6), 19 * 60);
  EXPECT_EQ(moscow.formatDateTime(moscow.nextWorkingTime(fridayEvening)), "10.03.2026 09:00");
  int64_t inside = moscow.utcOf(day(2026, 3, 10), 11 * 60);
  EXPECT_EQ(moscow.nextWorkingTime(inside), inside);
  int64_t early = moscow.utcOf(day(2026, 3, 10), 7 * 60);
  EXPECT_EQ(moscow.formatDateTime(moscow.nextWorkingTime(early)), "10.03.2026 09:00");
  EXPECT_FALSE(moscow.isWorkday(day(2026, 3, 9)));
  EXPECT_TRUE(moscow.isHoliday(day(2026, 3, 9)));
  EXPECT_FALSE(moscow.isWorkday(day(2026, 3, 8)));  // Sunday
}

TEST(Calendar, WorkingTimeComesAfterHolidaysOfAnyLength) {
  // Two years off: the next working window is the first one after, and the
  // last working minute before is the one before the range.
  Calendar moscow("Europe/Moscow", weekdays(9, 18), {{day(2026, 3, 9), day(2028, 3, 10)}});
  int64_t inside = moscow.utcOf(day(2027, 6, 15), 12 * 60);
  EXPECT_EQ(moscow.formatDateTime(moscow.nextWorkingTime(inside)), "13.03.2028 09:00");      // Monday after
  EXPECT_EQ(moscow.formatDateTime(moscow.previousWorkingTime(inside)), "06.03.2026 17:59");  // Friday before
  // Till the end of the dates a funnel can write: the working time comes in the year 10000.
  Calendar closed("Europe/Moscow", weekdays(9, 18), {{day(2026, 1, 1), day(9999, 12, 31)}});
  EXPECT_EQ(closed.formatDateTime(closed.nextWorkingTime(closed.utcOf(day(2026, 3, 2), 10 * 60))),
            "03.01.10000 09:00");  // 1 January 10000 is a Saturday
  EXPECT_EQ(closed.formatDateTime(closed.previousWorkingTime(closed.utcOf(day(5000, 1, 1), 0))), "31.12.2025 17:59");
}

TEST(Calendar, WorkingTimeSkipsHolidaysBetweenWeekends) {
  // Every Monday–Friday off for 200 weeks (more than a year): holiday
  // ranges that do not touch, with the weekends (not working days) between.
  std::vector<std::pair<int32_t, int32_t>> holidays;
  int64_t monday = day(2026, 3, 2);
  for (int w = 0; w < 200; ++w)
    holidays.emplace_back(static_cast<int32_t>(monday + 7 * w), static_cast<int32_t>(monday + 7 * w + 4));
  Calendar moscow("Europe/Moscow", weekdays(9, 18), holidays);
  int64_t start = moscow.utcOf(monday, 10 * 60);
  EXPECT_EQ(moscow.nextWorkingTime(start), moscow.utcOf(monday + 7 * 200, 9 * 60));
  int64_t end = moscow.utcOf(monday + 7 * 199 + 2, 10 * 60);
  EXPECT_EQ(moscow.previousWorkingTime(end), moscow.utcOf(monday - 3, 18 * 60 - 1));
  // A working Saturday among them: the next working time is that Saturday.
  Windows withSaturday = weekdays(9, 18);
  withSaturday[5] = {{10 * 60, 14 * 60}};
  Calendar saturdays("Europe/Moscow", withSaturday, holidays);
  EXPECT_EQ(saturdays.nextWorkingTime(start), saturdays.utcOf(monday + 5, 10 * 60));
  EXPECT_EQ(saturdays.previousWorkingTime(end), saturdays.utcOf(monday + 7 * 198 + 5, 14 * 60 - 1));
}

TEST(Calendar, TheSameInstantIsADifferentWorkingTimeInVladivostok) {
  Calendar moscow("Europe/Moscow", weekdays(9, 18), {});
  Calendar vladivostok("Asia/Vladivostok", weekdays(9, 18), {});
  // Monday 09:00 in Moscow is 16:00 in Vladivostok: both in working hours.
  int64_t instant = moscow.utcOf(day(2026, 3, 2), 9 * 60);
  EXPECT_EQ(vladivostok.formatDateTime(instant), "02.03.2026 16:00");
  // Monday 17:00 in Moscow is past midnight in Vladivostok: its next window is Tuesday 09:00 there.
  int64_t late = moscow.utcOf(day(2026, 3, 2), 17 * 60);
  EXPECT_EQ(moscow.nextWorkingTime(late), late);
  EXPECT_EQ(vladivostok.formatDateTime(vladivostok.nextWorkingTime(late)), "03.03.2026 09:00");
}

TEST(Calendar, WorkdaysBetweenCountsWorkingDaysOnly) {
  Calendar moscow("Europe/Moscow", weekdays(9, 18), {{day(2026, 3, 9), day(2026, 3, 9)}});
  int64_t friday = moscow.utcOf(day(2026, 3, 6), 12 * 60);
  int64_t wednesday = moscow.utcOf(day(2026, 3, 11), 12 * 60);
  EXPECT_EQ(moscow.workdaysBetween(friday, wednesday), 2);  // Tue 10, Wed 11
  EXPECT_EQ(moscow.workdaysBetween(wednesday, friday), -2);
  EXPECT_EQ(moscow.formatDateTime(*moscow.addWorkdays(friday, 1)), "10.03.2026 12:00");
}

TEST(Calendar, WithoutWorkhoursEveryDayButHolidaysCounts) {
  Calendar open("Europe/Moscow", Windows{}, {{day(2026, 3, 9), day(2026, 3, 9)}});
  EXPECT_FALSE(open.hasWorkhours());
  int64_t saturday = open.utcOf(day(2026, 3, 7), 23 * 60);
  EXPECT_EQ(open.nextWorkingTime(saturday), saturday);
  EXPECT_EQ(open.formatDateTime(*open.addWorkdays(saturday, 2)), "10.03.2026 23:00");
}

// Day by day, as a reference for the counting done in weeks.
int64_t addWorkdaysByStepping(const Calendar& c, int64_t day, int64_t n) {
  for (int64_t left = n < 0 ? -n : n; left > 0;) {
    day += n < 0 ? -1 : 1;
    if (c.isWorkday(day)) --left;
  }
  return day;
}

// Working days in (from, to], day by day.
int64_t workdaysAfterByStepping(const Calendar& c, int64_t from, int64_t to) {
  int64_t count = 0;
  for (int64_t d = from + 1; d <= to; ++d) count += c.isWorkday(d) ? 1 : 0;
  return count;
}

TEST(Calendar, AddWorkdaysMatchesCountingDayByDayAroundOverlappingHolidays) {
  // Holidays that overlap and nest, on weekends and weekdays, and a Saturday window.
  Windows windows = weekdays(9, 18);
  windows[5] = {{10 * 60, 14 * 60}};
  Calendar c("Europe/Moscow", windows,
             {{day(2026, 3, 2), day(2026, 3, 12)},
              {day(2026, 3, 4), day(2026, 3, 5)},
              {day(2026, 3, 10), day(2026, 3, 20)},
              {day(2026, 4, 1), day(2026, 4, 1)}});
  // Friday 6 March lies in the first range, past the second one nested in
  // it: it was taken for a working day when only the nearer range was looked at.
  EXPECT_FALSE(c.isWorkday(day(2026, 3, 6)));
  EXPECT_FALSE(c.isWorkday(day(2026, 3, 16)));  // inside the third range, which starts within the first
  for (int64_t start = day(2026, 2, 20); start < day(2026, 4, 10); start += 3) {
    for (int64_t n = -40; n <= 40; ++n) {
      EXPECT_EQ(c.addWorkdaysToDay(start, n), addWorkdaysByStepping(c, start, n)) << start << " " << n;
      int64_t other = start + n;
      EXPECT_EQ(c.workdaysBetween(c.utcOf(start, 600), c.utcOf(other, 600)),
                n < 0 ? -workdaysAfterByStepping(c, other, start) : workdaysAfterByStepping(c, start, other))
          << start << " " << n;
    }
  }
}

// Far counts are counted, not cut short: 200 000 working days of five a week
// are exactly 40 000 weeks, and past 10 000 years from 1970 there is no date.
TEST(Calendar, FarWorkdayCountsAreExactOrNone) {
  Calendar c("Europe/Moscow", weekdays(9, 18), {});
  int64_t monday = day(2026, 3, 2);
  EXPECT_EQ(c.addWorkdaysToDay(monday, 200000), monday + 280000);
  EXPECT_EQ(c.addWorkdaysToDay(monday, -200000), monday - 280000);
  EXPECT_EQ(c.workdaysBetween(c.utcOf(monday, 600), c.utcOf(monday + 280000, 600)), 200000);
  EXPECT_EQ(c.workdaysBetween(c.utcOf(monday + 280000, 600), c.utcOf(monday, 600)), -200000);
  EXPECT_EQ(c.addWorkdaysToDay(monday, 3000000), std::nullopt);  // 4.2 million days: past year 11 000
  EXPECT_EQ(c.addWorkdaysToDay(monday, -3000000), std::nullopt);
  EXPECT_EQ(c.addWorkdays(c.utcOf(monday, 600), 3000000), std::nullopt);
  EXPECT_EQ(c.addWorkdaysToDay(Calendar::kMaxDays, 1), std::nullopt);
  EXPECT_EQ(c.addWorkdaysToDay(Calendar::kMaxDays - 2, 5), std::nullopt);  // two days left hold at most two
  EXPECT_EQ(c.addWorkdaysToDay(-Calendar::kMaxDays + 2, -5), std::nullopt);
  EXPECT_EQ(c.addWorkdaysToDay(monday, 0), monday);
}

TEST(Calendar, UnknownTimeZoneIsAnError) {
  EXPECT_THROW(Calendar("Europe/Atlantis", Windows{}, {}), std::runtime_error);
}

TEST(Calendar, CivilDatesRoundTrip) {
  for (int64_t d = day(1999, 12, 25); d < day(2031, 3, 1); d += 17) {
    auto [y, m, dd] = Calendar::civil(d);
    EXPECT_EQ(Calendar::daysFromCivil(y, m, dd), d);
  }
  EXPECT_EQ(Calendar::weekday(day(2026, 3, 2)), 0);  // Monday
  EXPECT_EQ(Calendar::formatDate(day(2028, 2, 29)), "29.02.2028");
}

}  // namespace
}  // namespace voronka
