// A document as the lexer sees it, for features that look at the words
// around the cursor (hover on built-in names, signature help, semantic
// tokens): comments and white space are stepped over by previous()/next().
#pragma once

#include <string_view>
#include <vector>

#include "compiler/parse/parse.h"
#include "compiler/source/source.h"

namespace voronka::lsp {

class Tokens {
 public:
  explicit Tokens(const SourceFile& file) : text_(file.text()), all_(parse::lexForFormatting(file)) {}

  const std::vector<parse::LexedToken>& all() const { return all_; }
  int size() const { return static_cast<int>(all_.size()); }
  const parse::LexedToken& operator[](int i) const { return all_[i]; }
  std::string_view text(int i) const;  // empty for an index out of range
  bool isName(int i) const;            // an identifier or a keyword
  bool isComment(int i) const;

  // The token under `offset`: the one holding it, else a name ending right
  // at it (the cursor just after a word); -1 when none.
  int at(uint32_t offset) const;
  // The last token that ends at or before `offset` and is not a comment; -1 when none.
  int before(uint32_t offset) const;
  // The neighbours of token i that are not comments; -1 past either end.
  int previous(int i) const;
  int next(int i) const;

 private:
  std::string_view text_;
  std::vector<parse::LexedToken> all_;
};

}  // namespace voronka::lsp
