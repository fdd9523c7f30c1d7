// The formatter's output before it becomes text: one record per output line,
// so that columns can be aligned across neighbouring lines afterwards.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "compiler/format/layout_hints.h"

namespace voronka::format {

struct Line {
  int indent = 0;            // spaces before `text` (0 for verbatim lines)
  std::string text;          // the tokens of the line, spaced, without the indent
  bool verbatim = false;     // begins inside a multi-line token: printed exactly as is
  bool blankBefore = false;  // an empty line goes before this one
  bool continued = false;    // the item on this line goes on past its end
  bool hasBrace = false;     // holds a block kept on one line: never padded, so it cannot grow past the width
  bool opensBlock = false;   // ends with the `{` of a block laid out over several lines
  AlignClass align = AlignClass::None;
  size_t titleAt = std::string::npos;  // where the title starts in `text`, for aligning titles
  std::string comment;                 // a trailing `// …` comment
  int commentColumn = 0;               // its column (0-based, in characters) in the input, then in the output
  std::string lineBreak;               // the break after this line when it lies inside a token; else the file's

  int codeWidth() const;  // columns of the indent and the text
};

// Pads titles of consecutive similar items (enum and team members, stages,
// won/lost) into a column, then aligns runs of trailing comments.
void alignColumns(std::vector<Line>& lines);

// The text of the file: `newline` ends every line that does not lie inside a token.
std::string render(const std::vector<Line>& lines, std::string_view newline);

}  // namespace voronka::format
