#include "runtime/vm/stdlib.h"

#include <algorithm>
#include <cmath>

#include "common/utf8.h"

namespace voronka::vm {

using bc::Tag;
using bc::Value;

namespace {

enum StandardFunction {
#define FUNCTION(Id, Name, Result, MinArgs, ...) Fn##Id,
#include "stdlib/functions.def"
#undef FUNCTION
};

// Dates, datetimes and durations the VM computes stay within 10 000 years
// of 1970 (in seconds; in days for dates and working days): a result beyond
// is none, as a division by zero is. Operands within it keep every sum and
// product below (×86400 for working days) far from int64 overflow, which a
// duration multiplied by a huge number from an API field would otherwise hit.
constexpr int64_t kMaxSeconds = int64_t{10000} * 366 * 86400;
constexpr int64_t kMaxDays = kMaxSeconds / 86400;
static_assert(kMaxDays == Calendar::kMaxDays, "the calendar counts working days as far as dates go");

int64_t boundOf(const Value& v) {
  return v.tag == Tag::Date || (v.tag == Tag::Duration && v.aux == bc::kWorkdays) ? kMaxDays : kMaxSeconds;
}

// `v` as an integer result, or none beyond the bound.
Value bounded(Value v) {
  int64_t bound = boundOf(v);
  return v.i >= -bound && v.i <= bound ? v : Value();
}

// A rounded double as an integer result, or none beyond the bound (NaN too).
Value rounded(Tag tag, double x, uint16_t aux) {
  Value v = Value::integer(tag, 0, aux);
  if (!(std::fabs(x) <= static_cast<double>(boundOf(v)))) return Value();
  v.i = std::llround(x);
  return v;
}

Value keepText(Scratch& scratch, std::string s) {
  scratch.push_back(std::move(s));
  return Value::text(scratch.back());
}

// Datetime (or date) moved by a duration, fixed or in working days.
Value shift(const Value& t, const Value& d, int sign, const Calendar& calendar) {
  if (d.aux == bc::kWorkdays) {  // working days, forward or back (LANGUAGE.md §14)
    int64_t n = sign * d.i;
    auto moved = t.tag == Tag::Date ? calendar.addWorkdaysToDay(t.i, n) : calendar.addWorkdays(t.i, n);
    return moved ? bounded(Value::integer(t.tag, *moved)) : Value();
  }
  if (t.tag == Tag::Date) {
    int64_t days = d.i / 86400;  // a date moves by whole days
    return bounded(Value::integer(Tag::Date, t.i + sign * days));
  }
  return bounded(Value::integer(Tag::DateTime, t.i + sign * d.i));
}

int64_t instant(const Value& v, const Calendar& calendar) { return v.tag == Tag::Date ? calendar.utcOf(v.i, 0) : v.i; }

}  // namespace

bool inRange(const Value& v) {
  bool integral = v.tag == Tag::Date || v.tag == Tag::DateTime || v.tag == Tag::Duration;
  return !integral || (v.i >= -boundOf(v) && v.i <= boundOf(v));
}

Value arithmetic(bc::Op op, const Value& x, const Value& y, const Calendar& calendar, Scratch& scratch) {
  if (x.isNone() || y.isNone()) return Value();
  if (!inRange(x) || !inRange(y)) return Value();
  bool temporalX = x.tag == Tag::Date || x.tag == Tag::DateTime;
  bool temporalY = y.tag == Tag::Date || y.tag == Tag::DateTime;
  switch (op) {
    case bc::Op::Add:
      if (x.tag == Tag::Number && y.tag == Tag::Number) return Value::number(x.num + y.num);
      if (x.tag == Tag::Text && y.tag == Tag::Text) {
        std::string_view left = x.textView(), right = y.textView();
        // A text built piece by piece (`"Hello, " + name + "!"`): when the
        // left side is the whole of the text made last and there is room
        // after it, the right side goes there. Nothing moves, so every value
        // that views that text (or a prefix of it) reads what it read before.
        if (!scratch.empty()) {
          std::string& last = scratch.back();
          if (left.data() == last.data() && left.size() == last.size() &&
              last.capacity() - last.size() >= right.size()) {
            last.append(right);
            return Value::text(last);
          }
        }
        std::string s;
        s.reserve(std::max<size_t>(2 * (left.size() + right.size()), 64));  // room for the pieces to come
        s.append(left);
        s.append(right);
        return keepText(scratch, std::move(s));
      }
      if (x.tag == Tag::Duration && y.tag == Tag::Duration) {
        if (x.aux == y.aux) return bounded(Value::integer(Tag::Duration, x.i + y.i, x.aux));
        int64_t a = x.aux == bc::kWorkdays ? x.i * 86400 : x.i, b = y.aux == bc::kWorkdays ? y.i * 86400 : y.i;
        return bounded(Value::integer(Tag::Duration, a + b));
      }
      if (temporalX && y.tag == Tag::Duration) return shift(x, y, 1, calendar);
      if (x.tag == Tag::Duration && temporalY) return shift(y, x, 1, calendar);
      return Value();
    case bc::Op::Sub:
      if (x.tag == Tag::Number && y.tag == Tag::Number) return Value::number(x.num - y.num);
      if (x.tag == Tag::Duration && y.tag == Tag::Duration && x.aux == y.aux)
        return bounded(Value::integer(Tag::Duration, x.i - y.i, x.aux));
      if (temporalX && y.tag == Tag::Duration) return shift(x, y, -1, calendar);
      if (temporalX && temporalY) {
        if (x.tag == Tag::Date && y.tag == Tag::Date)
          return bounded(Value::integer(Tag::Duration, (x.i - y.i) * 86400));
        return bounded(Value::integer(Tag::Duration, instant(x, calendar) - instant(y, calendar)));
      }
      return Value();
    case bc::Op::Mul:
      if (x.tag == Tag::Number && y.tag == Tag::Number) return Value::number(x.num * y.num);
      if (x.tag == Tag::Duration && y.tag == Tag::Number)
        return rounded(Tag::Duration, static_cast<double>(x.i) * y.num, x.aux);
      if (x.tag == Tag::Number && y.tag == Tag::Duration)
        return rounded(Tag::Duration, static_cast<double>(y.i) * x.num, y.aux);
      return Value();
    case bc::Op::Div:
      if (x.tag == Tag::Number && y.tag == Tag::Number) return y.num == 0 ? Value() : Value::number(x.num / y.num);
      if (x.tag == Tag::Duration && y.tag == Tag::Number) {
        return y.num == 0 ? Value() : rounded(Tag::Duration, static_cast<double>(x.i) / y.num, x.aux);
      }
      if (x.tag == Tag::Duration && y.tag == Tag::Duration) {
        return y.i == 0 ? Value() : Value::number(static_cast<double>(x.i) / static_cast<double>(y.i));
      }
      return Value();
    default: return Value();
  }
}

std::string changeCase(std::string_view text, bool upper) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    char32_t c = utf8::decode(text, i);
    if (upper) {
      if (c >= U'a' && c <= U'z')
        c -= 32;
      else if (c >= U'а' && c <= U'я')
        c -= 32;
      else if (c == U'ё')
        c = U'Ё';
    } else {
      if (c >= U'A' && c <= U'Z')
        c += 32;
      else if (c >= U'А' && c <= U'Я')
        c += 32;
      else if (c == U'Ё')
        c = U'ё';
    }
    utf8::append(out, c);
  }
  return out;
}

Value callStandard(int function, const Value* args, int count, const Calendar& calendar, Scratch& scratch) {
  for (int i = 0; i < count; ++i) {
    if (args[i].isNone() || !inRange(args[i])) return Value();  // an unset argument gives none
  }
  switch (function) {
    case FnLower: return keepText(scratch, changeCase(args[0].textView(), false));
    case FnUpper: return keepText(scratch, changeCase(args[0].textView(), true));
    case FnContains: return Value::boolean(args[0].textView().find(args[1].textView()) != std::string_view::npos);
    case FnLen:
      if (args[0].tag == Tag::Tags)
        return Value::number(static_cast<double>(static_cast<const std::vector<std::string>*>(args[0].ptr)->size()));
      return Value::number(static_cast<double>(utf8::codePointCount(args[0].textView())));
    case FnRound: {
      double digits = count > 1 ? args[1].num : 0;
      double scale = std::pow(10.0, digits);
      return Value::number(std::round(args[0].num * scale) / scale);
    }
    case FnMin:
    case FnMax: {
      bool less;
      if (args[0].tag == Tag::Number)
        less = args[0].num < args[1].num;
      else if (args[0].tag == Tag::Date || args[0].tag == Tag::DateTime)
        less = instant(args[0], calendar) < instant(args[1], calendar);
      else
        less = args[0].i < args[1].i;
      bool pickFirst = function == FnMin ? less : !less;
      return pickFirst ? args[0] : args[1];
    }
    case FnDaysBetween: {
      int64_t a = args[0].tag == Tag::Date ? args[0].i : calendar.localDay(args[0].i);
      int64_t b = args[1].tag == Tag::Date ? args[1].i : calendar.localDay(args[1].i);
      return Value::number(static_cast<double>(b - a));
    }
    case FnWorkdaysBetween:
      return Value::number(
          static_cast<double>(calendar.workdaysBetween(instant(args[0], calendar), instant(args[1], calendar))));
    case FnAddWorkdays: {
      Value n = rounded(Tag::Duration, args[1].num, bc::kWorkdays);  // negative: back
      return arithmetic(bc::Op::Add, args[0], n, calendar, scratch);
    }
    case FnIsWorkday: {
      int64_t day = args[0].tag == Tag::Date ? args[0].i : calendar.localDay(args[0].i);
      return Value::boolean(calendar.isWorkday(day));
    }
    default: return Value();
  }
}

}  // namespace voronka::vm
