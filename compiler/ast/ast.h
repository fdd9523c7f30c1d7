// The funnel AST: what a .funnel file says, with a source range on every node.
// Built by compiler/parse (the only code that sees ANTLR), read by the checker,
// the formatter, the language server and the lowering to bytecode.
//
// Nodes own their children through unique_ptr. Kinds are enums so that code can
// switch over them; `as<T>()` casts after checking the kind.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/language/actions.h"
#include "common/language/kinds.h"
#include "compiler/source/source.h"

namespace voronka::ast {

// A name as written, with where it was written.
struct Ident {
  std::string text;
  SourceRange range;
};

// A string whose text is used literally (titles, reasons, tags).
struct Text {
  std::string value;
  SourceRange range;
};

struct Node {
  SourceRange range;
};

// ───────────────────────────── literal values ─────────────────────────────

// A duration: fixed seconds, or a count of working days (`3 workdays`).
struct Duration {
  int64_t seconds = 0;
  int64_t workdays = 0;
  bool hasUnit = true;  // false for a bare number where a duration was needed
  SourceRange range;
};

struct TimeOfDay {
  int minutes = 0;  // since midnight
  SourceRange range;
};

struct Date {
  int year = 0, month = 0, day = 0;
  SourceRange range;
};

// ───────────────────────────── expressions ────────────────────────────────

enum class ExprKind : uint8_t {
  Number, String, Duration, Time, Date, DateTime, Bool, None,
  Name, Member, Call, Unary, Binary, List, If,
};

struct Expr : Node {
  const ExprKind kind;
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
  template <typename T> const T& as() const { return static_cast<const T&>(*this); }
  template <typename T> T& as() { return static_cast<T&>(*this); }
};
using ExprPtr = std::unique_ptr<Expr>;

struct NumberExpr : Expr {
  NumberExpr() : Expr(ExprKind::Number) {}
  double value = 0;
};
struct StringExpr : Expr {
  StringExpr() : Expr(ExprKind::String) {}
  std::string value;  // escapes decoded; never interpolated
};
struct DurationExpr : Expr {
  DurationExpr() : Expr(ExprKind::Duration) {}
  Duration value;
};
struct TimeExpr : Expr {
  TimeExpr() : Expr(ExprKind::Time) {}
  TimeOfDay value;
};
struct DateExpr : Expr {
  DateExpr() : Expr(ExprKind::Date) {}
  Date value;
};
struct DateTimeExpr : Expr {
  DateTimeExpr() : Expr(ExprKind::DateTime) {}
  Date date;
  TimeOfDay time;
};
struct BoolExpr : Expr {
  BoolExpr() : Expr(ExprKind::Bool) {}
  bool value = false;
};
struct NoneExpr : Expr {
  NoneExpr() : Expr(ExprKind::None) {}
};
// A bare name: a field, a payload field, a built-in (`now`), an enum member, `deal`.
struct NameExpr : Expr {
  NameExpr() : Expr(ExprKind::Name) {}
  std::string name;
};
struct MemberExpr : Expr {
  MemberExpr() : Expr(ExprKind::Member) {}
  ExprPtr base;
  Ident member;
};
struct CallExpr : Expr {
  CallExpr() : Expr(ExprKind::Call) {}
  ExprPtr callee;
  std::vector<ExprPtr> args;
};

enum class UnaryOp : uint8_t { Negate, Not };
struct UnaryExpr : Expr {
  UnaryExpr() : Expr(ExprKind::Unary) {}
  UnaryOp op = UnaryOp::Negate;
  ExprPtr operand;
};

enum class BinaryOp : uint8_t { Or, And, Eq, Ne, Lt, Le, Gt, Ge, In, NotIn, Has, Add, Sub, Mul, Div };
const char* spelling(BinaryOp op);

struct BinaryExpr : Expr {
  BinaryExpr() : Expr(ExprKind::Binary) {}
  BinaryOp op = BinaryOp::Add;
  SourceRange opRange;
  ExprPtr lhs;
  ExprPtr rhs;
};
struct ListExpr : Expr {
  ListExpr() : Expr(ExprKind::List) {}
  std::vector<ExprPtr> items;
};
// `if c { a } else if d { b } else { e }` as an expression.
struct IfExpr : Expr {
  IfExpr() : Expr(ExprKind::If) {}
  struct Branch {
    ExprPtr condition;
    ExprPtr value;
  };
  std::vector<Branch> branches;
  ExprPtr elseValue;
};

// A text that reaches people or systems: literal pieces and `{expr}` pieces.
struct InterpolatedText {
  struct Part {
    std::string literal;  // used when expr is null
    ExprPtr expr;
    SourceRange range;
  };
  std::vector<Part> parts;
  SourceRange range;
  bool isPlain() const;
  // The text with each expression shown as {…} source (for dumps and messages).
  std::string display() const;
};

// `key: expr` entries of webhook/request bodies and test event payloads.
struct MapEntry {
  Ident key;
  ExprPtr value;
};

// A dotted name: `deal.budget`, `contact.name`, `d.budget` in tests.
struct Path {
  std::vector<Ident> parts;
  SourceRange range;
  std::string joined() const;
};

// ───────────────────────────── types in declarations ──────────────────────

struct EnumMember {
  Ident name;
  std::optional<Text> title;
};

struct TypeSyntax {
  bool isEnum = false;
  Ident name;  // the type name when !isEnum
  std::vector<EnumMember> members;
  SourceRange range;
};

// ───────────────────────────── rules and actions ──────────────────────────

struct EventRef {
  Ident name;
  std::optional<Ident> arg;  // the filter argument; a tag argument is a string
  bool argIsString = false;
  SourceRange range;
};

struct MoveTarget {
  bool isNext = false;
  std::optional<Ident> pipeline;  // `pipeline.stage`
  Ident stage;                    // "won"/"lost" for the final stages
  SourceRange range;
};

// Action kinds and their keywords: common/language/actions.def.
using lang::ActionKind;
inline const char* keyword(ActionKind kind) { return lang::actionInfo(kind).keyword.data(); }

struct Action : Node {
  const ActionKind kind;
  explicit Action(ActionKind k) : kind(k) {}
  virtual ~Action() = default;
  template <typename T> const T& as() const { return static_cast<const T&>(*this); }
  template <typename T> T& as() { return static_cast<T&>(*this); }
};
using ActionPtr = std::unique_ptr<Action>;

struct Block : Node {
  std::vector<ActionPtr> actions;
};

struct MoveAction : Action {
  MoveAction() : Action(ActionKind::Move) {}
  MoveTarget target;
  bool arrowForm = false;  // written `-> X` rather than `move X`
};
struct WinAction : Action {
  WinAction() : Action(ActionKind::Win) {}
};
struct LoseAction : Action {
  LoseAction() : Action(ActionKind::Lose) {}
  std::optional<Text> reason;
};
struct TaskAction : Action {
  TaskAction() : Action(ActionKind::Task) {}
  std::optional<Ident> type;
  InterpolatedText text;
  std::optional<Duration> due;
  ExprPtr at;
  std::optional<Ident> to;
  std::optional<SourceRange> withinWorkhours;
};

using lang::TaskFilter;  // common/language/kinds.def
struct CompleteTasksAction : Action {
  CompleteTasksAction() : Action(ActionKind::CompleteTasks) {}
  std::optional<Ident> type;
  TaskFilter filter = TaskFilter::Unspecified;
  std::optional<Text> comment;
};
// email TEMPLATE, message TEMPLATE, sms "text" with their trailing clauses;
// the checker says which clause each of them takes.
struct SendAction : Action {
  explicit SendAction(ActionKind k) : Action(k) {}
  Ident templateName;     // email, message, and sms with a template
  InterpolatedText text;  // sms with a text
  std::optional<Ident> from;
  std::optional<Ident> via;
  std::optional<SourceRange> withinWorkhours;
};
struct WebhookAction : Action {
  WebhookAction() : Action(ActionKind::Webhook) {}
  InterpolatedText url;
  std::vector<MapEntry> body;
};
struct RequestAction : Action {
  RequestAction() : Action(ActionKind::Request) {}
  Ident integration;
  std::vector<MapEntry> body;
};
struct AnalyticsAction : Action {
  AnalyticsAction() : Action(ActionKind::Analytics) {}
  Text event;
  ExprPtr label;
};
struct TagAction : Action {
  TagAction() : Action(ActionKind::Tag) {}
  bool add = true;
  Text tag;
};
struct SetAction : Action {
  SetAction() : Action(ActionKind::Set) {}
  Path target;
  ExprPtr value;
};
// `ivanov`, `round_robin(sales)`, `least_busy(sales)`.
struct Assignee {
  Ident name;
  std::optional<Ident> team;
  SourceRange range;
};
struct AssignAction : Action {
  AssignAction() : Action(ActionKind::Assign) {}
  Assignee who;
};
struct CreateDealAction : Action {
  CreateDealAction() : Action(ActionKind::CreateDeal) {}
  Ident pipeline;
  std::optional<Ident> stage;
  std::vector<Ident> copy;
  std::optional<Assignee> assign;
};
struct QuestionnaireAction : Action {
  QuestionnaireAction() : Action(ActionKind::Questionnaire) {}
  Ident form;
  Ident field;
};
struct NoteAction : Action {
  NoteAction() : Action(ActionKind::Note) {}
  InterpolatedText text;
};
struct NotifyAction : Action {
  NotifyAction() : Action(ActionKind::Notify) {}
  Ident recipient;  // a user, a team, or `responsible`
  InterpolatedText text;
};
struct IfAction : Action {
  IfAction() : Action(ActionKind::If) {}
  struct Branch {
    ExprPtr condition;
    Block block;
  };
  std::vector<Branch> branches;
  std::unique_ptr<Block> elseBlock;
};
struct SplitAction : Action {
  SplitAction() : Action(ActionKind::Split) {}
  double percent = 0;
  SourceRange percentRange;
  Block first;
  std::unique_ptr<Block> second;
};
// `then after D { … }`: runs D after the previous action of its block.
struct ThenAction : Action {
  ThenAction() : Action(ActionKind::Then) {}
  Duration delay;
  std::optional<SourceRange> withinWorkhours;
  Block block;
};

enum class TimingKind : uint8_t { None, After, At, Every };

struct Timing {
  TimingKind kind = TimingKind::None;
  SourceRange range;
  Duration delay;                    // after, every
  std::optional<TimeOfDay> atTime;   // after D at HH:MM
  ExprPtr at;                        // at EXPR
  ExprPtr whileCondition;            // every D while COND
};

enum class DeclKind : uint8_t {
  Use, Account, Calendar, Field, Team, Template, Form, Integration, Event,
  TaskType, Channel, Reasons, Pipeline, Test, Rule,
};

struct Decl : Node {
  const DeclKind kind;
  explicit Decl(DeclKind k) : kind(k) {}
  virtual ~Decl() = default;
  template <typename T> const T& as() const { return static_cast<const T&>(*this); }
  template <typename T> T& as() { return static_cast<T&>(*this); }
};
using DeclPtr = std::unique_ptr<Decl>;

// A rule: `on EVENT … { }` or `after/at/every … { }`. Stands at top level,
// in a pipeline or in a stage.
struct Rule : Decl {
  Rule() : Decl(DeclKind::Rule) {}
  std::optional<EventRef> event;  // absent for timed rules
  std::optional<Ident> from;
  std::optional<SourceRange> once;
  ExprPtr when;
  Timing timing;
  std::optional<EventRef> unless;
  std::optional<SourceRange> withinWorkhours;
  bool arrowForm = false;  // written `-> TARGET`; the body then holds one move
  Block body;
};
using RulePtr = std::unique_ptr<Rule>;

// ───────────────────────────── declarations ───────────────────────────────

struct UseDecl : Decl {
  UseDecl() : Decl(DeclKind::Use) {}
  bool isFile = false;  // `use "file.funnel"` rather than `use std.x`
  std::string path;     // "std.loss_reasons", or the file path as written
  SourceRange pathRange;
};

struct WorkhoursSpec {
  Ident fromDay;
  std::optional<Ident> toDay;
  struct Window {
    TimeOfDay from, to;
    SourceRange range;
  };
  std::vector<Window> windows;
  SourceRange range;
};
struct DateRange {
  Date from;
  std::optional<Date> to;
  SourceRange range;
};

// `account "…" { … }` (the default calendar) or `calendar NAME "…" { … }`.
struct CalendarDecl : Decl {
  explicit CalendarDecl(DeclKind k) : Decl(k) {}
  Ident name;  // empty for the account
  std::optional<Text> title;
  std::optional<Text> timezone;
  std::vector<WorkhoursSpec> workhours;
  std::optional<SourceRange> workhoursRange;  // where `workhours` was first written
  std::vector<DateRange> holidays;
  std::optional<Ident> currency;
};

struct FieldDecl : Decl {
  FieldDecl() : Decl(DeclKind::Field) {}
  Ident name;
  TypeSyntax type;
  std::optional<Text> title;
  ExprPtr defaultValue;
};

struct TeamDecl : Decl {
  TeamDecl() : Decl(DeclKind::Team) {}
  Ident name;
  std::optional<Text> title;
  struct Member {
    Ident name;
    std::optional<Text> title;
  };
  std::vector<Member> members;
};

using lang::TemplateKind;  // common/language/kinds.def
struct TemplateDecl : Decl {
  TemplateDecl() : Decl(DeclKind::Template) {}
  TemplateKind templateKind = TemplateKind::Email;
  Ident name;
  std::optional<InterpolatedText> title;  // the subject of an email
  std::optional<InterpolatedText> subject;
  std::optional<InterpolatedText> body;
};

struct FormDecl : Decl {
  FormDecl() : Decl(DeclKind::Form) {}
  Ident name;
  std::optional<Text> title;
  std::vector<Ident> fields;
};

struct IntegrationDecl : Decl {
  IntegrationDecl() : Decl(DeclKind::Integration) {}
  Ident name;
  std::optional<Text> title;
  std::optional<InterpolatedText> url;
  std::vector<Ident> answers;  // custom events its answers arrive as
};

struct EventDecl : Decl {
  EventDecl() : Decl(DeclKind::Event) {}
  Ident name;
  struct Param {
    Ident name;
    TypeSyntax type;
  };
  std::vector<Param> params;
  std::optional<Text> title;
};

// `task type visit "Выезд"` and `channel telegram "Telegram"`.
struct SimpleDecl : Decl {
  explicit SimpleDecl(DeclKind k) : Decl(k) {}
  Ident name;
  std::optional<Text> title;
};

struct LossReason {
  Text text;
  bool isOther = false;
  SourceRange range;
};

struct ReasonsDecl : Decl {
  ReasonsDecl() : Decl(DeclKind::Reasons) {}
  Ident name;
  std::vector<LossReason> reasons;
};

struct Require {
  ExprPtr condition;
  std::optional<Text> message;
  SourceRange range;
};

using lang::StageKind;  // common/language/kinds.def

struct Stage : Node {
  StageKind kind = StageKind::Working;
  Ident name;  // `won` / `lost` for the final stages
  std::optional<Text> title;
  std::optional<SourceRange> initial;
  std::optional<SourceRange> key;
  std::vector<Require> guards;  // `require` lines
  std::vector<RulePtr> rules;
  // lost only: `reasons { … }` or `reasons NAME`
  std::optional<std::vector<LossReason>> reasons;
  std::optional<Ident> reasonsRef;
  std::optional<SourceRange> reasonsKeyword;
};

enum class PolicyKind : uint8_t { ManualForward, ManualBackward, TriggersForward, TriggersBackward, Calendar };
struct Policy {
  PolicyKind kind;
  bool allow = true;
  Ident calendar;
  SourceRange range;
};

struct PipelineDecl : Decl {
  PipelineDecl() : Decl(DeclKind::Pipeline) {}
  Ident name;
  std::optional<Text> title;
  std::vector<Policy> policies;
  std::vector<std::unique_ptr<Stage>> stages;  // in the order written, finals included
  std::vector<RulePtr> rules;                  // rules of every stage
};

// ───────────────────────────── tests ──────────────────────────────────────

enum class TestStmtKind : uint8_t { Deal, Advance, AdvanceTo, Event, Set, ManualMove, Expect };

struct TestStmt : Node {
  const TestStmtKind kind;
  explicit TestStmt(TestStmtKind k) : kind(k) {}
  virtual ~TestStmt() = default;
  template <typename T> const T& as() const { return static_cast<const T&>(*this); }
  template <typename T> T& as() { return static_cast<T&>(*this); }
};
using TestStmtPtr = std::unique_ptr<TestStmt>;

struct FieldInit {
  Path path;
  ExprPtr value;
};

struct TestDealStmt : TestStmt {
  TestDealStmt() : TestStmt(TestStmtKind::Deal) {}
  Ident name;
  Ident pipeline;
  std::optional<Ident> stage;
  std::vector<FieldInit> fields;
};
struct TestAdvanceStmt : TestStmt {
  TestAdvanceStmt() : TestStmt(TestStmtKind::Advance) {}
  Duration by;
};
struct TestAdvanceToStmt : TestStmt {
  TestAdvanceToStmt() : TestStmt(TestStmtKind::AdvanceTo) {}
  Date date;
  TimeOfDay time;
};
struct TestEventStmt : TestStmt {
  TestEventStmt() : TestStmt(TestStmtKind::Event) {}
  EventRef event;
  std::optional<Ident> deal;
  std::vector<MapEntry> payload;
};
struct TestSetStmt : TestStmt {
  TestSetStmt() : TestStmt(TestStmtKind::Set) {}
  Path target;  // DEAL.FIELD or DEAL.contact.name
  ExprPtr value;
};
struct TestManualMoveStmt : TestStmt {
  TestManualMoveStmt() : TestStmt(TestStmtKind::ManualMove) {}
  Ident deal;
  MoveTarget target;
  std::optional<Text> reason;  // for `-> lost "reason"`
  bool expectRejected = false;
  std::optional<Text> rejectedMessage;
};

enum class ExpectKind : uint8_t {
  Stage, Task, Email, Message, Sms, Webhook, Request, Tag, Note, Notify, Analytics,
  Responsible, DealIn, Won, Lost, Condition,
};
const char* keyword(ExpectKind kind);

struct TestExpectStmt : TestStmt {
  TestExpectStmt() : TestStmt(TestStmtKind::Expect) {}
  ExpectKind what = ExpectKind::Condition;
  bool negated = false;          // `expect no …`
  Ident name;                    // stage, template, integration, user, pipeline
  std::optional<Ident> stage;    // `expect deal in PIPELINE.STAGE`
  std::optional<Ident> taskType;
  std::optional<Text> text;      // task text, webhook URL, tag, reason...
  ExprPtr condition;             // `expect budget == 5`
  std::optional<Ident> deal;     // `on NAME`
};

struct TestDecl : Decl {
  TestDecl() : Decl(DeclKind::Test) {}
  Text title;
  std::vector<TestStmtPtr> statements;
};

// ───────────────────────────── a file ─────────────────────────────────────

// A `// …` or `/* … */` comment, kept for the formatter and for
// `// voronka: allow <id>` suppressions.
struct Comment {
  std::string text;  // as written, with its // or /* */
  SourceRange range;
  bool block = false;
};

struct Module {
  FileId file = kNoFile;
  std::string path;
  std::vector<DeclPtr> decls;     // in source order
  std::vector<Comment> comments;  // in source order
};
using ModulePtr = std::unique_ptr<Module>;

// A readable, stable dump of the tree (for `voronka check --emit=ast` and tests).
std::string dump(const Module& module, const SourceManager& sources);

}  // namespace voronka::ast
