#include "runtime/engine/values.h"

#include "common/utf8.h"
#include "runtime/engine/text_scan.h"

#include <fmt/format.h>

#include <cmath>

namespace voronka::engine {

using bc::Tag;
using bc::ValueType;
using store::FieldValue;

namespace {

FieldValue integer(Tag t, int64_t i, uint16_t aux = 0) {
  FieldValue v;
  v.tag = t;
  v.i = i;
  v.aux = aux;
  return v;
}

std::optional<int64_t> parseDurationText(const std::string& s) { return scan::durationSeconds(s); }

std::optional<int64_t> parseDate(const std::string& s) {
  std::optional<scan::Date> d = scan::date(s);
  if (!d) return std::nullopt;
  return Calendar::daysFromCivil(d->year, d->month, d->day);
}

}  // namespace

std::optional<int64_t> parseIsoDateTime(const std::string& s, const Calendar& calendar) {
  std::optional<scan::DateTime> t = scan::dateTime(s);
  if (!t) return std::nullopt;
  int64_t day = Calendar::daysFromCivil(t->date.year, t->date.month, t->date.day);
  // Without an offset the time is the account's local time.
  if (!t->offsetMinutes) return calendar.utcOf(day, t->hour * 60 + t->minute) + t->second;
  int64_t localSeconds = day * 86400 + t->hour * 3600 + t->minute * 60 + t->second;
  return localSeconds - int64_t{*t->offsetMinutes} * 60;
}

Result<FieldValue> valueFromJson(const bc::Module& m, ValueType type, int32_t enumId, const nlohmann::json& j,
                                 const Calendar& calendar) {
  if (j.is_null()) return FieldValue{};
  auto wrong = [&](const char* expected) -> Result<FieldValue> {
    // The value as sent, shortened: a 27 KB string is not echoed back whole.
    std::string sent = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return fail(fmt::format("expected {}, got {}", expected, utf8::truncated(sent, 80)));
  };
  switch (type) {
    case ValueType::Number:
    case ValueType::Money: {
      FieldValue v;
      v.tag = Tag::Number;
      if (j.is_number()) {
        v.num = j.get<double>();
      } else if (j.is_string()) {
        std::string s = j.get<std::string>();
        std::string digits;
        for (char c : s) {
          if (c != ' ' && c != '_') digits += c;
        }
        char* end = nullptr;
        v.num = std::strtod(digits.c_str(), &end);
        if (digits.empty() || *end != '\0') return wrong("a number");
      } else {
        return wrong("a number");
      }
      if (!std::isfinite(v.num)) return wrong("a finite number");
      return v;
    }
    case ValueType::Text:
    case ValueType::Url:
    case ValueType::Email:
    case ValueType::Phone: {
      if (!j.is_string()) return wrong("a string");
      FieldValue v;
      v.tag = Tag::Text;
      v.text = j.get<std::string>();
      return v;
    }
    case ValueType::Bool:
      if (!j.is_boolean()) return wrong("true or false");
      return integer(Tag::Bool, j.get<bool>() ? 1 : 0);
    case ValueType::Date: {
      if (!j.is_string()) return wrong("a date \"YYYY-MM-DD\"");
      std::optional<int64_t> day = parseDate(j.get<std::string>());
      if (!day) return wrong("a date \"YYYY-MM-DD\"");
      return integer(Tag::Date, *day);
    }
    case ValueType::DateTime: {
      if (!j.is_string()) return wrong("a date and time like \"2026-11-23T10:15:00+03:00\"");
      std::string s = j.get<std::string>();
      std::optional<int64_t> t = parseIsoDateTime(s, calendar);
      if (!t) {
        // A bare date is midnight of that day in the account's zone.
        if (std::optional<int64_t> day = parseDate(s)) return integer(Tag::DateTime, calendar.utcOf(*day, 0));
        return wrong("a date and time like \"2026-11-23T10:15:00+03:00\"");
      }
      return integer(Tag::DateTime, *t);
    }
    case ValueType::Duration: {
      if (j.is_number_integer()) {
        // Seconds; an unsigned number beyond int64 is out of range as well.
        bool inRange = j.is_number_unsigned() ? j.get<uint64_t>() <= uint64_t(scan::kMaxDurationSeconds)
                                              : j.get<int64_t>() >= 0 && j.get<int64_t>() <= scan::kMaxDurationSeconds;
        if (!inRange) return wrong("a duration of 0 to 100 years");
        return integer(Tag::Duration, j.get<int64_t>());
      }
      if (j.is_string()) {
        if (std::optional<int64_t> s = parseDurationText(j.get<std::string>())) return integer(Tag::Duration, *s);
      }
      return wrong("a duration: seconds, or like \"1d12h\"");
    }
    case ValueType::Time: {
      std::optional<int> minutes = j.is_string() ? scan::minutesOfDay(j.get<std::string>()) : std::nullopt;
      if (!minutes) return wrong("a time \"HH:MM\"");
      return integer(Tag::Time, *minutes);
    }
    case ValueType::Enum: {
      if (!j.is_string() || enumId < 0) return wrong("an enum value");
      const bc::EnumDef& e = m.enums[static_cast<size_t>(enumId)];
      std::string s = j.get<std::string>();
      for (size_t i = 0; i < e.members.size(); ++i) {
        if (m.str(e.members[i]) == s || m.str(e.titles[i]) == s)
          return integer(Tag::Enum, static_cast<int64_t>(i), static_cast<uint16_t>(enumId));
      }
      std::string members;
      for (int32_t s2 : e.members) members += (members.empty() ? "" : ", ") + m.str(s2);
      return fail(fmt::format("\"{}\" is not one of {}", s, members));
    }
    case ValueType::User: {
      if (!j.is_string()) return wrong("a user name");
      std::string s = j.get<std::string>();
      for (size_t i = 0; i < m.users.size(); ++i) {
        if (m.str(m.users[i].name) == s) return integer(Tag::User, static_cast<int64_t>(i));
      }
      return fail(fmt::format("\"{}\" is not a user of this program", s));
    }
    case ValueType::Stage: {
      // "pipeline.stage", as valueToJson writes it.
      std::string s = j.is_string() ? j.get<std::string>() : "";
      size_t dot = s.find('.');
      for (size_t p = 0; dot != std::string::npos && p < m.pipelines.size(); ++p) {
        if (m.str(m.pipelines[p].name) != s.substr(0, dot)) continue;
        for (size_t st = 0; st < m.pipelines[p].stages.size(); ++st) {
          if (m.str(m.pipelines[p].stages[st].name) == s.substr(dot + 1))
            return integer(Tag::Stage, static_cast<int64_t>(st), static_cast<uint16_t>(p));
        }
      }
      return wrong("a stage \"pipeline.stage\"");
    }
    case ValueType::Tags: {
      if (!j.is_array()) return wrong("an array of tags");
      FieldValue v;
      v.tag = Tag::Text;
      for (const auto& t : j) {
        if (!t.is_string()) return wrong("an array of tags");
        v.text += (v.text.empty() ? "" : ", ") + t.get<std::string>();
      }
      return v;
    }
  }
  return wrong("a value");
}

std::string isoUtc(int64_t utc) {
  int64_t day = utc >= 0 ? utc / 86400 : (utc - 86399) / 86400;
  int64_t rest = utc - day * 86400;
  auto [y, m, d] = Calendar::civil(day);
  if (y < 0 || y > 9999) {
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y, m, d, rest / 3600, rest % 3600 / 60, rest % 60);
  }
  // The usual case by hand: it is on the path of every effect and trace entry.
  char out[20] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0', 'T', '0', '0', ':', '0', '0', ':', '0', '0', 'Z'};
  auto two = [&](int at, int64_t v) {
    out[at] = static_cast<char>('0' + v / 10);
    out[at + 1] = static_cast<char>('0' + v % 10);
  };
  two(0, y / 100);
  two(2, y % 100);
  two(5, m);
  two(8, d);
  two(11, rest / 3600);
  two(14, rest % 3600 / 60);
  two(17, rest % 60);
  return std::string(out, sizeof out);
}

std::string qualifiedStageName(const bc::Module& m, int32_t pipeline, int32_t stage) {
  if (pipeline < 0 || static_cast<size_t>(pipeline) >= m.pipelines.size()) return "";
  const bc::PipelineDef& p = m.pipelines[static_cast<size_t>(pipeline)];
  if (stage < 0 || static_cast<size_t>(stage) >= p.stages.size()) return "";
  return m.str(p.name) + "." + m.str(p.stages[static_cast<size_t>(stage)].name);
}

nlohmann::json valueToJson(const bc::Module& m, const FieldValue& v) {
  switch (v.tag) {
    case Tag::None: return nullptr;
    case Tag::Bool: return v.i != 0;
    case Tag::Number: {
      if (std::floor(v.num) == v.num && std::fabs(v.num) < 9e15) return static_cast<int64_t>(v.num);
      return v.num;
    }
    case Tag::Text: return v.text;
    case Tag::Date: {
      auto [y, mo, d] = Calendar::civil(v.i);
      return fmt::format("{:04}-{:02}-{:02}", y, mo, d);
    }
    case Tag::DateTime: return isoUtc(v.i);
    case Tag::Duration:
      return v.aux == bc::kWorkdays ? nlohmann::json(fmt::format("{} workdays", v.i)) : nlohmann::json(v.i);
    case Tag::Time: return fmt::format("{:02}:{:02}", v.i / 60, v.i % 60);
    case Tag::Enum: {
      const bc::EnumDef& e = m.enums[v.aux];
      return v.i >= 0 && static_cast<size_t>(v.i) < e.members.size() ? m.str(e.members[static_cast<size_t>(v.i)]) : "";
    }
    case Tag::User:
      return v.i >= 0 && static_cast<size_t>(v.i) < m.users.size() ? m.str(m.users[static_cast<size_t>(v.i)].name) : "";
    case Tag::Tags: return nlohmann::json::array();
    case Tag::Stage: return qualifiedStageName(m, v.aux, static_cast<int32_t>(v.i));
    case Tag::Pipeline:
      return v.i >= 0 && static_cast<size_t>(v.i) < m.pipelines.size()
                 ? m.str(m.pipelines[static_cast<size_t>(v.i)].name)
                 : "";
  }
  return nullptr;
}

}  // namespace voronka::engine
