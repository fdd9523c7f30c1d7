// The index of a program: every declared name (a Symbol) and every place a
// name is written (an Occurrence), resolved to what it names. The language
// server answers hover, go-to-definition, find-references and rename from it.
//
// Built from the ASTs of a program's files (root first, then what it uses)
// and, when the program checked, from the checker's tables (the meaning of
// every name in an expression). Without them — a file with syntax errors —
// names are resolved from the declarations alone, so a broken file still
// gets its definitions and references.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/check/program.h"
#include "compiler/source/source.h"

namespace voronka::index {

enum class SymbolKind : uint8_t {
  Pipeline,
  Stage,
  Field,
  EnumMember,
  Template,
  Form,
  Team,
  User,
  Event,
  Payload,
  Integration,
  Reasons,
  Calendar,
  TaskType,
  Channel,
  Test,
  Enum,  // a named enum (`enum level { … }`); its members are EnumMembers contained in it
};
std::string_view kindName(SymbolKind kind);  // "stage", "field", …

struct Symbol {
  SymbolKind kind;
  std::string name;
  std::string container;  // the pipeline of a stage, the enum or field of an enum member, the event of a payload field
  std::string title;      // as declared ("Розница"); empty when none
  std::string detail;     // a one-line signature: `field budget: money`, `template email welcome`
  std::string extra;      // more to show on hover: a template's subject, an enum's members, a team's members
  SourceRange nameRange;  // where the name is declared
  SourceRange declRange;  // the whole declaration
};

struct Occurrence {
  int symbol = -1;    // into Index::symbols
  SourceRange range;  // the name as written
  bool declaration = false;
};

class Index {
 public:
  std::vector<Symbol> symbols;
  std::vector<Occurrence> occurrences;  // sorted by file, then offset

  // The occurrence whose range holds `offset` (or ends right at it).
  const Occurrence* at(FileId file, uint32_t offset) const;
  std::vector<const Occurrence*> referencesTo(int symbol) const;
  // A symbol by kind and name; `container` narrows stages (pipeline) and payload fields (event).
  int find(SymbolKind kind, std::string_view name, std::string_view container = {}) const;
  // Every symbol of one kind (for completion).
  std::vector<int> all(SymbolKind kind) const;
};

// `modules`: the program's files, root first. `program` may be null (the
// program did not check); it must then not be stale either.
Index buildIndex(const std::vector<const ast::Module*>& modules, const check::CheckedProgram* program);

// The outline of one file, for the editor's document symbols: pipelines with
// their stages, and every other declaration. Works on a partial AST.
struct OutlineItem {
  SymbolKind kind;
  std::string name;
  std::string detail;     // the title
  SourceRange range;      // the whole declaration
  SourceRange nameRange;  // the name
  std::vector<OutlineItem> children;
};
std::vector<OutlineItem> outline(const ast::Module& module);

}  // namespace voronka::index
