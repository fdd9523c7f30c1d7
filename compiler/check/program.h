// The checker's output: every declaration of a program resolved into tables,
// with the type and meaning of every expression. The lowering to bytecode
// consumes this; it points into the ASTs, which the driver keeps alive.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/language/events.h"
#include "compiler/ast/ast.h"
#include "compiler/check/types.h"

namespace voronka::check {

inline constexpr int kNone = -1;

struct EnumInfo {
  std::string owner;  // the named enum, or the field or event parameter that declares it inline
  std::vector<std::string> members;
  std::vector<std::string> titles;
  const ast::EnumDecl* decl = nullptr;  // a named enum (`enum level { … }`); null for an inline one
  int find(std::string_view member) const;
};

struct FieldInfo {
  std::string name;
  std::string title;
  Type type;
  const ast::FieldDecl* decl = nullptr;
};

struct UserInfo {
  std::string name;
  std::string title;
  std::vector<int> teams;
  SourceRange declared;
};

struct TeamInfo {
  std::string name;
  std::string title;
  std::vector<int> members;  // user indices
  const ast::TeamDecl* decl = nullptr;
};

struct TemplateInfo {
  std::string name;
  ast::TemplateKind kind;
  const ast::TemplateDecl* decl = nullptr;
};

struct FormInfo {
  std::string name;
  std::vector<int> fields;
  const ast::FormDecl* decl = nullptr;
};

struct IntegrationInfo {
  std::string name;
  std::vector<int> answers;  // event indices
  const ast::IntegrationDecl* decl = nullptr;
};

struct EventParam {
  std::string name;
  Type type;
};

struct EventInfo {
  std::string name;
  // Which built-in event (Custom: declared with `event`), and what its filter
  // argument names: common/language/events.def.
  lang::EventKind builtin = lang::EventKind::Custom;
  lang::EventArg arg = lang::EventArg::None;
  bool argRequired = false;
  // Raised by the engine's own lifecycle (enter, create, leave) rather than by
  // a client or another system; moves on other events are trigger moves.
  bool lifecycle = false;
  std::vector<EventParam> params;
  const ast::EventDecl* decl = nullptr;
  const EventParam* param(std::string_view name) const;
};

struct SimpleInfo {  // task types and channels
  std::string name;
  std::string title;
  bool builtin = false;
  const ast::SimpleDecl* decl = nullptr;
};

// A calendar in a form the runtime can use: windows per weekday (0 = Monday)
// in minutes since midnight, holidays as [from, to] days since 1970-01-01.
struct CalendarInfo {
  std::string name;  // empty for the account's
  std::string timezone = "UTC";
  std::vector<std::pair<int, int>> windows[7];
  std::vector<std::pair<int32_t, int32_t>> holidays;
  std::string currency;
  bool hasWorkhours() const;
  const ast::CalendarDecl* decl = nullptr;
};

struct ReasonSetInfo {
  std::string name;
  std::vector<std::string> reasons;
  int other = kNone;  // index of the `other` reason
  const ast::ReasonsDecl* decl = nullptr;
};

struct StageInfo {
  std::string name;
  std::string title;
  ast::StageKind kind = ast::StageKind::Working;
  bool initial = false;
  bool key = false;
  const ast::Stage* decl = nullptr;
};

struct PipelineInfo {
  std::string name;
  std::string title;
  std::vector<StageInfo> stages;  // working stages in order, then won, then lost
  int initial = kNone;
  int won = kNone;
  int lost = kNone;
  bool manualForward = true;
  bool manualBackward = true;
  bool triggersForward = true;
  bool triggersBackward = false;  // Bitrix24's default
  int calendar = 0;               // index into calendars (0 = the account)
  std::vector<std::string> reasons;
  int otherReason = kNone;
  const ast::PipelineDecl* decl = nullptr;

  int findStage(std::string_view name) const;
  int workingCount() const { return won == kNone ? static_cast<int>(stages.size()) : won; }
};

// Where a rule applies: a stage, every stage of a pipeline, or every pipeline.
struct RuleInfo {
  const ast::Rule* rule = nullptr;
  int pipeline = kNone;  // kNone: a top-level rule (every pipeline)
  int stage = kNone;     // kNone: a pipeline-level rule (every stage)
  int event = kNone;     // kNone for timed rules (anchored at stage entry)
};

// What a name in an expression turned out to be.
enum class NameKind : uint8_t {
  Field,       // index: field
  Payload,     // index: parameter of the rule's event
  EnumMember,  // index: member; enumId in the type
  User,        // index: user
  Now,
  Today,
  TimeInStage,
  OverdueTasks,
  OpenTasks,
  DealName,
  DealId,
  DealCreatedAt,
  DealResponsible,
  DealTags,
  ContactName,
  ContactEmail,
  ContactPhone,
  CompanyName,
  Function,  // index: stdlib function
  DealStage,
  DealPreviousStage,
  DealPipeline,
  DealLostReason,
  Stage,     // index: stage of ExprInfo::pipeline (`contract`, `retail.contract`)
  Pipeline,  // index: pipeline (`retail`, also the `retail` of `retail.contract`)
  Enum,      // index: enum; the `level` of `level.beginner` (a named enum)
};

struct ExprInfo {
  Type type;
  std::optional<NameKind> name;  // for names and member accesses that denote a value
  int index = kNone;
  int pipeline = kNone;  // NameKind::Stage: the stage's pipeline
};

struct CheckedProgram {
  std::vector<const ast::Module*> modules;  // root first
  // What the runtime writes for managers and `graph`'s labels are in it.
  lang::Language language = lang::Language::Ru;
  std::vector<CalendarInfo> calendars;  // [0] is the account's
  std::vector<FieldInfo> fields;
  std::vector<EnumInfo> enums;  // named enums first, then inline ones
  std::vector<UserInfo> users;
  std::vector<TeamInfo> teams;
  std::vector<TemplateInfo> templates;
  std::vector<FormInfo> forms;
  std::vector<IntegrationInfo> integrations;
  std::vector<EventInfo> events;  // built-ins first, then declared ones
  std::vector<SimpleInfo> taskTypes;
  std::vector<SimpleInfo> channels;
  std::vector<ReasonSetInfo> reasonSets;
  std::vector<PipelineInfo> pipelines;
  std::vector<RuleInfo> rules;
  std::vector<const ast::TestDecl*> tests;
  std::unordered_map<const ast::Expr*, ExprInfo> exprs;

  // name → index, one table per kind
  std::map<std::string, int, std::less<>> fieldIndex, userIndex, teamIndex, templateIndex, formIndex, integrationIndex,
      eventIndex, taskTypeIndex, channelIndex, reasonSetIndex, pipelineIndex, calendarIndex, enumIndex;

  static int lookup(const std::map<std::string, int, std::less<>>& table, std::string_view name);
  const ExprInfo* info(const ast::Expr* e) const;
};

}  // namespace voronka::check
