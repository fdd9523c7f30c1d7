// Internal to compiler/parse: turns one ANTLR parse tree into an ast::Module.
#pragma once

#include "compiler/ast/ast.h"
#include "compiler/parse/internal.h"

namespace voronka::parse {

class AstBuilder {
 public:
  AstBuilder(const Positions& positions, DiagnosticSink& sink, int maxNesting);
  void build(FunnelParser::FileContext* file, ast::Module& module);

 private:
  using P = FunnelParser;

  // names, texts and literals
  ast::Ident ident(antlr4::ParserRuleContext* ctx);
  ast::Ident ident(antlr4::tree::TerminalNode* node);
  ast::Text text(antlr4::tree::TerminalNode* string);
  std::optional<ast::Text> optText(antlr4::tree::TerminalNode* string);
  ast::InterpolatedText interpolated(antlr4::tree::TerminalNode* string);
  ast::ExprPtr parseInterpolation(const std::string& source, uint32_t fileOffset);
  ast::Duration duration(P::DurationLitContext* ctx);
  ast::TimeOfDay time(antlr4::tree::TerminalNode* node);
  ast::Date date(antlr4::tree::TerminalNode* node);
  std::vector<ast::MapEntry> mapLiteral(P::MapLiteralContext* ctx);
  ast::Path path(P::PathContext* ctx);
  ast::EventRef eventRef(P::EventRefContext* ctx);
  ast::Ident stageName(P::StageNameContext* ctx);
  ast::MoveTarget moveTarget(P::MoveTargetContext* ctx);
  std::pair<ast::Ident, std::optional<ast::Ident>> stagePath(P::StagePathContext* ctx);
  ast::Assignee assignee(P::AssigneeContext* ctx);
  ast::TypeSyntax fieldType(P::FieldTypeContext* ctx);
  std::vector<ast::LossReason> lossReasons(P::LossReasonListContext* ctx);
  void duplicateClause(const std::optional<SourceRange>& seen, SourceRange here, std::string_view clause,
                       std::string_view where);

  // expressions
  ast::ExprPtr expression(P::ExpressionContext* ctx);
  ast::ExprPtr errorExpr(antlr4::ParserRuleContext* ctx);
  ast::ExprPtr binary(ast::BinaryOp op, SourceRange opRange, ast::ExprPtr lhs, ast::ExprPtr rhs);
  bool chainTooLong(size_t operands, antlr4::ParserRuleContext* ctx);
  ast::ExprPtr orExpr(P::OrExprContext* ctx);
  ast::ExprPtr andExpr(P::AndExprContext* ctx);
  ast::ExprPtr notExpr(P::NotExprContext* ctx);
  ast::ExprPtr comparison(P::ComparisonContext* ctx);
  ast::ExprPtr additive(P::AdditiveContext* ctx);
  ast::ExprPtr multiplicative(P::MultiplicativeContext* ctx);
  ast::ExprPtr unary(P::UnaryContext* ctx);
  ast::ExprPtr postfix(P::PostfixContext* ctx);
  ast::ExprPtr primary(P::PrimaryContext* ctx);

  // actions and rules
  ast::Block block(P::BlockContext* ctx);
  ast::ActionPtr action(P::ActionContext* ctx);
  ast::ActionPtr buildAction(P::ActionContext* ctx);
  void sendClauses(const std::vector<P::SendClauseContext*>& clauses, ast::SendAction& a, std::string_view what);
  void timeSpec(P::TimeSpecContext* ctx, ast::Rule& rule, std::optional<SourceRange>& seen);
  ast::RulePtr rule(P::RuleDeclContext* ctx);

  // declarations and tests
  std::unique_ptr<ast::Stage> stage(P::StageDeclContext* ctx);
  void stageBody(P::StageBodyContext* ctx, ast::Stage& s);
  std::unique_ptr<ast::PipelineDecl> pipeline(P::PipelineDeclContext* ctx);
  std::unique_ptr<ast::CalendarDecl> calendar(ast::DeclKind kind, const std::vector<P::CalendarItemContext*>& items);
  ast::DeclPtr testDecl(P::TestDeclContext* ctx);
  ast::TestStmtPtr testStmt(P::TestStmtContext* ctx);
  void expectation(P::ExpectationContext* ctx, ast::TestExpectStmt& s);
  ast::DeclPtr topItem(P::TopItemContext* ctx);
  ast::DeclPtr buildTopItem(P::TopItemContext* ctx);

  const Positions* pos_;  // switched while building an interpolated expression
  DiagnosticSink& sink_;
  int maxNesting_;
};

}  // namespace voronka::parse
