// Internal to compiler/check: the Checker and the pieces its source files share.
// declarations.cpp registers names, pipelines.cpp checks pipeline shape,
// rules.cpp rules and actions, expressions.cpp types, tests.cpp test blocks,
// move_cycles.cpp the graph of immediate moves.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "compiler/check/checker.h"
#include "compiler/check/program.h"

namespace voronka::check {

using NameTable = std::map<std::string, int, std::less<>>;

// What a rule is checked against: which pipeline and stage it sits in and the
// event it runs on (whose payload is in scope).
struct RuleContext {
  int pipeline = kNone;
  int stage = kNone;
  const EventInfo* event = nullptr;
  bool trigger = false;  // moves made here are trigger moves (client/system events)
  const ast::Rule* rule = nullptr;
};

inline const char* templateKindName(ast::TemplateKind k) {
  switch (k) {
    case ast::TemplateKind::Email: return "an email template";
    case ast::TemplateKind::Message: return "a message template";
    case ast::TemplateKind::Sms: return "an sms template";
  }
  return "a template";
}

struct Scope {
  const EventInfo* event = nullptr;  // payload fields in scope
  int pipeline = kNone;              // the pipeline around: bare stage names and loss reasons are its
};

// An `on enter` rule that moves the deal at once and unconditionally.
struct ImmediateMove {
  int pipeline = kNone;
  int stage = kNone;      // kNone: every stage of the pipeline
  int fromStage = kNone;  // `on enter from X`
  int targetPipeline = kNone;
  int targetStage = kNone;  // kNone with isNext
  bool isNext = false;
  const ast::MoveAction* move = nullptr;
};

class Checker {
 public:
  explicit Checker(DiagnosticSink& sink) : sink_(sink) {}
  CheckedProgram run(const std::vector<const ast::Module*>& modules);

  // ── declarations.cpp ──
  void declareBuiltins();
  void collect(const ast::Module& module);
  void declareCalendar(const ast::CalendarDecl& decl);
  void checkCalendar(CalendarInfo& calendar);
  void unknownTimezone(const ast::Text& zone, const std::vector<std::string>& zones);
  void collectReasons(const std::vector<ast::LossReason>& list, std::vector<std::string>& reasons, int& other);
  void declareField(const ast::FieldDecl& decl);
  void declareTeam(const ast::TeamDecl& decl);
  void declareEvent(const ast::EventDecl& decl);
  Type declaredType(const ast::TypeSyntax& syntax, const std::string& owner);

  // ── enums.cpp: named enums ──
  // Before pass 1: fields and event parameters of every file may name them.
  void declareEnums(const ast::Module& module);
  void declareEnum(const ast::EnumDecl& decl);
  // The members of an enum, each once; `owner` names it in messages.
  EnumInfo enumMembers(const std::vector<ast::EnumMember>& members, const std::string& owner);
  // A type name that is neither built in nor a named enum.
  void unknownType(const ast::Ident& name);
  void checkDeclarations();
  // A literal, a negated literal or an enum member (checked already).
  bool isConstant(const ast::Expr& e) const;

  // ── pipelines.cpp ──
  void declarePipeline(const ast::PipelineDecl& decl);
  void checkPipelineShape(int p);
  void checkPipelineRules(int p);
  void checkTopLevelRules();

  // ── rules.cpp ──
  // Returns the index of the rule's event (kNone for timed rules or unknown events).
  int checkRule(const ast::Rule& rule, RuleContext ctx);
  const ast::Action* checkBlock(const ast::Block& block, const RuleContext& ctx, const ast::Action* priorMove,
                                bool immediate);
  void checkAction(const ast::Action& action, const RuleContext& ctx);
  void checkMove(const ast::MoveTarget& target, const RuleContext& ctx, const ast::MoveAction* move, bool immediate);
  void checkLoseReason(const ast::LoseAction& lose, const RuleContext& ctx);
  void checkLossReason(int pipeline, const ast::Text& reason);
  int resolveEvent(const ast::EventRef& ref);
  void checkEventArgument(const ast::EventRef& ref, const EventInfo& event);
  // `pickFromTeam`: the place also takes round_robin(TEAM)/least_busy(TEAM).
  int resolveUser(const ast::Ident& name, bool pickFromTeam = false);
  void checkAssignee(const ast::Assignee& who);
  void checkWithinWorkhours(SourceRange where, const RuleContext& ctx);
  void checkDuration(const ast::Duration& d, std::string_view what);
  void checkTaskType(const ast::Ident& type);
  void checkText(const ast::InterpolatedText& text, const Scope& scope);
  void checkUrl(const ast::InterpolatedText& url);
  void checkMap(const std::vector<ast::MapEntry>& entries, const Scope& scope, std::string_view what);
  void checkSet(const ast::Path& target, const ast::Expr& value, const Scope& scope);
  std::optional<Type> settableTarget(const ast::Path& target, size_t first);

  // ── expressions.cpp ──
  Type checkExpr(const ast::Expr& e, const Scope& scope, const std::optional<Type>& expected = std::nullopt);
  Type record(const ast::Expr& e, Type t, std::optional<NameKind> name = std::nullopt, int index = kNone);
  Type checkName(const ast::NameExpr& e, const Scope& scope, const std::optional<Type>& expected);
  // A name that means something without an expected type (not an enum member or a user).
  bool resolvesWithoutType(std::string_view name, const Scope& scope) const;
  Type checkMember(const ast::MemberExpr& e, const Scope& scope);
  Type checkCall(const ast::CallExpr& e, const Scope& scope);
  Type checkBinary(const ast::BinaryExpr& e, const Scope& scope);
  void expectType(const ast::Expr& e, const Scope& scope, const Type& want, std::string_view what);
  void expectBool(const ast::Expr& e, const Scope& scope, std::string_view what);
  std::string typeName(const Type& t) const;

  // ── stage_values.cpp: deal.stage, deal.pipeline, deal.lost_reason ──
  // A bare name where a stage is expected: a stage of the scope's pipeline.
  Type checkStageName(const ast::NameExpr& e, const Scope& scope);
  // A bare name where a pipeline is expected.
  Type checkPipelineName(const ast::NameExpr& e);
  // `retail.contract` and `level.beginner`: a member of a pipeline or a named
  // enum; nullopt when the base is neither.
  std::optional<Type> checkQualifiedName(const ast::MemberExpr& e, const Scope& scope);
  // Texts compared with `deal.lost_reason` must be loss reasons of the pipeline(s) concerned.
  void checkReasonComparison(const ast::BinaryExpr& e, const Scope& scope);
  void checkReasonText(const ast::Expr& text, const Scope& scope);
  // Why `deal.stage == "contract"` or a comparison of two different enums
  // fails, and what to write instead.
  // "`source` and `level` are different enums…": true when it applies.
  bool noteDistinctEnums(Diagnostic& d, const Type& a, const Type& b);
  void explainOperands(Diagnostic& d, const ast::BinaryExpr& e, const Type& lhs, const Type& rhs, const Scope& scope);

  // ── tests.cpp ──
  void checkTests();
  void checkTest(const ast::TestDecl& test);
  void notAUserName(const ast::Expr& value);
  void checkUndeliverableKind(const ast::Ident& kind);

  // ── move_cycles.cpp ──
  void checkMoveCycles();

  // ── checker.cpp: names ──
  // Registers `name` in `table` or reports it as a duplicate of `firstAt(existing)`.
  bool declare(NameTable& table, std::string_view kind, const ast::Ident& name, int index,
               const std::function<SourceRange(int)>& firstAt);
  // Reports an unknown name of `kind` with the closest candidate as a note.
  // `context` follows the name in the message: " in pipeline `retail`".
  Diagnostic& unknown(std::string_view kind, const ast::Ident& name, const std::vector<std::string>& candidates,
                      std::string_view context = "");
  // The notes of an unknown name: the closest candidate, Cyrillic look-alikes.
  void suggest(Diagnostic& d, std::string_view name, const std::vector<std::string>& candidates);
  // An unknown stage of a pipeline, with its stages as candidates; `withFinals`
  // offers `won` and `lost` too. A stage of that name in another pipeline is
  // suggested by its qualified name (`reactivation.warmup`); where only this
  // pipeline's stages may stand (`on enter from`), the note says so instead.
  Diagnostic& unknownStage(int pipeline, const ast::Ident& name, bool withFinals, bool qualifiedAllowed = true);
  // "`warmup` is a stage of pipeline `reactivation`; write `reactivation.warmup`",
  // when `name` is a stage of pipelines other than `except`; false otherwise.
  bool noteQualifiedStage(Diagnostic& d, std::string_view name, int except, bool qualifiedAllowed = true);
  // An unknown pipeline where `PIPELINE[.STAGE]` is written (`create deal in
  // warmup`): notes the qualified name when it is a stage.
  int resolvePipeline(const ast::Ident& name);
  int resolve(const NameTable& table, std::string_view kind, const ast::Ident& name);
  static std::vector<std::string> keys(const NameTable& table);
  std::string stageDisplay(int pipeline, int stage) const;

  DiagnosticSink& sink_;
  CheckedProgram prog_;
  std::vector<const ast::Rule*> topLevelRules_;
  std::vector<const ast::CalendarDecl*> calendarDecls_;
  std::vector<ImmediateMove> immediateMoves_;
  const ast::CalendarDecl* account_ = nullptr;
};

}  // namespace voronka::check
