#include "tools/voronka/lsp/tokens.h"

#include <algorithm>

namespace voronka::lsp {

using parse::TokenClass;

std::string_view Tokens::text(int i) const {
  if (i < 0 || i >= size()) return {};
  return text_.substr(all_[i].begin, all_[i].end - all_[i].begin);
}

bool Tokens::isName(int i) const {
  if (i < 0 || i >= size()) return false;
  TokenClass c = all_[i].cls;
  return c == TokenClass::Identifier || c == TokenClass::Contextual || c == TokenClass::Reserved;
}

bool Tokens::isComment(int i) const {
  return i >= 0 && i < size() && (all_[i].cls == TokenClass::LineComment || all_[i].cls == TokenClass::BlockComment);
}

int Tokens::at(uint32_t offset) const {
  // The first token ending after `offset`.
  auto it = std::upper_bound(all_.begin(), all_.end(), offset,
                             [](uint32_t o, const parse::LexedToken& t) { return o < t.end; });
  int i = static_cast<int>(it - all_.begin());
  if (i < size() && all_[i].begin <= offset) return i;
  if (i > 0 && all_[i - 1].end == offset && isName(i - 1)) return i - 1;
  return -1;
}

int Tokens::before(uint32_t offset) const {
  auto it = std::upper_bound(all_.begin(), all_.end(), offset,
                             [](uint32_t o, const parse::LexedToken& t) { return o < t.end; });
  int i = static_cast<int>(it - all_.begin()) - 1;
  while (i >= 0 && isComment(i)) --i;
  return i;
}

int Tokens::previous(int i) const {
  if (i < 0) return -1;
  for (--i; i >= 0; --i) {
    if (!isComment(i)) return i;
  }
  return -1;
}

int Tokens::next(int i) const {
  if (i < 0) return -1;
  for (++i; i < size(); ++i) {
    if (!isComment(i)) return i;
  }
  return -1;
}

}  // namespace voronka::lsp
