// A compiled funnel program: what `voronka build` writes to a .funnelc file
// and the engine runs. Everything is indexes into flat tables, so the loader
// can verify every reference before anything runs (verifier.h).
//
// Built by compiler/lower from a checked program; read by runtime/vm and
// runtime/engine. The file format is in container.h.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/language/actions.h"
#include "common/language/events.h"
#include "common/language/kinds.h"
#include "runtime/bytecode/opcodes.h"
#include "runtime/bytecode/value.h"

namespace voronka::bc {

inline constexpr int32_t kNo = -1;  // "none" for an index

// A constant: a Value whose text, if any, is a string of the pool.
struct Constant {
  Tag tag = Tag::None;
  uint16_t aux = 0;
  int64_t i = 0;      // integers, dates, times, enum members, users, bools
  double num = 0;     // numbers
  int32_t str = kNo;  // texts
};

// Static types of fields and payload fields, as the checker knew them.
enum class ValueType : uint8_t {
  Number,
  Money,
  Text,
  Bool,
  Date,
  DateTime,
  Duration,
  Time,
  Url,
  Email,
  Phone,
  Enum,
  User,
  Tags,
  Stage  // a stage of some pipeline, "pipeline.stage" in JSON (move_rejected's `stage`)
};

struct FieldDef {
  int32_t name = kNo;   // string
  int32_t title = kNo;  // string
  ValueType type = ValueType::Text;
  int32_t enumId = kNo;
  int32_t defaultValue = kNo;  // constant
};

struct EnumDef {
  int32_t owner = kNo;           // string: the field that declares it
  std::vector<int32_t> members;  // strings
  std::vector<int32_t> titles;   // strings
};

struct UserDef {
  int32_t name = kNo;
  int32_t title = kNo;
};

struct TeamDef {
  int32_t name = kNo;
  int32_t title = kNo;
  std::vector<int32_t> members;  // users, in the order written (round robin order)
};

using lang::TemplateKind;  // common/language/kinds.def

struct TemplateDef {
  int32_t name = kNo;
  TemplateKind kind = TemplateKind::Email;
  int32_t subject = kNo;  // function returning text (the title, or `subject` when given)
  int32_t body = kNo;     // function returning text
};

struct FormDef {
  int32_t name = kNo;
  int32_t title = kNo;
  std::vector<int32_t> fields;  // fields the form fills
};

struct IntegrationDef {
  int32_t name = kNo;
  int32_t url = kNo;             // function returning text, or kNo (then the runtime configuration gives it)
  std::vector<int32_t> answers;  // events
};

// Built-in events (and Custom for declared ones): common/language/events.def.
using lang::EventKind;

// What an event's filter argument names.
enum class ArgKind : uint8_t { None, Template, Form, Channel, TaskType, Field, Tag };

struct EventParam {
  int32_t name = kNo;
  ValueType type = ValueType::Text;
  int32_t enumId = kNo;
};

struct EventDef {
  int32_t name = kNo;
  EventKind kind = EventKind::Custom;
  ArgKind arg = ArgKind::None;
  bool lifecycle = false;  // enter, create, leave: raised by the engine
  std::vector<EventParam> params;
};

struct NamedDef {  // task types, channels
  int32_t name = kNo;
  int32_t title = kNo;
};

// A calendar: working windows per weekday (0 = Monday) in minutes since
// midnight, holidays as inclusive day ranges (days since 1970).
struct CalendarDef {
  int32_t name = kNo;
  int32_t timezone = kNo;
  std::array<std::vector<std::pair<int32_t, int32_t>>, 7> windows;
  std::vector<std::pair<int32_t, int32_t>> holidays;
  int32_t currency = kNo;
};

using lang::StageKind;  // common/language/kinds.def

struct GuardDef {
  int32_t condition = kNo;  // function returning bool
  int32_t message = kNo;    // string
};

struct StageDef {
  int32_t name = kNo;
  int32_t title = kNo;
  StageKind kind = StageKind::Working;
  bool key = false;
  std::vector<GuardDef> guards;
  // Rules that apply in this stage, in the order they fire: the stage's own,
  // then the pipeline's, then the program's top-level ones.
  std::vector<int32_t> rules;
};

struct PipelineDef {
  int32_t name = kNo;
  int32_t title = kNo;
  std::vector<StageDef> stages;  // working stages, then won, then lost
  int32_t initial = kNo;
  int32_t won = kNo;
  int32_t lost = kNo;
  bool manualForward = true;
  bool manualBackward = true;
  bool triggersForward = true;
  bool triggersBackward = false;
  int32_t calendar = 0;
  std::vector<int32_t> reasons;  // strings
  int32_t otherReason = kNo;     // index into reasons
};

enum class TimingKind : uint8_t { None, After, At, Every };

// `within workhours [later|earlier]`: a time outside working hours moves to
// the next working moment, or to the latest working minute at or before it.
enum class WorkhoursShift : uint8_t { None, Later, Earlier };

// A rule of one pipeline: a top-level rule of the program is lowered once
// per pipeline, so its stage names resolve to that pipeline's stages.
struct RuleDef {
  int32_t pipeline = kNo;
  int32_t stage = kNo;      // kNo: every stage of the pipeline
  int32_t event = kNo;      // kNo: a timed rule, anchored at the stage entry
  int32_t arg = kNo;        // the filter argument: an index of its kind, or a string for tags
  int32_t fromStage = kNo;  // `on enter from X`
  bool once = false;
  bool trigger = false;  // runs on a client/system event at once: its moves are trigger moves
  int32_t when = kNo;    // function returning bool
  TimingKind timing = TimingKind::None;
  int64_t delaySeconds = 0;       // after, every
  int32_t delayWorkdays = 0;      // after N workdays
  int32_t atMinutes = kNo;        // after D at HH:MM
  int32_t at = kNo;               // at EXPR: function returning a datetime or date
  std::vector<int32_t> atFields;  // fields the `at` expression reads: a change reschedules
  int32_t whileCondition = kNo;   // every D while COND
  int32_t unlessEvent = kNo;
  int32_t unlessArg = kNo;
  WorkhoursShift workhours = WorkhoursShift::None;
  bool lateSkip = false;  // at EXPR … late skip: a moment already past is not run
  int32_t body = kNo;     // function (an action block)
  int32_t line = 0;       // where the rule starts
  int32_t file = kNo;     // string: the source file
};

// Action kinds, and what each one's descriptor carries: common/language/actions.def.
using lang::ActionKind;
using lang::TaskFilter;  // common/language/kinds.def
enum class AssignMode : uint8_t { None, User, RoundRobin, LeastBusy };
enum class Recipient : uint8_t { Responsible, User, Team };
// What `set` writes: a field, or one of the deal's own properties.
enum class SetTarget : uint8_t { Field, DealName, ContactName, ContactEmail, ContactPhone, CompanyName };

// One action with its static operands. Which members a kind uses is its
// operand list in common/language/actions.def; action_operands.def says which
// members each operand is (in brackets below), and action_operands.cpp is the
// one place that verifies and shows them. Dynamic operands (texts with
// interpolation, computed values) are in registers R[A]… of the `Act`
// instruction, in the order of the operand list.
struct ActionDesc {
  ActionKind kind = ActionKind::Move;
  int32_t pipeline = kNo;                           // [Target, CreateIn]
  int32_t stage = kNo;                              // [Target, CreateIn]: kNo in CreateIn = the initial stage
  bool isNext = false;                              // [Target]
  int32_t text = kNo;                               // [Text, Comment, TagChange]: a string
  int32_t taskType = kNo;                           // [TaskType]
  int64_t dueSeconds = 0;                           // [Due, ThenChain]
  int32_t dueWorkdays = 0;                          // [Due, ThenChain]
  bool hasAt = false;                               // [AtRegister]
  int32_t user = kNo;                               // [ToUser, FromUser, Assignee, AssignClause, Recipient]
  WorkhoursShift workhours = WorkhoursShift::None;  // [Workhours]
  TaskFilter filter = TaskFilter::Unspecified;      // [Filter]
  int32_t templ = kNo;                              // [Template, TemplateOrText]
  int32_t channel = kNo;                            // [ViaChannel]
  int32_t integration = kNo;                        // [Integration]
  std::vector<int32_t> keys;                        // [Body]: strings, one register per key
  bool hasLabel = false;                            // [Label]
  bool add = true;                                  // [TagChange]
  SetTarget setTarget = SetTarget::Field;           // [SetTarget]
  int32_t field = kNo;                              // [SetTarget, IntoField]
  AssignMode assign = AssignMode::None;             // [Assignee, AssignClause]
  int32_t team = kNo;                               // [Assignee, AssignClause, Recipient]
  std::vector<int32_t> copy;                        // [Copy]: fields
  int32_t form = kNo;                               // [Form]
  Recipient recipient = Recipient::Responsible;     // [Recipient]
  int32_t function = kNo;                           // [ThenChain]: the block
  int32_t next = kNo;                               // [ThenChain]: the next `then` of the same block
  double percent = 0;                               // [Percent]: the first share
  int32_t site = 0;                                 // [Percent]: the split's stable site number
  int32_t line = 0;                                 // where the action is written
};

enum class FunctionKind : uint8_t { Expression, Block };

struct Function {
  FunctionKind kind = FunctionKind::Expression;
  uint8_t registers = 0;
  int32_t name = kNo;  // string, for the disassembler ("rule retail.collect#2")
  std::vector<uint32_t> code;
  std::vector<int32_t> lines;  // source line of each instruction
  int32_t file = kNo;          // string
  int32_t eventParams = kNo;   // event whose payload `Payload` reads (kNo: none)
};

struct Module {
  lang::Language language = lang::Language::Ru;  // of the texts the runtime writes for managers
  std::vector<std::string> strings;
  std::vector<Constant> constants;
  std::vector<Function> functions;
  std::vector<FieldDef> fields;
  std::vector<EnumDef> enums;
  std::vector<UserDef> users;
  std::vector<TeamDef> teams;
  std::vector<TemplateDef> templates;
  std::vector<FormDef> forms;
  std::vector<IntegrationDef> integrations;
  std::vector<EventDef> events;
  std::vector<NamedDef> taskTypes;
  std::vector<NamedDef> channels;
  std::vector<CalendarDef> calendars;  // [0] is the account's
  std::vector<PipelineDef> pipelines;
  std::vector<RuleDef> rules;
  std::vector<ActionDesc> actions;

  // The string at `index`, empty for one out of range (kNo). Inline: the
  // engine reads names and texts by it several times an event.
  const std::string& str(int32_t index) const {
    return static_cast<size_t>(index) < strings.size() ? strings[static_cast<size_t>(index)] : noString();
  }
  int32_t findString(std::string_view s) const;

 private:
  static const std::string& noString();  // str()'s empty answer
};

}  // namespace voronka::bc
