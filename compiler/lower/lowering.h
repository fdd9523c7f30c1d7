// Internal to compiler/lower. tables.cpp fills the module's tables from the
// checked program; code.cpp generates VM code for expressions, texts and
// action blocks.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/check/program.h"
#include "compiler/lower/lower.h"
#include "runtime/bytecode/limits.h"
#include "runtime/bytecode/module.h"

namespace voronka::lower {

// Builds one VM function: registers as a stack, forward jumps patched later.
class FunctionBuilder {
 public:
  FunctionBuilder(bc::FunctionKind kind, int32_t name, int32_t file, int32_t eventParams);

  uint8_t temp(SourceRange where);
  uint8_t mark() const { return next_; }
  void release(uint8_t mark) { next_ = mark; }
  size_t emit(uint32_t instruction, int line);
  // A forward jump to be patched when its target is known.
  size_t jump(bc::Op op, uint8_t a, int line);
  void land(size_t jump);  // the jump lands on the next instruction
  void land(const std::vector<size_t>& jumps);
  size_t size() const { return fn_.code.size(); }
  bc::Function finish();

 private:
  bc::Function fn_;
  uint8_t next_ = 0;
  int maxUsed_ = 0;
};

// What a block's code is generated for: the rule (for moves, payload) and
// the pipeline its stage names resolve in.
struct CodeContext {
  int pipeline = check::kNone;
  int stage = check::kNone;
  int event = check::kNone;  // the rule's event: its payload is readable
  std::string site;          // a stable name for split sites: "retail.collect#2"
  int splits = 0;
};

// `within workhours [later|earlier]` as the bytecode says it.
inline bc::WorkhoursShift workhoursShift(const std::optional<ast::WithinWorkhours>& w) {
  if (!w) return bc::WorkhoursShift::None;
  return w->earlier ? bc::WorkhoursShift::Earlier : bc::WorkhoursShift::Later;
}

// Seconds since 1970 in UTC of a local time (seconds since 1970, local) in `zone`.
int64_t utcSeconds(const std::string& zone, int64_t localSeconds);

class Lowering {
 public:
  Lowering(const check::CheckedProgram& program, const SourceManager& sources);
  // Fills the module's tables and code; take() hands the module over.
  void build();
  bc::Module take() { return std::move(m_); }
  // Adds a function for each expression of the program's tests.
  void tests(std::unordered_map<const ast::Expr*, int32_t>& out);

  // ── tables.cpp ──
  int32_t str(std::string_view s);
  int32_t constant(const bc::Constant& c, SourceRange where);
  int32_t fileOf(SourceRange r);
  int lineOf(SourceRange r) const;
  void declarations();
  void calendars();
  void pipelines();
  void rules();
  bc::ValueType valueType(const check::Type& t) const;

  // ── code.cpp ──
  // An expression function returning the value of `e` (as bool for conditions).
  int32_t expressionFunction(const ast::Expr& e, const std::string& name, int event, bool condition);
  int32_t textFunction(const ast::InterpolatedText& text, const std::string& name, int event);
  int32_t blockFunction(const ast::Block& block, const std::string& name, CodeContext& ctx, SourceRange where);
  void expr(FunctionBuilder& fb, const ast::Expr& e, uint8_t dst);
  // Jumps taken when `e` is false (falls through when true), and the mirror.
  void branchFalse(FunctionBuilder& fb, const ast::Expr& e, std::vector<size_t>& jumps);
  void branchTrue(FunctionBuilder& fb, const ast::Expr& e, std::vector<size_t>& jumps);
  void branch(FunctionBuilder& fb, const ast::Expr& e, bool whenTrue, std::vector<size_t>& jumps);
  // `urlParts`: each interpolated value is percent-encoded (a webhook's URL).
  void text(FunctionBuilder& fb, const ast::InterpolatedText& t, uint8_t dst, bool urlParts = false);
  void block(FunctionBuilder& fb, const ast::Block& b, CodeContext& ctx);
  void action(FunctionBuilder& fb, const ast::Action& a, CodeContext& ctx);
  int32_t actionDesc(bc::ActionDesc desc);
  std::optional<int32_t> literalConstant(const ast::Expr& e);
  void collectFields(const ast::Expr& e, std::vector<int32_t>& fields) const;
  bc::ActionDesc moveDesc(const ast::MoveTarget& target, const CodeContext& ctx);
  void assignee(const ast::Assignee& who, bc::ActionDesc& desc);

  const check::CheckedProgram& program_;
  const SourceManager& sources_;
  // The pipeline a top-level rule is being lowered for (kNone otherwise): a
  // stage it names bare (`deal.stage == won`) is that pipeline's, as the
  // checker checked it against each pipeline in turn.
  int topLevelPipeline_ = check::kNone;
  bc::Module m_;
  std::map<std::string, int32_t, std::less<>> strings_;
  std::map<std::tuple<uint8_t, uint16_t, int64_t, double, int32_t>, int32_t> constants_;
};

}  // namespace voronka::lower
