// `// voronka: allow <id>[, <id>…]` comments: which lints they silence where.
//
// A comment silences the listed lints
//  - on its own line;
//  - when it stands alone on its line: on the next line of code (blank lines
//    and other comments between do not count), and in the whole pipeline,
//    stage or rule that starts there;
//  - when it stands on the first line of a pipeline, stage or rule (after its
//    opening): in the whole of it.
// Ids are separated by commas; whatever follows the last one (after a space)
// is a reason: `// voronka: allow plain-http -- the partner has no TLS yet`.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/source/source.h"

namespace voronka::lint {

struct Allow {
  std::string id;
  SourceRange range;  // the id inside the comment
};

// The ids a comment allows; empty when it is not a `voronka: allow` comment.
std::vector<Allow> parseAllow(const ast::Comment& comment);

class Suppressions {
 public:
  // Reads the allow comments of the modules; ids that name no lint are
  // reported into `sink` (`bad-allow`).
  Suppressions(const std::vector<const ast::Module*>& modules, const SourceManager& sources, DiagnosticSink& sink);

  bool silences(const Diagnostic& d) const { return silencing(d) != nullptr; }
  // The text of the allow comment that silences `d` (its justification), or null.
  const std::string* silencing(const Diagnostic& d) const;

 private:
  struct Scope {
    uint32_t begin, end;  // byte range
    std::string id;
    std::string comment;  // the comment's text: `voronka: allow plain-http -- no TLS yet`
  };
  std::map<FileId, std::vector<Scope>> scopes_;
};

}  // namespace voronka::lint
