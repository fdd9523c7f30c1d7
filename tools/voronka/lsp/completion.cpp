// Completion: what may stand at the cursor, judged from the words before it
// on its line — stage names after `->` and `move`, fields after `deal.`,
// templates after `email`, teams in `round_robin(`… — and otherwise the
// keywords, fields and built-in names.
#include <fmt/format.h>

#include <set>

#include "common/language/events.h"
#include "common/language/kinds.h"
#include "compiler/parse/parse.h"
#include "tools/voronka/lsp/server.h"

namespace voronka::lsp {

namespace {

using index::SymbolKind;

// LSP CompletionItemKind numbers.
enum Kind {
  Function = 3,
  Field = 5,
  Variable = 6,
  Class = 7,
  Module = 9,
  Property = 10,
  Value = 12,
  Keyword = 14,
  Reference = 18,
  EnumKind = 13,
  EnumMember = 20,
  Constant = 21,
  Struct = 22,
  Event = 23
};

int completionKind(SymbolKind k) {
  switch (k) {
    case SymbolKind::Pipeline: return Class;
    case SymbolKind::Stage: return EnumMember;
    case SymbolKind::Field: return Field;
    case SymbolKind::EnumMember: return EnumMember;
    case SymbolKind::Template: return Reference;
    case SymbolKind::Form: return Struct;
    case SymbolKind::Team: return Module;
    case SymbolKind::User: return Variable;
    case SymbolKind::Event: return Event;
    case SymbolKind::Payload: return Property;
    case SymbolKind::Enum: return EnumKind;
    default: return Value;
  }
}

// The names the checker knows without a declaration (compiler/check/expressions.cpp);
// built-in events and task types are common/language's tables.
constexpr const char* kBuiltinValues[] = {"now", "today", "time_in_stage", "overdue_tasks", "open_tasks"};
constexpr const char* kDealMembers[] = {"name",  "id",       "created_at",     "responsible", "tags",
                                        "stage", "pipeline", "previous_stage", "lost_reason"};
// The types a field or an event parameter may have, besides named enums and `enum { … }`.
constexpr const char* kBuiltinTypes[] = {"number",   "money", "text",  "bool",  "date", "datetime",
                                         "duration", "url",   "email", "phone", "user", "tags"};
constexpr const char* kContactMembers[] = {"name", "email", "phone"};
constexpr const char* kFunctions[] = {
#define FUNCTION(Id, Name, ...) Name,
#include "stdlib/functions.def"
#undef FUNCTION
};

bool isNameChar(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

// The last word of `s` (after trailing spaces), or empty.
std::string_view lastWord(std::string_view s) {
  size_t end = s.size();
  while (end > 0 && s[end - 1] == ' ') --end;
  size_t start = end;
  while (start > 0 && isNameChar(static_cast<unsigned char>(s[start - 1]))) --start;
  return s.substr(start, end - start);
}

// The first word of `s` (after leading spaces), or empty.
std::string_view firstWord(std::string_view s) {
  size_t start = 0;
  while (start < s.size() && (s[start] == ' ' || s[start] == '\t')) ++start;
  size_t end = start;
  while (end < s.size() && isNameChar(static_cast<unsigned char>(s[end]))) ++end;
  return s.substr(start, end - start);
}

std::string_view rtrim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

class Items {
 public:
  // `replace`: the range of the word typed so far; every item's textEdit
  // replaces it, so a client need not guess the word (VS Code's guess
  // follows its wordPattern, and `deal.bud` + `budget` became `budbudget`).
  explicit Items(Json replace) : replace_(std::move(replace)) {}
  void add(std::string label, int kind, std::string detail = {}, std::string doc = {}) {
    if (label.empty() || !seen_.insert(label + "\x1f" + std::to_string(kind)).second) return;
    Json item{{"label", label}, {"kind", kind}, {"textEdit", {{"range", replace_}, {"newText", label}}}};
    if (!detail.empty()) item["detail"] = detail;
    if (!doc.empty()) item["documentation"] = doc;
    // Declared names before keywords.
    item["sortText"] = fmt::format("{}{}", kind == Keyword ? "2" : "1", label);
    items_.push_back(std::move(item));
  }
  void symbols(const index::Index& index, SymbolKind kind, std::string_view container = {}) {
    for (int i : index.all(kind)) {
      const index::Symbol& s = index.symbols[i];
      if (!container.empty() && s.container != container) continue;
      add(s.name, completionKind(kind), s.detail, s.title);
    }
  }
  Json result() { return Json{{"isIncomplete", false}, {"items", std::move(items_)}}; }

 private:
  Json replace_;
  Json items_ = Json::array();
  std::set<std::string> seen_;
};

void builtinTaskTypes(Items& items) {
  for (const lang::BuiltinTaskType& t : lang::kBuiltinTaskTypes) items.add(std::string(t.name), Value, "task type");
}

// What may stand in `on event(…)`: what the event's argument names (events.def).
void eventArgument(Items& items, const index::Index& idx, lang::EventArg arg) {
  switch (arg) {
    case lang::EventArg::EmailTemplate:
    case lang::EventArg::AnyTemplate: items.symbols(idx, SymbolKind::Template); break;
    case lang::EventArg::Form: items.symbols(idx, SymbolKind::Form); break;
    case lang::EventArg::Channel: items.symbols(idx, SymbolKind::Channel); break;
    case lang::EventArg::TaskType:
      builtinTaskTypes(items);
      items.symbols(idx, SymbolKind::TaskType);
      break;
    case lang::EventArg::Field:
    case lang::EventArg::Tag:  // a tag is a string: fields are what is left to offer
    case lang::EventArg::None: items.symbols(idx, SymbolKind::Field); break;
  }
}

}  // namespace

Json Server::completion(const Json& params) {
  At a = at(params);
  const index::Index& idx = a.analysis->index;
  std::string_view text = a.source->text();
  size_t lineStart = text.rfind('\n', a.offset == 0 ? 0 : a.offset - 1);
  lineStart = (lineStart == std::string_view::npos || a.offset == 0) ? 0 : lineStart + 1;
  std::string_view line = text.substr(lineStart, a.offset - lineStart);
  // The word being typed, and what stands before it.
  size_t wordStart = line.size();
  while (wordStart > 0 && isNameChar(static_cast<unsigned char>(line[wordStart - 1]))) --wordStart;
  std::string_view before = rtrim(line.substr(0, wordStart));
  std::string_view previous = lastWord(before);

  // The pipeline around the cursor: stage names resolve in it.
  std::string pipeline;
  for (int i : idx.all(SymbolKind::Pipeline)) {
    const index::Symbol& p = idx.symbols[i];
    if (p.declRange.file == a.file && p.declRange.begin <= a.offset &&
        (a.offset <= p.declRange.end || pipeline.empty())) {
      pipeline = p.name;
    }
  }

  Items items(
      rangeJson(*a.source, SourceRange{a.file, static_cast<uint32_t>(lineStart + wordStart), a.offset}, encoding_));
  auto stages = [&](std::string_view inPipeline) { items.symbols(idx, SymbolKind::Stage, inPipeline); };
  auto events = [&] {
    if (a.analysis->program) {
      for (const auto& e : a.analysis->program->events) items.add(e.name, Event);
    } else {
      for (const lang::EventInfo& e : lang::kBuiltinEvents) items.add(std::string(e.name), Event);
    }
    items.symbols(idx, SymbolKind::Event);
  };

  // `pipeline.` in a move target or `deal.` / `contact.` in an expression.
  if (!before.empty() && before.back() == '.') {
    std::string_view head = lastWord(before.substr(0, before.size() - 1));
    if (head == "deal") {
      items.symbols(idx, SymbolKind::Field);
      for (const char* m : kDealMembers) items.add(m, Property, "built-in");
    } else if (head == "contact") {
      for (const char* m : kContactMembers) items.add(m, Property, "built-in");
    } else if (head == "company") {
      items.add("name", Property, "built-in");
    } else if (idx.find(SymbolKind::Pipeline, head) >= 0) {
      stages(head);
    } else if (idx.find(SymbolKind::Enum, head) >= 0) {
      items.symbols(idx, SymbolKind::EnumMember, head);  // `level.beginner`
    } else {
      items.symbols(idx, SymbolKind::Field);  // a test deal: `set d.budget`
    }
    return items.result();
  }
  // `field NAME: |` and `event NAME(PARAM: |`: a type.
  std::string_view declaration = firstWord(line);
  if (!before.empty() && before.back() == ':' && (declaration == "field" || declaration == "event") &&
      before.find("with") == std::string_view::npos) {
    for (const char* t : kBuiltinTypes) items.add(t, Keyword, "type");
    items.add("enum", Keyword, "enum { a \"A\", b \"B\" }: a type of its own");
    items.symbols(idx, SymbolKind::Enum);
    return items.result();
  }
  if (before.size() >= 2 && before.substr(before.size() - 2) == "->") {
    if (rtrim(before.substr(0, before.size() - 2)).find("questionnaire") != std::string_view::npos) {
      items.symbols(idx, SymbolKind::Field);
      return items.result();
    }
    stages(pipeline);
    items.add("next", Keyword, "the next working stage");
    items.symbols(idx, SymbolKind::Pipeline);
    return items.result();
  }
  if (!before.empty() && before.back() == '(') {
    std::string_view callee = lastWord(before.substr(0, before.size() - 1));
    if (callee == "round_robin" || callee == "least_busy") {
      items.symbols(idx, SymbolKind::Team);
    } else if (std::optional<lang::EventKind> event = lang::builtinEventNamed(callee)) {
      eventArgument(items, idx, lang::eventInfo(*event).arg);
    } else {
      items.symbols(idx, SymbolKind::Field);
    }
    return items.result();
  }
  if (previous == "move" ||
      (previous == "stage" && lastWord(rtrim(before.substr(0, before.size() - previous.size()))) == "expect") ||
      previous == "from") {
    stages(pipeline);
    if (previous == "move") items.add("next", Keyword, "the next working stage");
    if (previous == "from") items.symbols(idx, SymbolKind::User);  // `email x from USER`
    return items.result();
  }
  if (previous == "email" || previous == "message" || previous == "sms") {
    std::string_view first = lastWord(before.substr(0, before.find(previous)));
    if (first != "template") {  // `template email NAME` declares one
      items.symbols(idx, SymbolKind::Template);
      return items.result();
    }
  }
  if (previous == "assign") {
    items.symbols(idx, SymbolKind::User);
    items.add("round_robin", Function, "round_robin(TEAM): members in turn");
    items.add("least_busy", Function, "least_busy(TEAM): the member with the fewest open deals");
    return items.result();
  }
  if (previous == "notify" || previous == "to" || previous == "responsible") {
    items.symbols(idx, SymbolKind::User);
    if (previous == "notify") {
      items.symbols(idx, SymbolKind::Team);
      items.add("responsible", Keyword, "the deal's responsible user");
    }
    return items.result();
  }
  if (previous == "questionnaire") return (items.symbols(idx, SymbolKind::Form), items.result());
  if (previous == "request") return (items.symbols(idx, SymbolKind::Integration), items.result());
  if (previous == "via") return (items.symbols(idx, SymbolKind::Channel), items.result());
  if (previous == "calendar" && before.find("pipeline") == std::string_view::npos) {
    return (items.symbols(idx, SymbolKind::Calendar), items.result());
  }
  if (previous == "reasons") return (items.symbols(idx, SymbolKind::Reasons), items.result());
  if (previous == "in") {
    items.symbols(idx, SymbolKind::Pipeline);
    if (before.find("deal") == std::string_view::npos) items.symbols(idx, SymbolKind::Field);
    return items.result();
  }
  if (previous == "task" && before.find("complete") == std::string_view::npos) {
    builtinTaskTypes(items);
    items.symbols(idx, SymbolKind::TaskType);
    return items.result();
  }
  // `event NAME` indented is a test step naming an event; at the start of a line it declares one.
  bool testEvent = previous == "event" && !before.empty() && (before[0] == ' ' || before[0] == '\t');
  if (previous == "on" || previous == "unless" || testEvent) {
    events();
    return items.result();
  }
  if (previous == "set") {
    items.symbols(idx, SymbolKind::Field);
    return items.result();
  }

  // Anything else: keywords, fields, payload fields, enum members and built-in names.
  for (const auto& k : parse::keywords())
    items.add(std::string(k.text), Keyword, k.reserved ? "keyword" : "keyword (also a name)");
  items.symbols(idx, SymbolKind::Field);
  items.symbols(idx, SymbolKind::EnumMember);
  items.symbols(idx, SymbolKind::Enum);
  items.symbols(idx, SymbolKind::Payload);
  for (const char* v : kBuiltinValues) items.add(v, Constant, "built-in");
  for (const char* f : kFunctions) items.add(f, Function, "function");
  items.add("deal", Keyword, "the deal: deal.FIELD");
  items.add("contact", Variable, "the contact: contact.name, contact.email, contact.phone");
  return items.result();
}

}  // namespace voronka::lsp
