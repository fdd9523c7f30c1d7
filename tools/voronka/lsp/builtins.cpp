#include "tools/voronka/lsp/builtins.h"

#include <fmt/format.h>

#include "common/language/events.h"
#include "compiler/check/types.h"

namespace voronka::lsp {

namespace {

struct Described {
  std::string_view name;
  std::string_view doc;
};

// When each built-in event happens (docs/language.md §6.3). An event missing
// here still gets its filter and payload from events.def.
constexpr Described kEventWhen[] = {
    {"enter", "the deal enters the stage (created here, moved here by hand or by a rule)"},
    {"create", "the deal is created directly in this stage (not moved here); `create` rules run before `enter` rules"},
    {"leave", "the deal leaves the stage"},
    {"email_opened", "the client opened a letter"},
    {"link_clicked", "the client followed a link from a letter or message"},
    {"email_received", "a letter from the client arrived"},
    {"call_incoming", "an incoming call"},
    {"call_missed", "a missed call"},
    {"call_outgoing", "a manager called the client"},
    {"form_submitted", "the client submitted a questionnaire"},
    {"chat_message", "a message from the client in a chat"},
    {"task_completed", "a task of the deal was completed"},
    {"task_overdue", "a task of the deal became overdue"},
    {"payment_received", "a payment arrived"},
    {"field_changed", "a field was changed"},
    {"responsible_changed", "the responsible manager changed"},
    {"tag_added", "a tag was added"},
    {"tag_removed", "a tag was removed"},
    {"manual_move", "a manager moved the deal by hand"},
    {"move_rejected", "a `require` guard or a pipeline policy refused to move the deal (by hand or by a rule)"},
};

// What each payload field holds, where more than its type is worth saying.
constexpr Described kPayloadDocs[] = {
    {"move_rejected.stage", "the refused stage: compare it with a stage as `deal.stage` is; a text shows its title"},
    {"move_rejected.reason", "why, in the account's language"},
};

std::string filterOf(lang::EventArg arg) {
  switch (arg) {
    case lang::EventArg::None: return "";
    case lang::EventArg::EmailTemplate: return "an email template";
    case lang::EventArg::AnyTemplate: return "a template of any kind";
    case lang::EventArg::Form: return "a form";
    case lang::EventArg::Channel: return "a channel";
    case lang::EventArg::TaskType: return "a task type";
    case lang::EventArg::Field: return "a field";
    case lang::EventArg::Tag: return "a tag, in quotes: `(\"VIP\")`";
  }
  return "";
}

std::string filterName(lang::EventArg arg) {
  switch (arg) {
    case lang::EventArg::None: return "";
    case lang::EventArg::EmailTemplate: return "template";
    case lang::EventArg::AnyTemplate: return "template";
    case lang::EventArg::Form: return "form";
    case lang::EventArg::Channel: return "channel";
    case lang::EventArg::TaskType: return "task_type";
    case lang::EventArg::Field: return "field";
    case lang::EventArg::Tag: return "\"tag\"";
  }
  return "";
}

struct PayloadParam {
  std::string_view name;
  check::TypeKind type;
};
struct EventPayload {
  std::string_view event;
  std::vector<PayloadParam> params;
};

const std::vector<EventPayload>& payloads() {
#define PARAM(N, T) \
  PayloadParam { #N, check::TypeKind::T }
#define EVENT(Name, Text, Arg, Presence, Origin, ...) EventPayload{Text, {__VA_ARGS__}},
  static const std::vector<EventPayload> table = {
#include "common/language/events.def"
  };
#undef EVENT
#undef PARAM
  return table;
}

std::string_view lookup(const Described* begin, const Described* end, std::string_view name) {
  for (const Described* d = begin; d != end; ++d) {
    if (d->name == name) return d->doc;
  }
  return {};
}

// The standard functions: parameter names and meanings (docs/language.md §8.9).
// The names come from stdlib/functions.def; a function missing here is shown
// with its name only.
struct FunctionWords {
  std::string_view name;
  std::vector<ParameterDoc> params;
  std::string_view result;
  std::string_view doc;
};

const std::vector<FunctionWords>& functionWords() {
  static const std::vector<FunctionWords> table = {
      {"lower", {{"t: text", "a text, url, email or phone"}}, "text", "`t` in lowercase"},
      {"upper", {{"t: text", "a text, url, email or phone"}}, "text", "`t` in uppercase"},
      {"contains",
       {{"t: text", "the text to search in"}, {"part: text", "the text to look for"}},
       "bool",
       "whether `part` occurs in `t`"},
      {"len", {{"x: text | tags", "a text or a set of tags"}}, "number", "the characters of a text, the tags in a set"},
      {"round",
       {{"x: number | money", "the value to round"}, {"digits?: number", "digits after the point (0 if left out)"}},
       "type of x",
       "`x` rounded, of `x`'s type"},
      {"min",
       {{"a: number | money | date | datetime | duration | time", "a value"},
        {"b: same as a", "a value of `a`'s kind"}},
       "type of a",
       "the smaller of `a` and `b`"},
      {"max",
       {{"a: number | money | date | datetime | duration | time", "a value"},
        {"b: same as a", "a value of `a`'s kind"}},
       "type of a",
       "the larger of `a` and `b`"},
      {"days_between",
       {{"a: date | datetime", "from"}, {"b: date | datetime", "to"}},
       "number",
       "the number of days from `a` to `b`"},
      {"workdays_between",
       {{"a: date | datetime", "from"}, {"b: date | datetime", "to"}},
       "number",
       "the number of working days from `a` to `b` (negative when `b` is earlier), on the calendar of the account or "
       "the pipeline"},
      {"add_workdays",
       {{"d: date | datetime", "the day to start from"}, {"n: number", "working days to move (back for a negative n)"}},
       "type of d",
       "`d` moved by `n` working days, on the calendar of the account or the pipeline"},
      {"is_workday",
       {{"d: date | datetime", "the day"}},
       "bool",
       "whether `d` is a working day of the calendar of the account or the pipeline"},
  };
  return table;
}

constexpr const char* kFunctionNames[] = {
#define FUNCTION(Id, Name, ...) Name,
#include "stdlib/functions.def"
#undef FUNCTION
};

constexpr Described kDealMembers[] = {
    {"name", "`text`: the deal's name"},
    {"id", "`text`: the deal's id"},
    {"created_at", "`datetime`: when the deal was created"},
    {"responsible", "`user`: the responsible manager"},
    {"tags", "`tags`: the deal's tags"},
    {"stage", "`stage`: where the deal is; compare it with `pipeline.stage` or a stage of this pipeline"},
    {"previous_stage", "`stage`: where the deal was before; `none` until it first moves"},
    {"pipeline", "`pipeline`: the pipeline the deal is in"},
    {"lost_reason", "`text`: the title of the loss reason; `none` unless the deal is lost"},
};
constexpr Described kContactMembers[] = {
    {"name", "`text`: the contact's name"},
    {"email", "`email`: the contact's e-mail address"},
    {"phone", "`phone`: the contact's phone number"},
};
constexpr Described kCompanyMembers[] = {{"name", "`text`: the company's name"}};
constexpr Described kValues[] = {
    {"now", "`datetime`: the current moment"},
    {"today", "`date`: the current day"},
    {"time_in_stage", "`duration`: how long the deal has been in its stage"},
    {"open_tasks", "`number`: the deal's open tasks"},
    {"overdue_tasks", "`number`: the deal's overdue tasks"},
};

template <size_t N>
std::string_view find(const Described (&table)[N], std::string_view name) {
  return lookup(std::begin(table), std::end(table), name);
}

template <size_t N>
std::string memberList(std::string_view base, const Described (&table)[N]) {
  std::string out;
  for (const Described& d : table) out += fmt::format("\n- `{}.{}` — {}", base, d.name, d.doc);
  return out;
}

}  // namespace

std::string SignatureDoc::label() const {
  std::string out = name + "(";
  for (size_t i = 0; i < parameters.size(); ++i) out += (i ? ", " : "") + parameters[i].label;
  out += ")";
  if (!result.empty()) out += " -> " + result;
  return out;
}

std::string EventDoc::markdown() const {
  std::string out =
      fmt::format("```funnel\non {}{}\n```\n\n**built-in event**{} — {}", name, filter.empty() ? "" : "(…)",
                  lifecycle ? " (lifecycle: raised by the engine)" : "", when);
  if (filter.empty()) {
    out += "\n\nTakes no filter.";
  } else {
    out += fmt::format("\n\nFilter: {}{}.", filter, filterRequired ? " — **required**" : " (optional)");
  }
  if (!payload.empty()) {
    out += "\n\nPayload (in scope in the rule):";
    for (const ParameterDoc& p : payload) out += fmt::format("\n- `{}`{}", p.label, p.doc.empty() ? "" : " — " + p.doc);
  }
  return out;
}

SignatureDoc EventDoc::signature() const {
  SignatureDoc s;
  s.name = name;
  s.doc = when;
  if (!filter.empty()) {
    s.parameters.push_back({filterParam, filter + (filterRequired ? " (required)" : " (optional)")});
  }
  return s;
}

std::optional<EventDoc> builtinEvent(std::string_view name) {
  std::optional<lang::EventKind> kind = lang::builtinEventNamed(name);
  if (!kind) return std::nullopt;
  const lang::EventInfo& info = lang::eventInfo(*kind);
  EventDoc doc;
  doc.name = std::string(info.name);
  doc.when = std::string(find(kEventWhen, name));
  doc.filter = filterOf(info.arg);
  doc.filterRequired = info.argPresence == lang::ArgPresence::Required;
  doc.lifecycle = info.lifecycle();
  doc.filterParam = filterName(info.arg);
  for (const EventPayload& e : payloads()) {
    if (e.event != name) continue;
    for (const PayloadParam& p : e.params) {
      std::string key = fmt::format("{}.{}", name, p.name);
      doc.payload.push_back(
          {fmt::format("{}: {}", p.name, check::typeKindName(p.type)), std::string(find(kPayloadDocs, key))});
    }
  }
  return doc;
}

bool isBuiltinPayloadName(std::string_view name) {
  for (const EventPayload& e : payloads()) {
    for (const PayloadParam& p : e.params) {
      if (p.name == name) return true;
    }
  }
  return false;
}

std::optional<SignatureDoc> standardFunction(std::string_view name) {
  bool known = false;
  for (const char* f : kFunctionNames) known = known || name == f;
  if (!known) return std::nullopt;
  SignatureDoc s;
  s.name = std::string(name);
  for (const FunctionWords& w : functionWords()) {
    if (w.name != name) continue;
    s.parameters = w.params;
    s.result = std::string(w.result);
    s.doc = std::string(w.doc);
  }
  return s;
}

std::optional<std::string> builtinMember(std::string_view base, std::string_view member) {
  std::string_view doc = base == "deal"      ? find(kDealMembers, member)
                         : base == "contact" ? find(kContactMembers, member)
                         : base == "company" ? find(kCompanyMembers, member)
                                             : std::string_view{};
  if (doc.empty()) return std::nullopt;
  return fmt::format("```funnel\n{}.{}\n```\n\n**built-in** — {}", base, member, doc);
}

std::optional<std::string> builtinObject(std::string_view name) {
  if (name == "deal") {
    return "```funnel\ndeal\n```\n\n**the deal**: `deal.FIELD` reads a declared field; built-in members:" +
           memberList("deal", kDealMembers);
  }
  if (name == "contact")
    return "```funnel\ncontact\n```\n\n**the deal's contact**:" + memberList("contact", kContactMembers);
  if (name == "company")
    return "```funnel\ncompany\n```\n\n**the deal's company**:" + memberList("company", kCompanyMembers);
  return std::nullopt;
}

std::optional<std::string> builtinValue(std::string_view name) {
  std::string_view doc = find(kValues, name);
  if (doc.empty()) return std::nullopt;
  return fmt::format("```funnel\n{}\n```\n\n**built-in value** — {}", name, doc);
}

}  // namespace voronka::lsp
