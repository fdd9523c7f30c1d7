// Incremental parsing for the language server: a document is cut at its
// top-level declarations (a declaration keyword at the start of a line,
// outside any bracket, string or comment; the comments just above go with
// it, so that a `// voronka: allow` there still finds what it silences) and
// each piece is parsed on its own. After an edit only the pieces
// whose text changed are parsed again; the others keep their AST, moved to
// their new place (compiler/ast/shift.h). A document with a syntax error anywhere
// is parsed whole instead, so its errors and recovery are `voronka check`'s.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/parse/parse.h"
#include "compiler/source/source.h"

namespace voronka::lsp {

// One piece of a document, parsed; its ranges are where the piece now stands.
struct ParsedChunk {
  std::string text;
  uint32_t begin = 0;
  parse::ParseResult parse;
  std::vector<Diagnostic> diagnostics;
};

// Where a document splits into top-level pieces: the byte offset of each piece's start (the first is 0).
std::vector<uint32_t> chunkStarts(std::string_view text);

class ChunkedParser {
 public:
  // The parse of `file` as pieces (one piece, the whole file, when it has errors).
  std::vector<std::shared_ptr<ParsedChunk>> parse(const SourceFile& file, const parse::ParseOptions& options = {});

  size_t reused() const { return reused_; }  // pieces kept from the previous parse, for tests

 private:
  std::unordered_multimap<std::string, std::shared_ptr<ParsedChunk>> previous_;
  size_t reused_ = 0;
};

}  // namespace voronka::lsp
