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

#include "runtime/bytecode/opcodes.h"
#include "runtime/bytecode/value.h"

namespace voronka::bc {

inline constexpr int32_t kNo = -1;  // "none" for an index

// A constant: a Value whose text, if any, is a string of the pool.
struct Constant {
  Tag tag = Tag::None;
  uint16_t aux = 0;
  int64_t i = 0;     // integers, dates, times, enum members, users, bools
  double num = 0;    // numbers
  int32_t str = kNo; // texts
};

// Static types of fields and payload fields, as the checker knew them.
enum class ValueType : uint8_t { Number, Money, Text, Bool, Date, DateTime, Duration, Time, Url, Email, Phone, Enum, User, Tags };

struct FieldDef {
  int32_t name = kNo;   // string
  int32_t title = kNo;  // string
  ValueType type = ValueType::Text;
  int32_t enumId = kNo;
  int32_t defaultValue = kNo;  // constant
};

struct EnumDef {
  int32_t owner = kNo;                 // string: the field that declares it
  std::vector<int32_t> members;        // strings
  std::vector<int32_t> titles;         // strings
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

enum class TemplateKind : uint8_t { Email, Message, Sms };

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
  int32_t url = kNo;  // function returning text, or kNo (then the runtime configuration gives it)
  std::vector<int32_t> answers;  // events
};

// Built-in events, in the order of compiler/check (BuiltinEvent).
enum class EventKind : uint8_t {
  Enter, Create, Leave, EmailOpened, LinkClicked, EmailReceived, CallIncoming, CallMissed, CallOutgoing,
  FormSubmitted, ChatMessage, TaskCompleted, TaskOverdue, PaymentReceived, FieldChanged,
  ResponsibleChanged, TagAdded, TagRemoved, ManualMove, Custom,
};

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

enum class StageKind : uint8_t { Working, Won, Lost };

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

// A rule of one pipeline: a top-level rule of the program is lowered once
// per pipeline, so its stage names resolve to that pipeline's stages.
struct RuleDef {
  int32_t pipeline = kNo;
  int32_t stage = kNo;     // kNo: every stage of the pipeline
  int32_t event = kNo;     // kNo: a timed rule, anchored at the stage entry
  int32_t arg = kNo;       // the filter argument: an index of its kind, or a string for tags
  int32_t fromStage = kNo; // `on enter from X`
  bool once = false;
  bool trigger = false;    // runs on a client/system event at once: its moves are trigger moves
  int32_t when = kNo;      // function returning bool
  TimingKind timing = TimingKind::None;
  int64_t delaySeconds = 0;   // after, every
  int32_t delayWorkdays = 0;  // after N workdays
  int32_t atMinutes = kNo;    // after D at HH:MM
  int32_t at = kNo;           // at EXPR: function returning a datetime or date
  std::vector<int32_t> atFields;  // fields the `at` expression reads: a change reschedules
  int32_t whileCondition = kNo;   // every D while COND
  int32_t unlessEvent = kNo;
  int32_t unlessArg = kNo;
  bool withinWorkhours = false;
  int32_t body = kNo;  // function (an action block)
  int32_t line = 0;    // where the rule starts
  int32_t file = kNo;  // string: the source file
};

enum class ActionKind : uint8_t {
  Move, Win, Lose, Task, CompleteTasks, Email, Message, Sms, Webhook, Request, Analytics,
  Tag, Set, Assign, CreateDeal, Questionnaire, Note, Notify, Then, Split,
};

enum class TaskFilter : uint8_t { Any, All, Overdue, Today, Tomorrow };
enum class AssignMode : uint8_t { None, User, RoundRobin, LeastBusy };
enum class Recipient : uint8_t { Responsible, User, Team };
// What `set` writes: a field, or one of the deal's own properties.
enum class SetTarget : uint8_t { Field, DealName, ContactName, ContactEmail, ContactPhone, CompanyName };

// One action with its static operands. Dynamic operands (texts with
// interpolation, computed values) are in registers R[A]… of the `Act`
// instruction, in the order given per kind below.
struct ActionDesc {
  ActionKind kind = ActionKind::Move;
  // Move: target stage (pipeline/stage), or isNext.
  int32_t pipeline = kNo;
  int32_t stage = kNo;
  bool isNext = false;
  // Lose: reason (string). CompleteTasks: comment. Tag: the tag. Analytics: the event name.
  int32_t text = kNo;
  // Task: type (task type, kNo = none); R[A] = text, R[A+1] = at (when hasAt).
  int32_t taskType = kNo;
  int64_t dueSeconds = 0;
  int32_t dueWorkdays = 0;
  bool hasAt = false;
  int32_t user = kNo;  // task `to`, email `from`, assign/notify user
  bool withinWorkhours = false;
  TaskFilter filter = TaskFilter::Any;
  // Email/Message/Sms: template (Sms with a text: kNo, R[A] = text). Message: channel.
  int32_t templ = kNo;
  int32_t channel = kNo;
  // Webhook: R[A] = url, R[A+1…] = body values. Request: integration, R[A…] = body values.
  int32_t integration = kNo;
  std::vector<int32_t> keys;  // strings: body keys
  // Analytics: R[A] = label when hasLabel.
  bool hasLabel = false;
  // Tag: add or remove.
  bool add = true;
  // Set: R[A] = value.
  SetTarget setTarget = SetTarget::Field;
  int32_t field = kNo;  // Set, Questionnaire
  // Assign / CreateDeal's assign.
  AssignMode assign = AssignMode::None;
  int32_t team = kNo;
  // CreateDeal: pipeline, stage (kNo = initial), copied fields.
  std::vector<int32_t> copy;
  // Questionnaire: form, field.
  int32_t form = kNo;
  // Notify: recipient; R[A] = text. Note: R[A] = text.
  Recipient recipient = Recipient::Responsible;
  // Then: delay, body function, the next `then` of the same block.
  int32_t function = kNo;
  int32_t next = kNo;
  // Split: share in percent, and the split's stable site number.
  double percent = 0;
  int32_t site = 0;
  int32_t line = 0;  // where the action is written
};

enum class FunctionKind : uint8_t { Expression, Block };

struct Function {
  FunctionKind kind = FunctionKind::Expression;
  uint8_t registers = 0;
  int32_t name = kNo;                // string, for the disassembler ("rule retail.collect#2")
  std::vector<uint32_t> code;
  std::vector<int32_t> lines;        // source line of each instruction
  int32_t file = kNo;                // string
  int32_t eventParams = kNo;         // event whose payload `Payload` reads (kNo: none)
};

struct Module {
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

  const std::string& str(int32_t index) const;
  int32_t findString(std::string_view s) const;
};

}  // namespace voronka::bc
