// The funnel AST: what a .funnel file says, with a source range on every node.
// Built by compiler/parse (the only code that sees ANTLR), read by the checker,
// the formatter, the language server and the lowering to bytecode.
//
// Nodes own their children through unique_ptr. Kinds are enums so that code can
// switch over them; `as<T>()` casts after checking the kind. Every struct lists
// its fields once (VORONKA_AST_FIELDS, fields.h), which drives the generic
// traversal of walk.h.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "common/language/actions.h"
#include "common/language/kinds.h"
#include "compiler/ast/fields.h"
#include "compiler/source/source.h"

namespace voronka::ast {

// A name as written, with where it was written.
struct Ident {
  std::string text;
  SourceRange range;
  VORONKA_AST_FIELDS(Ident, text, range)
};

// A string whose text is used literally (titles, reasons, tags).
struct Text {
  std::string value;
  SourceRange range;
  VORONKA_AST_FIELDS(Text, value, range)
};

// What a name written in a funnel refers to, where the place it stands says
// so: the index (definition, references, rename) resolves a Ref by its kind
// alone. Names whose meaning depends on what surrounds them (a move's stage,
// an event's argument, a test's `expect` name) stay plain Idents.
enum class RefKind : uint8_t {
  Field,
  User,
  Team,
  UserOrTeam,
  Template,
  Form,
  Channel,
  TaskType,
  Integration,
  Event,
  Pipeline,
  Stage,
  Reasons,
  Calendar,
  Type,  // a type name: a built-in type (`money`) or a named enum (`level`)
};

template <RefKind K>
struct Ref : Ident {
  static constexpr RefKind kRefKind = K;
  Ref() = default;
  Ref(Ident name) : Ident(std::move(name)) {}  // a name becomes a reference where it stands
};
using FieldRef = Ref<RefKind::Field>;
using UserRef = Ref<RefKind::User>;
using TeamRef = Ref<RefKind::Team>;
using UserOrTeamRef = Ref<RefKind::UserOrTeam>;  // a user, a team, or `responsible`
using TemplateRef = Ref<RefKind::Template>;
using FormRef = Ref<RefKind::Form>;
using ChannelRef = Ref<RefKind::Channel>;
using TaskTypeRef = Ref<RefKind::TaskType>;
using IntegrationRef = Ref<RefKind::Integration>;
using EventNameRef = Ref<RefKind::Event>;
using PipelineRef = Ref<RefKind::Pipeline>;
using StageRef = Ref<RefKind::Stage>;  // a stage of the pipeline the surroundings name
using ReasonsRef = Ref<RefKind::Reasons>;
using CalendarRef = Ref<RefKind::Calendar>;
using TypeRef = Ref<RefKind::Type>;

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
  VORONKA_AST_FIELDS(Duration, seconds, workdays, hasUnit, range)
};

struct TimeOfDay {
  int minutes = 0;  // since midnight
  SourceRange range;
  VORONKA_AST_FIELDS(TimeOfDay, minutes, range)
};

struct Date {
  int year = 0, month = 0, day = 0;
  SourceRange range;
  VORONKA_AST_FIELDS(Date, year, month, day, range)
};

// ───────────────────────────── expressions ────────────────────────────────

enum class ExprKind : uint8_t {
  Number,
  String,
  Duration,
  Time,
  Date,
  DateTime,
  Bool,
  None,
  Name,
  Member,
  Call,
  Unary,
  Binary,
  List,
  If,
};

struct Expr : Node {
  const ExprKind kind;
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
  template <typename T>
  const T& as() const {
    return static_cast<const T&>(*this);
  }
  template <typename T>
  T& as() {
    return static_cast<T&>(*this);
  }
};
using ExprPtr = std::unique_ptr<Expr>;

struct NumberExpr : Expr {
  NumberExpr() : Expr(ExprKind::Number) {}
  double value = 0;
  VORONKA_AST_FIELDS(NumberExpr, value)
};
struct StringExpr : Expr {
  StringExpr() : Expr(ExprKind::String) {}
  std::string value;  // escapes decoded; never interpolated
  VORONKA_AST_FIELDS(StringExpr, value)
};
struct DurationExpr : Expr {
  DurationExpr() : Expr(ExprKind::Duration) {}
  Duration value;
  VORONKA_AST_FIELDS(DurationExpr, value)
};
struct TimeExpr : Expr {
  TimeExpr() : Expr(ExprKind::Time) {}
  TimeOfDay value;
  VORONKA_AST_FIELDS(TimeExpr, value)
};
struct DateExpr : Expr {
  DateExpr() : Expr(ExprKind::Date) {}
  Date value;
  VORONKA_AST_FIELDS(DateExpr, value)
};
struct DateTimeExpr : Expr {
  DateTimeExpr() : Expr(ExprKind::DateTime) {}
  Date date;
  TimeOfDay time;
  VORONKA_AST_FIELDS(DateTimeExpr, date, time)
};
struct BoolExpr : Expr {
  BoolExpr() : Expr(ExprKind::Bool) {}
  bool value = false;
  VORONKA_AST_FIELDS(BoolExpr, value)
};
struct NoneExpr : Expr {
  NoneExpr() : Expr(ExprKind::None) {}
  VORONKA_AST_FIELDS(NoneExpr)
};
// A bare name: a field, a payload field, a built-in (`now`), an enum member, `deal`.
struct NameExpr : Expr {
  NameExpr() : Expr(ExprKind::Name) {}
  std::string name;
  VORONKA_AST_FIELDS(NameExpr, name)
};
struct MemberExpr : Expr {
  MemberExpr() : Expr(ExprKind::Member) {}
  ExprPtr base;
  Ident member;
  VORONKA_AST_FIELDS(MemberExpr, base, member)
};
struct CallExpr : Expr {
  CallExpr() : Expr(ExprKind::Call) {}
  ExprPtr callee;
  std::vector<ExprPtr> args;
  VORONKA_AST_FIELDS(CallExpr, callee, args)
};

enum class UnaryOp : uint8_t { Negate, Not };
struct UnaryExpr : Expr {
  UnaryExpr() : Expr(ExprKind::Unary) {}
  UnaryOp op = UnaryOp::Negate;
  ExprPtr operand;
  VORONKA_AST_FIELDS(UnaryExpr, op, operand)
};

enum class BinaryOp : uint8_t { Or, And, Eq, Ne, Lt, Le, Gt, Ge, In, NotIn, Has, Add, Sub, Mul, Div };
const char* spelling(BinaryOp op);

struct BinaryExpr : Expr {
  BinaryExpr() : Expr(ExprKind::Binary) {}
  BinaryOp op = BinaryOp::Add;
  SourceRange opRange;
  ExprPtr lhs;
  ExprPtr rhs;
  VORONKA_AST_FIELDS(BinaryExpr, op, opRange, lhs, rhs)
};
struct ListExpr : Expr {
  ListExpr() : Expr(ExprKind::List) {}
  std::vector<ExprPtr> items;
  VORONKA_AST_FIELDS(ListExpr, items)
};
// `if c { a } else if d { b } else { e }` as an expression.
struct IfExpr : Expr {
  IfExpr() : Expr(ExprKind::If) {}
  struct Branch {
    ExprPtr condition;
    ExprPtr value;
    VORONKA_AST_FIELDS(IfExprBranch, condition, value)
  };
  std::vector<Branch> branches;
  ExprPtr elseValue;
  VORONKA_AST_FIELDS(IfExpr, branches, elseValue)
};

// A text that reaches people or systems: literal pieces and `{expr}` pieces.
struct InterpolatedText {
  struct Part {
    std::string literal;  // used when expr is null
    ExprPtr expr;
    SourceRange range;
    VORONKA_AST_FIELDS(TextPart, literal, expr, range)
  };
  std::vector<Part> parts;
  SourceRange range;
  bool isPlain() const;
  // The text with each expression shown as {…} source (for dumps and messages).
  std::string display() const;
  VORONKA_AST_FIELDS(InterpolatedText, parts, range)
};

// `key: expr` entries of webhook/request bodies and test event payloads.
struct MapEntry {
  Ident key;
  ExprPtr value;
  VORONKA_AST_FIELDS(MapEntry, key, value)
};

// A dotted name: `deal.budget`, `contact.name`, `d.budget` in tests.
struct Path {
  std::vector<Ident> parts;
  SourceRange range;
  std::string joined() const;
  VORONKA_AST_FIELDS(Path, parts, range)
};

// ───────────────────────────── types in declarations ──────────────────────

struct EnumMember {
  Ident name;
  std::optional<Text> title;
  VORONKA_AST_FIELDS(EnumMember, name, title)
};

struct TypeSyntax {
  bool isEnum = false;
  TypeRef name;  // the type name when !isEnum: `money`, or a named enum
  std::vector<EnumMember> members;
  SourceRange range;
  VORONKA_AST_FIELDS(TypeSyntax, isEnum, name, members, range)
};

// ───────────────────────────── rules and actions ──────────────────────────

struct EventRef {
  EventNameRef name;
  std::optional<Ident> arg;  // the filter argument; a tag argument is a string
  bool argIsString = false;
  SourceRange range;
  VORONKA_AST_FIELDS(EventRef, name, arg, argIsString, range)
};

// `within workhours [later|earlier]`: a time outside working hours moves to
// the next working moment (later, the default) or to the latest working
// minute at or before it (earlier).
struct WithinWorkhours {
  bool earlier = false;
  SourceRange range;
  VORONKA_AST_FIELDS(WithinWorkhours, earlier, range)
};

struct MoveTarget {
  bool isNext = false;
  std::optional<PipelineRef> pipeline;  // `pipeline.stage`
  Ident stage;                          // "won"/"lost" for the final stages
  SourceRange range;
  VORONKA_AST_FIELDS(MoveTarget, isNext, pipeline, stage, range)
};

// Action kinds and their keywords: common/language/actions.def.
using lang::ActionKind;
inline const char* keyword(ActionKind kind) { return lang::actionInfo(kind).keyword.data(); }

struct Action : Node {
  const ActionKind kind;
  explicit Action(ActionKind k) : kind(k) {}
  virtual ~Action() = default;
  template <typename T>
  const T& as() const {
    return static_cast<const T&>(*this);
  }
  template <typename T>
  T& as() {
    return static_cast<T&>(*this);
  }
};
using ActionPtr = std::unique_ptr<Action>;

struct Block : Node {
  std::vector<ActionPtr> actions;
  VORONKA_AST_FIELDS(Block, actions)
};

struct MoveAction : Action {
  MoveAction() : Action(ActionKind::Move) {}
  MoveTarget target;
  bool arrowForm = false;  // written `-> X` rather than `move X`
  VORONKA_AST_FIELDS(MoveAction, target, arrowForm)
};
struct WinAction : Action {
  WinAction() : Action(ActionKind::Win) {}
  VORONKA_AST_FIELDS(WinAction)
};
struct LoseAction : Action {
  LoseAction() : Action(ActionKind::Lose) {}
  std::optional<Text> reason;
  VORONKA_AST_FIELDS(LoseAction, reason)
};
struct TaskAction : Action {
  TaskAction() : Action(ActionKind::Task) {}
  std::optional<TaskTypeRef> type;
  InterpolatedText text;
  std::optional<Duration> due;
  ExprPtr at;
  std::optional<UserRef> to;
  std::optional<WithinWorkhours> withinWorkhours;
  VORONKA_AST_FIELDS(TaskAction, type, text, due, at, to, withinWorkhours)
};

using lang::TaskFilter;  // common/language/kinds.def
struct CompleteTasksAction : Action {
  CompleteTasksAction() : Action(ActionKind::CompleteTasks) {}
  std::optional<TaskTypeRef> type;
  TaskFilter filter = TaskFilter::Unspecified;
  std::optional<Text> comment;
  VORONKA_AST_FIELDS(CompleteTasksAction, type, filter, comment)
};
// email TEMPLATE, message TEMPLATE, sms "text" with their trailing clauses;
// the checker says which clause each of them takes.
struct SendAction : Action {
  explicit SendAction(ActionKind k) : Action(k) {}
  TemplateRef templateName;  // email, message, and sms with a template
  InterpolatedText text;     // sms with a text
  std::optional<UserRef> from;
  std::optional<ChannelRef> via;
  std::optional<WithinWorkhours> withinWorkhours;
  VORONKA_AST_FIELDS(SendAction, templateName, text, from, via, withinWorkhours)
};
struct WebhookAction : Action {
  WebhookAction() : Action(ActionKind::Webhook) {}
  InterpolatedText url;
  std::vector<MapEntry> body;
  VORONKA_AST_FIELDS(WebhookAction, url, body)
};
struct RequestAction : Action {
  RequestAction() : Action(ActionKind::Request) {}
  IntegrationRef integration;
  std::vector<MapEntry> body;
  VORONKA_AST_FIELDS(RequestAction, integration, body)
};
struct AnalyticsAction : Action {
  AnalyticsAction() : Action(ActionKind::Analytics) {}
  Text event;
  ExprPtr label;
  VORONKA_AST_FIELDS(AnalyticsAction, event, label)
};
struct TagAction : Action {
  TagAction() : Action(ActionKind::Tag) {}
  bool add = true;
  Text tag;
  VORONKA_AST_FIELDS(TagAction, add, tag)
};
struct SetAction : Action {
  SetAction() : Action(ActionKind::Set) {}
  Path target;
  ExprPtr value;
  VORONKA_AST_FIELDS(SetAction, target, value)
};
// `ivanov`, `round_robin(sales)`, `least_busy(sales)`.
struct Assignee {
  Ident name;
  std::optional<TeamRef> team;
  SourceRange range;
  VORONKA_AST_FIELDS(Assignee, name, team, range)
};
struct AssignAction : Action {
  AssignAction() : Action(ActionKind::Assign) {}
  Assignee who;
  VORONKA_AST_FIELDS(AssignAction, who)
};
struct CreateDealAction : Action {
  CreateDealAction() : Action(ActionKind::CreateDeal) {}
  PipelineRef pipeline;
  std::optional<StageRef> stage;
  std::vector<FieldRef> copy;
  std::optional<Assignee> assign;
  VORONKA_AST_FIELDS(CreateDealAction, pipeline, stage, copy, assign)
};
struct QuestionnaireAction : Action {
  QuestionnaireAction() : Action(ActionKind::Questionnaire) {}
  FormRef form;
  FieldRef field;
  VORONKA_AST_FIELDS(QuestionnaireAction, form, field)
};
struct NoteAction : Action {
  NoteAction() : Action(ActionKind::Note) {}
  InterpolatedText text;
  VORONKA_AST_FIELDS(NoteAction, text)
};
struct NotifyAction : Action {
  NotifyAction() : Action(ActionKind::Notify) {}
  UserOrTeamRef recipient;  // a user, a team, or `responsible`
  InterpolatedText text;
  VORONKA_AST_FIELDS(NotifyAction, recipient, text)
};
struct IfAction : Action {
  IfAction() : Action(ActionKind::If) {}
  struct Branch {
    ExprPtr condition;
    Block block;
    VORONKA_AST_FIELDS(IfBranch, condition, block)
  };
  std::vector<Branch> branches;
  std::unique_ptr<Block> elseBlock;
  VORONKA_AST_FIELDS(IfAction, branches, elseBlock)
};
struct SplitAction : Action {
  SplitAction() : Action(ActionKind::Split) {}
  double percent = 0;
  SourceRange percentRange;
  Block first;
  std::unique_ptr<Block> second;
  VORONKA_AST_FIELDS(SplitAction, percent, percentRange, first, second)
};
// `then after D { … }`: runs D after the previous action of its block.
struct ThenAction : Action {
  ThenAction() : Action(ActionKind::Then) {}
  Duration delay;
  std::optional<WithinWorkhours> withinWorkhours;
  Block block;
  VORONKA_AST_FIELDS(ThenAction, delay, withinWorkhours, block)
};

enum class TimingKind : uint8_t { None, After, At, Every };

// `late skip` (do not run a timer whose moment has passed when it is
// scheduled) or `late run` (run it at once, the default).
struct LateClause {
  bool skip = false;
  SourceRange range;
  VORONKA_AST_FIELDS(LateClause, skip, range)
};

struct Timing {
  TimingKind kind = TimingKind::None;
  SourceRange range;
  Duration delay;                   // after, every
  std::optional<TimeOfDay> atTime;  // after D at HH:MM
  ExprPtr at;                       // at EXPR
  ExprPtr whileCondition;           // every D while COND
  VORONKA_AST_FIELDS(Timing, kind, range, delay, atTime, at, whileCondition)
};

enum class DeclKind : uint8_t {
  Use,
  Account,
  Calendar,
  Field,
  Team,
  Template,
  Form,
  Integration,
  Event,
  TaskType,
  Channel,
  Reasons,
  Pipeline,
  Test,
  Rule,
  Enum,
};

struct Decl : Node {
  const DeclKind kind;
  explicit Decl(DeclKind k) : kind(k) {}
  virtual ~Decl() = default;
  template <typename T>
  const T& as() const {
    return static_cast<const T&>(*this);
  }
  template <typename T>
  T& as() {
    return static_cast<T&>(*this);
  }
};
using DeclPtr = std::unique_ptr<Decl>;

// A rule: `on EVENT … { }` or `after/at/every … { }`. Stands at top level,
// in a pipeline or in a stage.
struct Rule : Decl {
  Rule() : Decl(DeclKind::Rule) {}
  std::optional<EventRef> event;  // absent for timed rules
  std::optional<StageRef> from;
  std::optional<SourceRange> once;
  ExprPtr when;
  Timing timing;
  std::optional<EventRef> unless;
  std::optional<WithinWorkhours> withinWorkhours;
  std::optional<LateClause> late;  // `late skip|run`, for `at` rules
  bool arrowForm = false;          // written `-> TARGET`; the body then holds one move
  Block body;
  VORONKA_AST_FIELDS(Rule, event, from, once, when, timing, unless, withinWorkhours, late, arrowForm, body)
};
using RulePtr = std::unique_ptr<Rule>;

// ───────────────────────────── declarations ───────────────────────────────

struct UseDecl : Decl {
  UseDecl() : Decl(DeclKind::Use) {}
  bool isFile = false;  // `use "file.funnel"` rather than `use std.x`
  std::string path;     // "std.loss_reasons", or the file path as written
  SourceRange pathRange;
  VORONKA_AST_FIELDS(UseDecl, isFile, path, pathRange)
};

struct WorkhoursSpec {
  Ident fromDay;
  std::optional<Ident> toDay;
  struct Window {
    TimeOfDay from, to;
    SourceRange range;
    VORONKA_AST_FIELDS(Window, from, to, range)
  };
  std::vector<Window> windows;
  SourceRange range;
  VORONKA_AST_FIELDS(WorkhoursSpec, fromDay, toDay, windows, range)
};
struct DateRange {
  Date from;
  std::optional<Date> to;
  SourceRange range;
  VORONKA_AST_FIELDS(DateRange, from, to, range)
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
  std::optional<Ident> language;  // the account only: `language ru|en`
  VORONKA_AST_FIELDS(CalendarDecl, name, title, timezone, workhours, workhoursRange, holidays, currency, language)
};

struct FieldDecl : Decl {
  FieldDecl() : Decl(DeclKind::Field) {}
  Ident name;
  TypeSyntax type;
  std::optional<Text> title;
  ExprPtr defaultValue;
  VORONKA_AST_FIELDS(FieldDecl, name, type, title, defaultValue)
};

struct TeamDecl : Decl {
  TeamDecl() : Decl(DeclKind::Team) {}
  Ident name;
  std::optional<Text> title;
  struct Member {
    Ident name;
    std::optional<Text> title;
    VORONKA_AST_FIELDS(TeamMember, name, title)
  };
  std::vector<Member> members;
  VORONKA_AST_FIELDS(TeamDecl, name, title, members)
};

using lang::TemplateKind;  // common/language/kinds.def
struct TemplateDecl : Decl {
  TemplateDecl() : Decl(DeclKind::Template) {}
  TemplateKind templateKind = TemplateKind::Email;
  Ident name;
  std::optional<InterpolatedText> title;  // the subject of an email
  std::optional<InterpolatedText> subject;
  std::optional<InterpolatedText> body;
  VORONKA_AST_FIELDS(TemplateDecl, templateKind, name, title, subject, body)
};

struct FormDecl : Decl {
  FormDecl() : Decl(DeclKind::Form) {}
  Ident name;
  std::optional<Text> title;
  std::vector<FieldRef> fields;
  VORONKA_AST_FIELDS(FormDecl, name, title, fields)
};

struct IntegrationDecl : Decl {
  IntegrationDecl() : Decl(DeclKind::Integration) {}
  Ident name;
  std::optional<Text> title;
  std::optional<InterpolatedText> url;
  std::vector<EventNameRef> answers;  // custom events its answers arrive as
  VORONKA_AST_FIELDS(IntegrationDecl, name, title, url, answers)
};

struct EventDecl : Decl {
  EventDecl() : Decl(DeclKind::Event) {}
  Ident name;
  struct Param {
    Ident name;
    TypeSyntax type;
    VORONKA_AST_FIELDS(EventParam, name, type)
  };
  std::vector<Param> params;
  std::optional<Text> title;
  VORONKA_AST_FIELDS(EventDecl, name, params, title)
};

// `task type visit "Выезд"` and `channel telegram "Telegram"`.
struct SimpleDecl : Decl {
  explicit SimpleDecl(DeclKind k) : Decl(k) {}
  Ident name;
  std::optional<Text> title;
  VORONKA_AST_FIELDS(SimpleDecl, name, title)
};

// `enum level "Уровень" { beginner "Начальный", advanced "Продвинутый" }`: a
// named enum, the type of any field, event parameter or form answer that
// names it; they all share its values.
struct EnumDecl : Decl {
  EnumDecl() : Decl(DeclKind::Enum) {}
  Ident name;
  std::optional<Text> title;
  std::vector<EnumMember> members;
  VORONKA_AST_FIELDS(EnumDecl, name, title, members)
};

struct LossReason {
  Text text;
  bool isOther = false;
  SourceRange range;
  VORONKA_AST_FIELDS(LossReason, text, isOther, range)
};

struct ReasonsDecl : Decl {
  ReasonsDecl() : Decl(DeclKind::Reasons) {}
  Ident name;
  std::vector<LossReason> reasons;
  VORONKA_AST_FIELDS(ReasonsDecl, name, reasons)
};

struct Require {
  ExprPtr condition;
  std::optional<Text> message;
  SourceRange range;
  VORONKA_AST_FIELDS(Require, condition, message, range)
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
  std::optional<ReasonsRef> reasonsRef;
  std::optional<SourceRange> reasonsKeyword;
  VORONKA_AST_FIELDS(Stage, kind, name, title, initial, key, guards, reasonsKeyword, reasonsRef, reasons, rules)
};

enum class PolicyKind : uint8_t { ManualForward, ManualBackward, TriggersForward, TriggersBackward, Calendar };
struct Policy {
  PolicyKind kind;
  bool allow = true;
  CalendarRef calendar;
  SourceRange range;
  VORONKA_AST_FIELDS(Policy, kind, allow, calendar, range)
};

struct PipelineDecl : Decl {
  PipelineDecl() : Decl(DeclKind::Pipeline) {}
  Ident name;
  std::optional<Text> title;
  std::vector<Policy> policies;
  std::vector<std::unique_ptr<Stage>> stages;  // in the order written, finals included
  std::vector<RulePtr> rules;                  // rules of every stage
  VORONKA_AST_FIELDS(PipelineDecl, name, title, policies, rules, stages)
};

// ───────────────────────────── tests ──────────────────────────────────────

enum class TestStmtKind : uint8_t { Deal, Advance, AdvanceTo, Event, Set, ManualMove, Expect };

struct TestStmt : Node {
  const TestStmtKind kind;
  explicit TestStmt(TestStmtKind k) : kind(k) {}
  virtual ~TestStmt() = default;
  template <typename T>
  const T& as() const {
    return static_cast<const T&>(*this);
  }
  template <typename T>
  T& as() {
    return static_cast<T&>(*this);
  }
};
using TestStmtPtr = std::unique_ptr<TestStmt>;

struct FieldInit {
  Path path;
  ExprPtr value;
  VORONKA_AST_FIELDS(FieldInit, path, value)
};

// Which share of every `split` a test deal takes: by its id, as in
// production, or the one the test forces (`split first`, `split else`).
enum class SplitChoice : uint8_t { ByDeal, First, Else };
const char* keyword(SplitChoice choice);  // "" for ByDeal

// `responsible = ivanov` among a test deal's values: a user, by reference.
struct ResponsibleInit {
  Path path;  // `responsible` or `deal.responsible`, as written
  UserRef user;
  VORONKA_AST_FIELDS(ResponsibleInit, path, user)
};

struct TestDealStmt : TestStmt {
  TestDealStmt() : TestStmt(TestStmtKind::Deal) {}
  Ident name;
  PipelineRef pipeline;
  std::optional<StageRef> stage;
  std::vector<FieldInit> fields;
  std::optional<ResponsibleInit> responsible;
  SplitChoice split = SplitChoice::ByDeal;
  VORONKA_AST_FIELDS(TestDealStmt, name, pipeline, stage, fields, responsible, split)
};
struct TestAdvanceStmt : TestStmt {
  TestAdvanceStmt() : TestStmt(TestStmtKind::Advance) {}
  Duration by;
  VORONKA_AST_FIELDS(TestAdvanceStmt, by)
};
struct TestAdvanceToStmt : TestStmt {
  TestAdvanceToStmt() : TestStmt(TestStmtKind::AdvanceTo) {}
  Date date;
  TimeOfDay time;
  VORONKA_AST_FIELDS(TestAdvanceToStmt, date, time)
};
struct TestEventStmt : TestStmt {
  TestEventStmt() : TestStmt(TestStmtKind::Event) {}
  EventRef event;
  std::optional<Ident> deal;
  std::vector<MapEntry> payload;
  VORONKA_AST_FIELDS(TestEventStmt, event, deal, payload)
};
struct TestSetStmt : TestStmt {
  TestSetStmt() : TestStmt(TestStmtKind::Set) {}
  Path target;  // DEAL.FIELD or DEAL.contact.name
  ExprPtr value;
  VORONKA_AST_FIELDS(TestSetStmt, target, value)
};
struct TestManualMoveStmt : TestStmt {
  TestManualMoveStmt() : TestStmt(TestStmtKind::ManualMove) {}
  Ident deal;
  MoveTarget target;
  std::optional<Text> reason;  // for `-> lost "reason"`
  bool expectRejected = false;
  std::optional<Text> rejectedMessage;
  VORONKA_AST_FIELDS(TestManualMoveStmt, deal, target, reason, expectRejected, rejectedMessage)
};

enum class ExpectKind : uint8_t {
  Stage,
  Task,
  Email,
  Message,
  Sms,
  Webhook,
  Request,
  Tag,
  Note,
  Notify,
  Analytics,
  Responsible,
  DealIn,
  Won,
  Lost,
  Condition,
  Undeliverable,
};
const char* keyword(ExpectKind kind);

struct TestExpectStmt : TestStmt {
  TestExpectStmt() : TestStmt(TestStmtKind::Expect) {}
  ExpectKind what = ExpectKind::Condition;
  bool negated = false;  // `expect no …`
  // Stage, template, integration, user or team, pipeline, effect kind
  // (`undeliverable`); empty when left out (`expect notify "text"`, `expect sms`).
  Ident name;
  std::optional<Ident> stage;  // `expect deal in PIPELINE.STAGE`
  std::optional<TaskTypeRef> taskType;
  // Task text, webhook URL, tag, reason...; for email, message, sms, note and
  // notify the text their rendered text must contain.
  std::optional<Text> text;
  ExprPtr condition;          // `expect budget == 5`
  std::optional<Ident> deal;  // `on NAME`
  VORONKA_AST_FIELDS(TestExpectStmt, what, negated, name, stage, taskType, text, condition, deal)
};

struct TestDecl : Decl {
  TestDecl() : Decl(DeclKind::Test) {}
  Text title;
  std::vector<TestStmtPtr> statements;
  VORONKA_AST_FIELDS(TestDecl, title, statements)
};

// ───────────────────────────── a file ─────────────────────────────────────

// A `// …` or `/* … */` comment, kept for the formatter and for
// `// voronka: allow <id>` suppressions.
struct Comment {
  std::string text;  // as written, with its // or /* */
  SourceRange range;
  bool block = false;
  VORONKA_AST_FIELDS(Comment, text, range, block)
};

struct Module {
  FileId file = kNoFile;
  std::string path;
  std::vector<DeclPtr> decls;     // in source order
  std::vector<Comment> comments;  // in source order
  VORONKA_AST_FIELDS(Module, file, path, decls, comments)
};
using ModulePtr = std::unique_ptr<Module>;

// ───────────────────────────── kinds and their structs ───────────────────

namespace detail {

// `To` with the constness of `From`.
template <typename From, typename To>
using SameConst = std::conditional_t<std::is_const_v<From>, const To, To>;

template <typename To, typename From>
SameConst<From, To>& concrete(From& node) {
  return static_cast<SameConst<From, To>&>(node);
}

}  // namespace detail

// Calls f with a node of one of the polymorphic families as its concrete
// type. These four switches are the only place that maps a kind to its
// struct: a new kind without a case here does not build (-Werror=switch).
template <typename E, typename F>
requires std::same_as<std::remove_const_t<E>, Expr>
decltype(auto) withConcrete(E& e, F&& f) {
  using detail::concrete;
  switch (e.kind) {
    case ExprKind::Number: return f(concrete<NumberExpr>(e));
    case ExprKind::String: return f(concrete<StringExpr>(e));
    case ExprKind::Duration: return f(concrete<DurationExpr>(e));
    case ExprKind::Time: return f(concrete<TimeExpr>(e));
    case ExprKind::Date: return f(concrete<DateExpr>(e));
    case ExprKind::DateTime: return f(concrete<DateTimeExpr>(e));
    case ExprKind::Bool: return f(concrete<BoolExpr>(e));
    case ExprKind::None: return f(concrete<NoneExpr>(e));
    case ExprKind::Name: return f(concrete<NameExpr>(e));
    case ExprKind::Member: return f(concrete<MemberExpr>(e));
    case ExprKind::Call: return f(concrete<CallExpr>(e));
    case ExprKind::Unary: return f(concrete<UnaryExpr>(e));
    case ExprKind::Binary: return f(concrete<BinaryExpr>(e));
    case ExprKind::List: return f(concrete<ListExpr>(e));
    case ExprKind::If: return f(concrete<IfExpr>(e));
  }
  return f(concrete<NoneExpr>(e));  // unreachable: every kind has its case
}

template <typename A, typename F>
requires std::same_as<std::remove_const_t<A>, Action>
decltype(auto) withConcrete(A& a, F&& f) {
  using detail::concrete;
  switch (a.kind) {
    case ActionKind::Move: return f(concrete<MoveAction>(a));
    case ActionKind::Win: return f(concrete<WinAction>(a));
    case ActionKind::Lose: return f(concrete<LoseAction>(a));
    case ActionKind::Task: return f(concrete<TaskAction>(a));
    case ActionKind::CompleteTasks: return f(concrete<CompleteTasksAction>(a));
    case ActionKind::Email:
    case ActionKind::Message:
    case ActionKind::Sms: return f(concrete<SendAction>(a));
    case ActionKind::Webhook: return f(concrete<WebhookAction>(a));
    case ActionKind::Request: return f(concrete<RequestAction>(a));
    case ActionKind::Analytics: return f(concrete<AnalyticsAction>(a));
    case ActionKind::Tag: return f(concrete<TagAction>(a));
    case ActionKind::Set: return f(concrete<SetAction>(a));
    case ActionKind::Assign: return f(concrete<AssignAction>(a));
    case ActionKind::CreateDeal: return f(concrete<CreateDealAction>(a));
    case ActionKind::Questionnaire: return f(concrete<QuestionnaireAction>(a));
    case ActionKind::Note: return f(concrete<NoteAction>(a));
    case ActionKind::Notify: return f(concrete<NotifyAction>(a));
    case ActionKind::If: return f(concrete<IfAction>(a));
    case ActionKind::Split: return f(concrete<SplitAction>(a));
    case ActionKind::Then: return f(concrete<ThenAction>(a));
  }
  return f(concrete<WinAction>(a));  // unreachable
}

template <typename D, typename F>
requires std::same_as<std::remove_const_t<D>, Decl>
decltype(auto) withConcrete(D& d, F&& f) {
  using detail::concrete;
  switch (d.kind) {
    case DeclKind::Use: return f(concrete<UseDecl>(d));
    case DeclKind::Account:
    case DeclKind::Calendar: return f(concrete<CalendarDecl>(d));
    case DeclKind::Field: return f(concrete<FieldDecl>(d));
    case DeclKind::Team: return f(concrete<TeamDecl>(d));
    case DeclKind::Template: return f(concrete<TemplateDecl>(d));
    case DeclKind::Form: return f(concrete<FormDecl>(d));
    case DeclKind::Integration: return f(concrete<IntegrationDecl>(d));
    case DeclKind::Event: return f(concrete<EventDecl>(d));
    case DeclKind::TaskType:
    case DeclKind::Channel: return f(concrete<SimpleDecl>(d));
    case DeclKind::Reasons: return f(concrete<ReasonsDecl>(d));
    case DeclKind::Pipeline: return f(concrete<PipelineDecl>(d));
    case DeclKind::Test: return f(concrete<TestDecl>(d));
    case DeclKind::Rule: return f(concrete<Rule>(d));
    case DeclKind::Enum: return f(concrete<EnumDecl>(d));
  }
  return f(concrete<UseDecl>(d));  // unreachable
}

template <typename S, typename F>
requires std::same_as<std::remove_const_t<S>, TestStmt>
decltype(auto) withConcrete(S& s, F&& f) {
  using detail::concrete;
  switch (s.kind) {
    case TestStmtKind::Deal: return f(concrete<TestDealStmt>(s));
    case TestStmtKind::Advance: return f(concrete<TestAdvanceStmt>(s));
    case TestStmtKind::AdvanceTo: return f(concrete<TestAdvanceToStmt>(s));
    case TestStmtKind::Event: return f(concrete<TestEventStmt>(s));
    case TestStmtKind::Set: return f(concrete<TestSetStmt>(s));
    case TestStmtKind::ManualMove: return f(concrete<TestManualMoveStmt>(s));
    case TestStmtKind::Expect: return f(concrete<TestExpectStmt>(s));
  }
  return f(concrete<TestAdvanceStmt>(s));  // unreachable
}

// A readable, stable dump of the tree (for `voronka check --emit=ast` and tests).
std::string dump(const Module& module, const SourceManager& sources);

}  // namespace voronka::ast
