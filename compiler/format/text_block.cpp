#include "compiler/format/text_block.h"

#include <algorithm>
#include <cstdint>

namespace voronka::format {

std::vector<std::string_view> splitLines(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t nl = s.find('\n', start);
    std::string_view line = s.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    if (nl == std::string_view::npos) return out;
    start = nl + 1;
  }
}

// What a text block means, as far as layout could touch it: its lines with
// the indentation they share removed (as compiler/parse/literals.cpp reads it).
std::vector<std::string> textBlockLines(std::string_view raw) {
  std::string_view body = raw.substr(3, raw.size() - 6);
  if (!body.empty() && body.front() == '\r') body.remove_prefix(1);
  if (!body.empty() && body.front() == '\n') body.remove_prefix(1);
  std::vector<std::string_view> lines = splitLines(body);
  size_t shared = SIZE_MAX;
  for (std::string_view l : lines) {
    size_t ws = l.find_first_not_of(" \t");
    if (ws != std::string_view::npos) shared = std::min(shared, ws);
  }
  if (shared == SIZE_MAX) shared = 0;
  std::vector<std::string> out;
  for (std::string_view l : lines) {
    size_t drop = 0;
    while (drop < shared && drop < l.size() && (l[drop] == ' ' || l[drop] == '\t')) ++drop;
    out.emplace_back(l.substr(drop));
  }
  if (!out.empty() && out.back().find_first_not_of(" \t") == std::string::npos) out.pop_back();
  return out;
}

}  // namespace voronka::format
