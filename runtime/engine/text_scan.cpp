#include "runtime/engine/text_scan.h"

namespace voronka::engine::scan {
namespace {

// Reads exactly `count` digits at `pos`.
std::optional<int> digits(std::string_view text, size_t& pos, size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return value;
}

bool expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

bool leapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int daysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leapYear(y) ? 29 : kDays[m - 1];
}

std::optional<Date> dateAt(std::string_view text, size_t& pos) {
  auto y = digits(text, pos, 4);
  if (!y || !expect(text, pos, '-')) return std::nullopt;
  auto m = digits(text, pos, 2);
  if (!m || !expect(text, pos, '-')) return std::nullopt;
  auto d = digits(text, pos, 2);
  if (!d || *m < 1 || *m > 12 || *d < 1 || *d > daysInMonth(*y, *m)) return std::nullopt;
  return Date{*y, *m, *d};
}

}  // namespace

std::optional<Date> date(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  size_t pos = 0;
  return dateAt(text, pos);
}

std::optional<DateTime> dateTime(std::string_view text) {
  if (text.size() > kMaxValueText) return std::nullopt;
  size_t pos = 0;
  std::optional<Date> d = dateAt(text, pos);
  if (!d || pos >= text.size() || (text[pos] != 'T' && text[pos] != ' ')) return std::nullopt;
  ++pos;
  auto h = digits(text, pos, 2);
  if (!h || !expect(text, pos, ':')) return std::nullopt;
  auto mi = digits(text, pos, 2);
  if (!mi || *h > 23 || *mi > 59) return std::nullopt;
  DateTime out{*d, *h, *mi, 0, std::nullopt};
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    auto s = digits(text, pos, 2);
    if (!s || *s > 60) return std::nullopt;  // 60: a leap second, as ISO 8601 allows
    out.second = *s;
    if (pos < text.size() && text[pos] == '.') {
      size_t start = ++pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
      if (pos == start) return std::nullopt;  // the fraction is dropped: the runtime counts seconds
    }
  }
  if (pos == text.size()) return out;
  if (text[pos] == 'Z') {
    out.offsetMinutes = 0;
    return pos + 1 == text.size() ? std::optional<DateTime>(out) : std::nullopt;
  }
  if (text[pos] != '+' && text[pos] != '-') return std::nullopt;
  int sign = text[pos++] == '-' ? -1 : 1;
  auto oh = digits(text, pos, 2);
  if (!oh) return std::nullopt;
  if (pos < text.size() && text[pos] == ':') ++pos;
  auto om = digits(text, pos, 2);
  if (!om || *oh > 14 || *om > 59 || pos != text.size()) return std::nullopt;
  out.offsetMinutes = sign * (*oh * 60 + *om);
  return out;
}

std::optional<int> minutesOfDay(std::string_view text) {
  if (text.size() < 4 || text.size() > 5) return std::nullopt;
  size_t pos = 0;
  auto h = digits(text, pos, text.size() - 3);
  if (!h || !expect(text, pos, ':')) return std::nullopt;
  auto m = digits(text, pos, 2);
  if (!m || *h > 23 || *m > 59) return std::nullopt;
  return *h * 60 + *m;
}

std::optional<int64_t> durationSeconds(std::string_view text) {
  if (text.empty() || text.size() > kMaxValueText) return std::nullopt;
  int64_t total = 0;
  int64_t n = 0;
  bool haveDigits = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      n = n * 10 + (c - '0');
      if (n > kMaxDurationSeconds) return std::nullopt;  // no overflow: n stays small
      haveDigits = true;
      continue;
    }
    int64_t unit = c == 'w' ? 604800 : c == 'd' ? 86400 : c == 'h' ? 3600 : c == 'm' ? 60 : 0;
    if (unit == 0 || !haveDigits) return std::nullopt;
    if (n > (kMaxDurationSeconds - total) / unit) return std::nullopt;
    total += n * unit;
    n = 0;
    haveDigits = false;
  }
  if (haveDigits) return std::nullopt;  // digits without a unit at the end
  return total;
}

}  // namespace voronka::engine::scan
