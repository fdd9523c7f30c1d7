// What a text block ("""…""") means as far as layout can touch it: its lines
// with the indentation they share removed, as compiler/parse/literals.cpp
// reads them. Moving a text block's lines must not change this.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace voronka::format {

// Lines of `s` split at '\n', each without its '\r'.
std::vector<std::string_view> splitLines(std::string_view s);

// The lines of a text block token (with its quotes) after the shared indentation is removed.
std::vector<std::string> textBlockLines(std::string_view raw);

}  // namespace voronka::format
