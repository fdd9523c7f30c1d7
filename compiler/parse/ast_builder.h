// Internal to compiler/parse: turns one ANTLR parse tree into an ast::Module.
// ast_builder.cpp holds the shared core; each construct is built in a file of
// its own, named beside its group of methods below.
//
// The builder never uses the generated accessors or dynamic_cast: with this
// toolchain every failed dynamic_cast compares type names with strcmp, and the
// accessors do one per child per call. Instead each node's children are
// classified once (token type, or rule index) and labeled alternatives are
// told apart by their first child, which the grammar keeps distinct.
#pragma once

#include <array>
#include <span>

#include "compiler/ast/ast.h"
#include "compiler/parse/internal.h"

namespace voronka::parse {

// The children of one parse-tree node, classified once.
class Kids {
 public:
  Kids(antlr4::tree::ParseTree* node, antlr4::TokenStream& tokens);

  size_t size() const { return size_; }
  // The i-th token of this type among the children, or null.
  antlr4::Token* token(size_t type, size_t i = 0) const;
  std::vector<antlr4::Token*> tokens(size_t type) const;
  bool has(size_t type) const { return token(type) != nullptr; }
  // The i-th child rule with this rule index, or null.
  antlr4::ParserRuleContext* rule(size_t ruleIndex, size_t i = 0) const;
  std::vector<antlr4::ParserRuleContext*> rules(size_t ruleIndex) const;
  // What the first child is: a token type, or a rule index (kRuleBit set).
  uint32_t firstCode() const { return size_ == 0 ? 0 : entries()[0].code; }
  // Every child in order, as (code, node) — operators of `a + b - c`, say.
  struct Entry {
    uint32_t code;  // token type, or kRuleBit | rule index; kError for error nodes
    antlr4::tree::ParseTree* node;
    antlr4::Token* token;  // for tokens
  };
  std::span<const Entry> entries() const { return {size_ <= kInline ? inline_.data() : overflow_.data(), size_}; }

  static constexpr uint32_t kRuleBit = 1u << 30;
  static constexpr uint32_t kError = 1u << 31;

 private:
  // Most nodes have a few children: those stay on the stack (one Kids is
  // made per node the builder visits, millions per 100k lines).
  static constexpr size_t kInline = 6;
  std::array<Entry, kInline> inline_;
  std::vector<Entry> overflow_;
  size_t size_ = 0;
};

class AstBuilder {
 public:
  AstBuilder(const Positions& positions, antlr4::TokenStream& tokens, DiagnosticSink& sink, int maxNesting);
  void build(antlr4::ParserRuleContext* file, ast::Module& module);

 private:
  using P = FunnelParser;
  using Ctx = antlr4::ParserRuleContext;
  // A child rule's code in `switch (k.firstCode())`: `case R | P::RuleBlock`.
  static constexpr uint32_t R = Kids::kRuleBit;

  Kids kids(antlr4::tree::ParseTree* node) const { return Kids(node, *tokens_); }

  // names, texts, literals and references (ast_builder.cpp)
  ast::Ident ident(Ctx* ctx);  // a rule of one token: ident, name, stageName, taskTypeRef, typeName
  ast::Ident ident(antlr4::Token* token);
  ast::Text text(antlr4::Token* string);
  std::optional<ast::Text> optText(antlr4::Token* string);
  ast::Duration duration(Ctx* ctx);
  ast::TimeOfDay time(antlr4::Token* token);
  ast::Date date(antlr4::Token* token);
  std::vector<ast::MapEntry> mapLiteral(Ctx* ctx);
  ast::Path path(Ctx* ctx);
  ast::EventRef eventRef(Ctx* ctx);
  ast::MoveTarget moveTarget(Ctx* ctx);
  std::pair<ast::Ident, std::optional<ast::Ident>> stagePath(Ctx* ctx);
  ast::Assignee assignee(Ctx* ctx);
  ast::WithinWorkhours withinWorkhours(Ctx* ctx);  // a workhoursShift
  ast::TypeSyntax fieldType(Ctx* ctx);
  std::vector<ast::EnumMember> enumMembers(const std::vector<Ctx*>& members);
  std::vector<ast::LossReason> lossReasons(Ctx* ctx);
  void duplicateClause(const std::optional<SourceRange>& seen, SourceRange here, std::string_view clause,
                       std::string_view where);

  // texts with `{…}` (build_interpolations.cpp)
  ast::InterpolatedText interpolated(antlr4::Token* string);
  ast::ExprPtr parseInterpolation(const std::string& source, uint32_t fileOffset);
  ast::ExprPtr simpleInterpolation(const std::string& source, uint32_t fileOffset);

  // expressions (build_expressions.cpp)
  ast::ExprPtr expression(Ctx* ctx);
  ast::ExprPtr errorExpr(Ctx* ctx);
  ast::ExprPtr binary(ast::BinaryOp op, SourceRange opRange, ast::ExprPtr lhs, ast::ExprPtr rhs);
  bool chainTooLong(size_t operands, Ctx* ctx);
  ast::ExprPtr orExpr(Ctx* ctx);
  ast::ExprPtr andExpr(Ctx* ctx);
  ast::ExprPtr notExpr(Ctx* ctx);
  ast::ExprPtr comparison(Ctx* ctx);
  ast::ExprPtr additive(Ctx* ctx);
  ast::ExprPtr multiplicative(Ctx* ctx);
  ast::ExprPtr unary(Ctx* ctx);
  ast::ExprPtr postfix(Ctx* ctx);
  ast::ExprPtr primary(Ctx* ctx);

  // actions (build_actions.cpp)
  ast::Block block(Ctx* ctx);
  ast::ActionPtr action(Ctx* ctx);
  ast::ActionPtr buildAction(Ctx* ctx);
  void sendClauses(const Kids& k, ast::SendAction& a, std::string_view what);

  // rules (build_rules.cpp)
  void timeSpec(Ctx* ctx, ast::Rule& rule, std::optional<SourceRange>& seen);
  ast::RulePtr rule(Ctx* ctx);

  // declarations, pipelines and stages (build_declarations.cpp)
  ast::DeclPtr topItem(Ctx* ctx);
  ast::DeclPtr buildTopItem(Ctx* ctx);
  std::unique_ptr<ast::Stage> stage(Ctx* ctx);
  void stageBody(Ctx* ctx, ast::Stage& s);
  std::unique_ptr<ast::PipelineDecl> pipeline(Ctx* ctx);
  std::unique_ptr<ast::CalendarDecl> calendar(ast::DeclKind kind, const std::vector<Ctx*>& items);

  // tests (build_tests.cpp)
  ast::DeclPtr testDecl(Ctx* ctx);
  ast::TestStmtPtr testStmt(Ctx* ctx);
  void expectation(Ctx* ctx, ast::TestExpectStmt& s);

  // Switched while building an interpolated expression.
  const Positions* pos_;
  antlr4::TokenStream* tokens_;
  DiagnosticSink& sink_;
  int maxNesting_;
};

}  // namespace voronka::parse
