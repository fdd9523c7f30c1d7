#include "common/edit_distance.h"

#include <algorithm>
#include <string>
#include <vector>

#include "common/utf8.h"

namespace voronka {

size_t editDistance(std::string_view aText, std::string_view bText) {
  const std::u32string a = utf8::decodeAll(aText);
  const std::u32string b = utf8::decodeAll(bText);
  // Three rows of the classic table suffice: a swap looks two rows back.
  std::vector<size_t> twoBack(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t replace = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, replace});
      bool swapped = i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1];
      if (swapped) current[j] = std::min(current[j], twoBack[j - 2] + 1);
    }
    std::swap(twoBack, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace voronka
