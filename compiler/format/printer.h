// Lays the tokens of a file out in lines: indentation, spacing, where lines
// break, comments. Works on the token stream, so it can only ever change
// white space; the AST speaks through the hints.
#pragma once

#include <string_view>
#include <vector>

#include "compiler/format/layout_hints.h"
#include "compiler/format/lines.h"
#include "compiler/parse/parse.h"

namespace voronka::format {

// `tightJointsSafe` says whether every two tokens written without a space
// between them still lex as two (false: verify the result by lexing it).
std::vector<Line> layOut(std::string_view text, const std::vector<parse::LexedToken>& tokens, const LayoutHints& hints,
                         int lineWidth, bool& tightJointsSafe);

}  // namespace voronka::format
