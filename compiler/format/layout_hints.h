// What the layout needs to know from the AST about single tokens: where each
// item of a block starts (a declaration, a stage, a rule, an action, an enum
// member…), which `-` is a sign rather than a subtraction, and which items
// may be aligned in columns with their neighbours.
#pragma once

#include <cstdint>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/parse/parse.h"

namespace voronka::format {

// Items whose titles line up when they stand on consecutive lines.
enum class AlignClass : uint8_t {
  None,
  Member,  // enum and team members: `NAME "Title"`
  Stage,   // `stage NAME "Title" flags`
  Final,   // `won "Title"`, `lost "Title" …`
};

struct TokenHint {
  bool itemStart = false;      // begins an item of the block (or file) around it
  bool listElement = false;    // the item is an element of a list (members, reasons, map entries):
                               // several may share a line when the author wrote them so
  bool unaryMinus = false;     // a `-` that negates: no space after it
  bool tightMinus = false;     // the `-` of a time window `09:00-18:00`
  bool alwaysExpand = false;   // on an item start: the item's first `{ … }` always spans lines
  bool hangingList = false;    // the keyword `holidays`, `workhours`, `fields` or `answers` starting an item:
                               // its list continues under its first element (not the same word used as a name)
  bool parameterList = false;  // on a `(`: an event's parameters, laid out like a block when written over lines
  AlignClass align = AlignClass::None;
  int chain = -1;  // on a `{`: its `if … else` chain in LayoutHints::chains
};

struct LayoutHints {
  std::vector<TokenHint> tokens;  // one per token
  // The `{` of each block of an `if … else if … else` or `split … else`
  // chain: the blocks of a chain span lines together or not at all.
  std::vector<std::vector<int>> chains;
};

// Hints for `tokens`, the lexed file `text` that `module` was parsed from.
LayoutHints collectHints(const ast::Module& module, const std::vector<parse::LexedToken>& tokens,
                         std::string_view text);

}  // namespace voronka::format
