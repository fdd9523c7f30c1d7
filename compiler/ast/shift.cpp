#include "compiler/ast/shift.h"

#include "compiler/ast/walk.h"

namespace voronka::ast {

void shiftRange(SourceRange& range, int64_t delta) {
  if (!range.valid()) return;
  range.begin = static_cast<uint32_t>(range.begin + delta);
  range.end = static_cast<uint32_t>(range.end + delta);
}

void shiftRanges(Module& module, int64_t delta) {
  if (delta == 0) return;
  // Every SourceRange the fields of ast.h reach, node ranges included.
  struct Shift {
    int64_t delta;
    void enter(SourceRange& r) { shiftRange(r, delta); }
  } shift{delta};
  walk(shift, module);
}

}  // namespace voronka::ast
