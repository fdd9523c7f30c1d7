#include "runtime/engine/values.h"

#include <fmt/format.h>

#include <cmath>
#include <regex>

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

std::optional<int64_t> parseDurationText(const std::string& s) {
  static const std::regex re(R"((\d+[wdhm])+)");
  if (!std::regex_match(s, re)) return std::nullopt;
  int64_t total = 0, n = 0;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      n = n * 10 + (c - '0');
      continue;
    }
    total += n * (c == 'w' ? 604800 : c == 'd' ? 86400 : c == 'h' ? 3600 : 60);
    n = 0;
  }
  return total;
}

std::optional<int64_t> parseDate(const std::string& s) {
  static const std::regex re(R"((\d{4})-(\d{2})-(\d{2}))");
  std::smatch m;
  if (!std::regex_match(s, m, re)) return std::nullopt;
  int y = std::stoi(m[1]), mo = std::stoi(m[2]), d = std::stoi(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  int64_t day = Calendar::daysFromCivil(y, mo, d);
  auto [yy, mm, dd] = Calendar::civil(day);
  if (yy != y || mm != mo || dd != d) return std::nullopt;  // February 30
  return day;
}

}  // namespace

std::optional<int64_t> parseIsoDateTime(const std::string& s, const Calendar& calendar) {
  static const std::regex re(R"((\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)");
  std::smatch m;
  if (!std::regex_match(s, m, re)) return std::nullopt;
  std::optional<int64_t> day = parseDate(m[1]);
  int h = std::stoi(m[2]), mi = std::stoi(m[3]), sec = m[4].matched ? std::stoi(m[4]) : 0;
  if (!day || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  int64_t localSeconds = *day * 86400 + h * 3600 + mi * 60 + sec;
  if (!m[5].matched) return calendar.utcOf(*day, h * 60 + mi) + sec;
  std::string zone = m[5];
  if (zone == "Z") return localSeconds;
  int sign = zone[0] == '-' ? -1 : 1;
  std::string digits;
  for (char c : zone.substr(1)) {
    if (c != ':') digits += c;
  }
  int offset = std::stoi(digits.substr(0, 2)) * 3600 + std::stoi(digits.substr(2, 2)) * 60;
  return localSeconds - sign * offset;
}

Result<FieldValue> valueFromJson(const bc::Module& m, ValueType type, int32_t enumId, const nlohmann::json& j,
                                 const Calendar& calendar) {
  if (j.is_null()) return FieldValue{};
  auto wrong = [&](const char* expected) -> Result<FieldValue> {
    return fail(fmt::format("expected {}, got {}", expected, j.dump()));
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
      if (j.is_number_integer()) return integer(Tag::Duration, j.get<int64_t>());
      if (j.is_string()) {
        if (std::optional<int64_t> s = parseDurationText(j.get<std::string>())) return integer(Tag::Duration, *s);
      }
      return wrong("a duration: seconds, or like \"1d12h\"");
    }
    case ValueType::Time: {
      static const std::regex re(R"((\d{1,2}):(\d{2}))");
      std::smatch mt;
      std::string s = j.is_string() ? j.get<std::string>() : "";
      if (!std::regex_match(s, mt, re) || std::stoi(mt[1]) > 23 || std::stoi(mt[2]) > 59)
        return wrong("a time \"HH:MM\"");
      return integer(Tag::Time, std::stoi(mt[1]) * 60 + std::stoi(mt[2]));
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
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y, m, d, rest / 3600, rest % 3600 / 60, rest % 60);
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
