#include "compiler/check/suggest.h"

#include <algorithm>

#include "compiler/source/source.h"

namespace voronka::check {
namespace {

std::u32string decodeAll(std::string_view s) {
  std::u32string out;
  size_t i = 0;
  while (i < s.size()) out.push_back(utf8::decode(s, i));
  return out;
}

bool isCyrillic(char32_t c) { return c >= 0x0400 && c <= 0x04FF; }
bool isLatin(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

size_t editDistance(std::string_view aText, std::string_view bText) {
  std::u32string a = decodeAll(aText), b = decodeAll(bText);
  size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::optional<std::string> closestName(std::string_view name, const std::vector<std::string>& candidates) {
  std::string lookalike = latinLookalike(name);
  size_t length = utf8::codePointCount(name);
  size_t limit = std::max<size_t>(1, length / 3);
  std::optional<std::string> best;
  size_t bestDistance = SIZE_MAX;
  for (const auto& c : candidates) {
    if (c == name) continue;
    // A look-alike spelling counts as an exact match.
    size_t d = (c == lookalike) ? 0 : editDistance(name, c);
    if (d <= limit && d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

bool mixesScripts(std::string_view name) {
  bool latin = false, cyrillic = false;
  for (char32_t c : decodeAll(name)) {
    latin = latin || isLatin(c);
    cyrillic = cyrillic || isCyrillic(c);
  }
  return latin && cyrillic;
}

std::string latinLookalike(std::string_view name) {
  std::string out;
  for (char32_t c : decodeAll(name)) {
    switch (c) {
      case U'а': c = 'a'; break;
      case U'е': c = 'e'; break;
      case U'о': c = 'o'; break;
      case U'р': c = 'p'; break;
      case U'с': c = 'c'; break;
      case U'у': c = 'y'; break;
      case U'х': c = 'x'; break;
      case U'к': c = 'k'; break;
      case U'м': c = 'm'; break;
      case U'т': c = 't'; break;
      case U'в': c = 'b'; break;
      case U'н': c = 'h'; break;
      case U'і': c = 'i'; break;
      case U'А': c = 'A'; break;
      case U'В': c = 'B'; break;
      case U'Е': c = 'E'; break;
      case U'К': c = 'K'; break;
      case U'М': c = 'M'; break;
      case U'Н': c = 'H'; break;
      case U'О': c = 'O'; break;
      case U'Р': c = 'P'; break;
      case U'С': c = 'C'; break;
      case U'Т': c = 'T'; break;
      case U'Х': c = 'X'; break;
      default: break;
    }
    utf8::append(out, c);
  }
  return out;
}

}  // namespace voronka::check
