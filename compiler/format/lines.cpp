#include "compiler/format/lines.h"

#include <algorithm>

namespace voronka::format {
namespace {

int columns(std::string_view s) { return static_cast<int>(utf8::codePointCount(s)); }

bool alignableTitle(const Line& l) {
  return !l.verbatim && !l.continued && !l.hasBrace && l.align != AlignClass::None && l.titleAt != std::string::npos;
}

void padTitles(std::vector<Line>& lines, size_t from, size_t to) {
  int widest = 0;
  for (size_t i = from; i < to; ++i) {
    std::string_view head = std::string_view(lines[i].text).substr(0, lines[i].titleAt);
    while (!head.empty() && head.back() == ' ') head.remove_suffix(1);
    widest = std::max(widest, columns(head));
  }
  for (size_t i = from; i < to; ++i) {
    Line& l = lines[i];
    std::string head = l.text.substr(0, l.titleAt);
    while (!head.empty() && head.back() == ' ') head.pop_back();
    std::string rest = l.text.substr(l.titleAt);
    int pad = widest - columns(head) + 1;
    l.text = head + std::string(static_cast<size_t>(pad), ' ') + rest;
    l.titleAt = l.text.size() - rest.size();
  }
}

}  // namespace

int Line::codeWidth() const { return indent + columns(text); }

void alignColumns(std::vector<Line>& lines) {
  // Titles: runs of items of one class, at one indentation, on consecutive lines.
  for (size_t i = 0; i < lines.size();) {
    if (!alignableTitle(lines[i])) {
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < lines.size() && alignableTitle(lines[j]) && !lines[j].blankBefore && lines[j].align == lines[i].align &&
           lines[j].indent == lines[i].indent) {
      ++j;
    }
    if (j - i > 1) padTitles(lines, i, j);
    i = j;
  }
  // Trailing comments: a run on consecutive lines shares one column, at least
  // two spaces after the longest code, and never left of where the author put them.
  for (size_t i = 0; i < lines.size();) {
    if (lines[i].comment.empty()) {
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < lines.size() && !lines[j].comment.empty() && !lines[j].blankBefore) ++j;
    int column = 0;
    for (size_t k = i; k < j; ++k) column = std::max({column, lines[k].codeWidth() + 2, lines[k].commentColumn});
    for (size_t k = i; k < j; ++k) lines[k].commentColumn = column;
    i = j;
  }
}

std::string render(const std::vector<Line>& lines, std::string_view newline) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& l = lines[i];
    if (l.blankBefore && i > 0) out += newline;
    if (!l.verbatim) out.append(static_cast<size_t>(l.indent), ' ');
    out += l.text;
    if (!l.comment.empty()) {
      int pad = l.commentColumn - l.codeWidth();
      out.append(static_cast<size_t>(std::max(pad, 1)), ' ');
      out += l.comment;
    }
    out += l.lineBreak.empty() ? newline : std::string_view(l.lineBreak);
  }
  return out;
}

}  // namespace voronka::format
