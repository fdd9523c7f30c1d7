// The wire's dates, times and durations: every malformed, out-of-range or
// oversized value is a clean "no", quickly (issue: a 27 KB datetime string
// overflowed the stack of std::regex; a huge duration overflowed int64).
#include <gtest/gtest.h>

#include <string>

#include "runtime/engine/text_scan.h"

namespace voronka::engine {
namespace {

TEST(TextScan, DatesAreValidDaysOfTheCalendar) {
  auto d = scan::date("2028-02-29");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->year, 2028);
  EXPECT_EQ(d->month, 2);
  EXPECT_EQ(d->day, 29);
  EXPECT_FALSE(scan::date("2026-02-29"));  // not a leap year
  EXPECT_FALSE(scan::date("2026-13-01"));
  EXPECT_FALSE(scan::date("2026-04-31"));
  EXPECT_FALSE(scan::date("2026-4-1"));
  EXPECT_FALSE(scan::date("2026-04-01x"));
  EXPECT_FALSE(scan::date(""));
}

TEST(TextScan, DateTimesTakeAnOffsetOrTheAccountsLocalTime) {
  auto t = scan::dateTime("2026-11-23T10:15:00+03:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->hour, 10);
  EXPECT_EQ(t->minute, 15);
  EXPECT_EQ(t->offsetMinutes, 180);
  EXPECT_EQ(scan::dateTime("2026-11-23 10:15")->offsetMinutes, std::nullopt);
  EXPECT_EQ(scan::dateTime("2026-11-23T10:15:30.250Z")->offsetMinutes, 0);
  EXPECT_EQ(scan::dateTime("2026-11-23T10:15-0330")->offsetMinutes, -210);
  EXPECT_FALSE(scan::dateTime("2026-11-23T24:00"));
  EXPECT_FALSE(scan::dateTime("2026-11-23T10:60"));
  EXPECT_FALSE(scan::dateTime("2026-11-23T10:15+15:00"));
  EXPECT_FALSE(scan::dateTime("2026-11-23T10:15Zx"));
  EXPECT_FALSE(scan::dateTime("2026-11-23T10:15:00."));
  EXPECT_FALSE(scan::dateTime("2026-11-23"));
}

TEST(TextScan, OversizedValuesAreRefusedWithoutLookingFurther) {
  std::string huge = "2026-11-23T10:15:00." + std::string(27 * 1024, '1');
  EXPECT_FALSE(scan::dateTime(huge));
  EXPECT_FALSE(scan::durationSeconds(std::string(27 * 1024, '1') + "d"));
  EXPECT_FALSE(scan::minutesOfDay(std::string(1000, '9')));
}

TEST(TextScan, DurationsStayWithinAHundredYears) {
  EXPECT_EQ(scan::durationSeconds("1d12h"), 129600);
  EXPECT_EQ(scan::durationSeconds("2w30m"), 2 * 604800 + 1800);
  EXPECT_EQ(scan::durationSeconds("0m"), 0);
  EXPECT_FALSE(scan::durationSeconds("99999999999999999d"));  // int64 overflow before
  EXPECT_FALSE(scan::durationSeconds("5300w"));               // just over 100 years
  EXPECT_TRUE(scan::durationSeconds("5200w"));
  EXPECT_FALSE(scan::durationSeconds("P3D"));
  EXPECT_FALSE(scan::durationSeconds("12"));
  EXPECT_FALSE(scan::durationSeconds("d"));
  EXPECT_FALSE(scan::durationSeconds(""));
}

TEST(TextScan, TimesOfDay) {
  EXPECT_EQ(scan::minutesOfDay("9:05"), 9 * 60 + 5);
  EXPECT_EQ(scan::minutesOfDay("23:59"), 23 * 60 + 59);
  EXPECT_FALSE(scan::minutesOfDay("24:00"));
  EXPECT_FALSE(scan::minutesOfDay("12:5"));
  EXPECT_FALSE(scan::minutesOfDay("1:2:3"));
}

}  // namespace
}  // namespace voronka::engine
