#include "compiler/check/suggest.h"

#include <algorithm>

#include "common/edit_distance.h"
#include "common/utf8.h"

namespace voronka::check {
namespace {

bool isCyrillic(char32_t c) { return c >= 0x0400 && c <= 0x04FF; }
bool isLatin(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

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
  for (char32_t c : utf8::decodeAll(name)) {
    latin = latin || isLatin(c);
    cyrillic = cyrillic || isCyrillic(c);
  }
  return latin && cyrillic;
}

std::string latinLookalike(std::string_view name) {
  std::string out;
  for (char32_t c : utf8::decodeAll(name)) {
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
