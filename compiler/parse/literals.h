// Literal decoding shared by the AST builder: strings (escapes, text blocks,
// `{…}` interpolation segments), numbers, durations, times and dates. No ANTLR
// here; positions are byte offsets in the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diagnostics/diagnostic.h"

namespace voronka::parse {

// A string literal split into literal text and `{…}` segments.
struct StringSegments {
  struct Segment {
    bool isExpression = false;
    std::string text;    // decoded literal text, or the raw expression source
    uint32_t begin = 0;  // file byte offsets of the segment (inside the braces for expressions)
    uint32_t end = 0;
  };
  std::vector<Segment> segments;
};

// `raw` is the token text with its quotes; `offset` its position in file `file`.
// With `interpolate` false, braces are ordinary characters.
StringSegments decodeString(std::string_view raw, FileId file, uint32_t offset, bool interpolate, DiagnosticSink& sink);
// The decoded text of a non-interpolated string.
std::string decodePlainString(std::string_view raw, FileId file, uint32_t offset, DiagnosticSink& sink);

double parseNumber(std::string_view text, SourceRange range, DiagnosticSink& sink);
ast::Duration parseDuration(std::string_view text, SourceRange range, DiagnosticSink& sink);
ast::TimeOfDay parseTime(std::string_view text, SourceRange range, DiagnosticSink& sink);
ast::Date parseDate(std::string_view text, SourceRange range, DiagnosticSink& sink);

bool isLeapYear(int year);
int daysInMonth(int year, int month);

}  // namespace voronka::parse
