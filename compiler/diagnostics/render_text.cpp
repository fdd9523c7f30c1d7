#include <fmt/format.h>

#include "compiler/diagnostics/render.h"

namespace voronka {
namespace {

struct Style {
  bool on;
  std::string_view bold() const { return on ? "\x1b[1m" : ""; }
  std::string_view reset() const { return on ? "\x1b[0m" : ""; }
  std::string_view severity(Severity s) const {
    if (!on) return "";
    switch (s) {
      case Severity::Error: return "\x1b[1;31m";
      case Severity::Warning: return "\x1b[1;35m";
      case Severity::Note: return "\x1b[1;36m";
    }
    return "";
  }
  std::string_view caret() const { return on ? "\x1b[1;32m" : ""; }
};

// The source line of `range` with a caret line under it. Columns count code
// points, and tabs in the prefix are copied so the caret lines up in a terminal.
void appendSnippet(std::string& out, const SourceRange& range, const SourceManager& sources, const Style& style) {
  const SourceFile& file = sources.file(range.file);
  LineColumn start = file.position(range.begin);
  std::string_view line = file.lineText(start.line);
  std::string gutter = fmt::format("{:>5} | ", start.line);
  out += gutter;
  out += line;
  out += '\n';
  out += std::string(gutter.size() - 2, ' ');
  out += "| ";

  // The span within the line; a span running past the line end stops there.
  size_t lineBegin = static_cast<size_t>(line.data() - file.text().data());
  size_t startInLine = std::min<size_t>(range.begin - lineBegin, line.size());
  size_t endInLine = std::min<size_t>(range.end > range.begin ? range.end - lineBegin : startInLine, line.size());

  std::string caretLine;
  for (size_t i = 0; i < startInLine;) {
    char32_t cp = utf8::decode(line, i);
    caretLine += cp == U'\t' ? '\t' : ' ';
  }
  caretLine += style.caret();
  caretLine += '^';
  size_t i = startInLine;
  if (i < endInLine) utf8::decode(line, i);  // the caret covers the first character
  while (i < endInLine) {
    utf8::decode(line, i);
    caretLine += '~';
  }
  caretLine += style.reset();
  out += caretLine;
  out += '\n';
}

void appendHeader(std::string& out, const SourceRange& range, const SourceManager& sources, Severity severity,
                  std::string_view message, std::string_view id, const Style& style, bool byteColumns) {
  out += style.bold();
  if (range.valid()) {
    const SourceFile& file = sources.file(range.file);
    LineColumn pos = file.position(range.begin);
    uint32_t column = pos.column;
    if (byteColumns) {
      std::string_view line = file.lineText(pos.line);
      column = range.begin - static_cast<uint32_t>(line.data() - file.text().data()) + 1;
    }
    out += fmt::format("{}:{}:{}: ", file.path(), pos.line, column);
  }
  out += style.reset();
  out += style.severity(severity);
  out += severityName(severity);
  out += ':';
  out += style.reset();
  out += style.bold();
  out += ' ';
  out += message;
  if (!id.empty()) {
    out += " [";
    out += id;
    out += ']';
  }
  out += style.reset();
  out += '\n';
}

}  // namespace

std::string renderText(const Diagnostic& d, const SourceManager& sources, const TextRenderOptions& options) {
  Style style{options.color};
  std::string out;
  appendHeader(out, d.range, sources, d.severity, d.message, d.id(), style, options.byteColumns);
  if (d.range.valid()) appendSnippet(out, d.range, sources, style);
  for (const auto& note : d.notes) {
    // "did you mean …" has no place of its own: the diagnostic's, without a second snippet.
    appendHeader(out, note.range.valid() ? note.range : d.range, sources, Severity::Note, note.message, {}, style,
                 options.byteColumns);
    if (note.range.valid()) appendSnippet(out, note.range, sources, style);
  }
  return out;
}

std::string renderSummary(size_t errors, size_t warnings) {
  if (errors == 0 && warnings == 0) return {};
  auto plural = [](size_t n, std::string_view word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); };
  if (warnings == 0) return plural(errors, "error");
  if (errors == 0) return plural(warnings, "warning");
  return plural(errors, "error") + ", " + plural(warnings, "warning");
}

}  // namespace voronka
