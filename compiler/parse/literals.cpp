#include "compiler/parse/literals.h"

#include <fmt/format.h>

#include <cstdlib>

namespace voronka::parse {
namespace {

// The content of a string token and where it starts in the file: quotes
// removed; for a text block also its first line break and the indentation
// common to its lines (so bodies can be indented with the code).
struct Content {
  std::string_view text;
  uint32_t offset = 0;
  size_t indent = 0;  // columns to drop at the start of each line (text blocks)
  bool textBlock = false;
};

Content contentOf(std::string_view raw, uint32_t offset) {
  Content c;
  if (raw.size() >= 6 && raw.substr(0, 3) == "\"\"\"" && raw.substr(raw.size() - 3) == "\"\"\"") {
    c.textBlock = true;
    c.text = raw.substr(3, raw.size() - 6);
    c.offset = offset + 3;
    if (!c.text.empty() && c.text.front() == '\r') {
      c.text.remove_prefix(1);
      c.offset += 1;
    }
    if (!c.text.empty() && c.text.front() == '\n') {
      c.text.remove_prefix(1);
      c.offset += 1;
    }
    // Common indentation over lines that are not blank.
    size_t best = SIZE_MAX;
    size_t i = 0;
    while (i <= c.text.size()) {
      size_t lineEnd = c.text.find('\n', i);
      if (lineEnd == std::string_view::npos) lineEnd = c.text.size();
      std::string_view line = c.text.substr(i, lineEnd - i);
      size_t spaces = line.find_first_not_of(" \t");
      if (spaces != std::string_view::npos && line.substr(spaces) != "\r") best = std::min(best, spaces);
      i = lineEnd + 1;
    }
    c.indent = best == SIZE_MAX ? 0 : best;
    return c;
  }
  // "…" (an unterminated string has no closing quote).
  c.text = raw.substr(1);
  c.offset = offset + 1;
  if (!c.text.empty() && c.text.back() == '"') c.text.remove_suffix(1);
  return c;
}

}  // namespace

StringSegments decodeString(std::string_view raw, FileId file, uint32_t offset, bool interpolate,
                            DiagnosticSink& sink) {
  StringSegments out;
  Content c = contentOf(raw, offset);
  std::string_view s = c.text;
  StringSegments::Segment literal;
  literal.begin = c.offset;
  auto flushLiteral = [&](uint32_t end) {
    if (!literal.text.empty()) {
      literal.end = end;
      out.segments.push_back(std::move(literal));
    }
    literal = {};
    literal.begin = end;
  };

  size_t i = 0;
  bool atLineStart = c.textBlock;
  while (i < s.size()) {
    if (atLineStart) {
      size_t skipped = 0;
      while (skipped < c.indent && i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
        ++i;
        ++skipped;
      }
      atLineStart = false;
      continue;
    }
    char ch = s[i];
    uint32_t here = c.offset + static_cast<uint32_t>(i);
    if (ch == '\\' && i + 1 < s.size()) {
      char e = s[i + 1];
      switch (e) {
        case '"': literal.text += '"'; break;
        case '\\': literal.text += '\\'; break;
        case 'n': literal.text += '\n'; break;
        case 't': literal.text += '\t'; break;
        case '{': literal.text += '{'; break;
        case '}': literal.text += '}'; break;
        default: {
          size_t len = utf8::sequenceLength(static_cast<unsigned char>(e));
          std::string shown(s.substr(i + 1, len));
          sink.emit(diag::BadEscape, SourceRange{file, here, here + 1 + static_cast<uint32_t>(len)}, shown);
          literal.text += shown;
          i += 1 + len;
          continue;
        }
      }
      i += 2;
      continue;
    }
    if (ch == '{' && interpolate) {
      // Find the matching brace; `if … { } else { }` inside may nest braces.
      size_t depth = 1;
      size_t j = i + 1;
      bool hasString = false;
      while (j < s.size() && depth > 0) {
        if (s[j] == '{') ++depth;
        if (s[j] == '}') --depth;
        if (s[j] == '"') hasString = true;
        if (s[j] == '\n' && !c.textBlock) break;
        if (depth > 0) ++j;
      }
      if (depth > 0) {
        sink.emit(diag::BadInterpolation, SourceRange{file, here, here + 1},
                  "this `{` is not closed; close it with `}` or write `\\{` for a brace in the text");
        literal.text += s.substr(i);
        break;
      }
      std::string_view inner = s.substr(i + 1, j - i - 1);
      uint32_t innerBegin = here + 1;
      if (inner.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        sink.emit(diag::BadInterpolation, SourceRange{file, here, here + static_cast<uint32_t>(j - i + 1)},
                  "empty `{}` in a text; put an expression inside, like {contact.name}, or write `\\{` for a brace");
      } else if (hasString) {
        sink.emit(diag::BadInterpolation,
                  SourceRange{file, innerBegin, innerBegin + static_cast<uint32_t>(inner.size())},
                  "`{…}` in a text cannot contain a string literal");
      } else {
        flushLiteral(here);
        StringSegments::Segment expr;
        expr.isExpression = true;
        expr.text = std::string(inner);
        expr.begin = innerBegin;
        expr.end = innerBegin + static_cast<uint32_t>(inner.size());
        out.segments.push_back(std::move(expr));
        literal.begin = here + static_cast<uint32_t>(j - i + 1);
      }
      i = j + 1;
      continue;
    }
    literal.text += ch;
    if (ch == '\n') atLineStart = c.textBlock;
    ++i;
  }
  // A text block's last line holds only the closing quotes' indentation.
  if (c.textBlock) {
    size_t lastBreak = literal.text.find_last_of('\n');
    if (lastBreak != std::string::npos && literal.text.find_first_not_of(" \t\r", lastBreak + 1) == std::string::npos) {
      literal.text.erase(lastBreak);
    }
  }
  flushLiteral(c.offset + static_cast<uint32_t>(s.size()));
  return out;
}

std::string decodePlainString(std::string_view raw, FileId file, uint32_t offset, DiagnosticSink& sink) {
  StringSegments segments = decodeString(raw, file, offset, /*interpolate=*/false, sink);
  std::string out;
  for (auto& s : segments.segments) out += s.text;
  return out;
}

double parseNumber(std::string_view text, SourceRange range, DiagnosticSink& sink) {
  std::string digits;
  bool misplaced = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '_') {
      bool between = i > 0 && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
                     std::isdigit(static_cast<unsigned char>(text[i + 1]));
      if (!between) misplaced = true;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') break;  // a bad number: its letters were reported
    digits += c;
  }
  if (misplaced) sink.emit(diag::BadNumberLiteral, range, text);
  return digits.empty() ? 0 : std::strtod(digits.c_str(), nullptr);
}

ast::Duration parseDuration(std::string_view text, SourceRange range, DiagnosticSink& sink) {
  ast::Duration d;
  d.range = range;
  int64_t number = 0;
  bool overflow = false;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      number = number * 10 + (c - '0');
      if (number > 1'000'000'000) overflow = true;
      continue;
    }
    if (c != 'w' && c != 'd' && c != 'h' && c != 'm') continue;  // a bad number, already reported
    int64_t unit = c == 'w' ? 604800 : c == 'd' ? 86400 : c == 'h' ? 3600 : 60;
    d.seconds += number * unit;
    number = 0;
  }
  if (overflow || d.seconds > int64_t{100} * 366 * 86400) {
    sink.emit(diag::BadDuration, range, fmt::format("`{}` is longer than 100 years", text));
    d.seconds = 0;
  }
  return d;
}

ast::TimeOfDay parseTime(std::string_view text, SourceRange range, DiagnosticSink& sink) {
  ast::TimeOfDay t;
  t.range = range;
  size_t colon = text.find(':');
  int hours = std::atoi(std::string(text.substr(0, colon)).c_str());
  int minutes = std::atoi(std::string(text.substr(colon + 1)).c_str());
  if (hours > 23 || minutes > 59) {
    sink.emit(diag::BadTime, range, text);
    return t;
  }
  t.minutes = hours * 60 + minutes;
  return t;
}

bool isLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int daysInMonth(int year, int month) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  return month == 2 && isLeapYear(year) ? 29 : days[month - 1];
}

ast::Date parseDate(std::string_view text, SourceRange range, DiagnosticSink& sink) {
  ast::Date d;
  d.range = range;
  d.year = std::atoi(std::string(text.substr(0, 4)).c_str());
  d.month = std::atoi(std::string(text.substr(5, 2)).c_str());
  d.day = std::atoi(std::string(text.substr(8, 2)).c_str());
  if (d.day < 1 || d.day > daysInMonth(d.year, d.month)) {
    sink.emit(diag::BadDate, range, text.substr(0, 10));
    d = ast::Date{1970, 1, 1, range};
  }
  return d;
}

}  // namespace voronka::parse
