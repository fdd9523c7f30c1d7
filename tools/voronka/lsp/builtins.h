// What the language server says about the names the language knows without
// a declaration: built-in events (common/language/events.def), the members
// of `deal`, `contact` and `company`, the built-in values (`now`,
// `time_in_stage`…) and the standard functions (stdlib/functions.def). The
// lists come from those tables; the words describing each are here (they
// follow docs/language.md, sections 6.3, 8.2 and 8.9).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace voronka::lsp {

struct ParameterDoc {
  std::string label;  // `t: text`, `part: text`
  std::string doc;
};

// A callable built-in: a standard function, or an event with its filter.
struct SignatureDoc {
  std::string name;
  std::vector<ParameterDoc> parameters;
  std::string result;         // a function's result type; empty for an event
  std::string doc;            // one paragraph, markdown
  std::string label() const;  // `contains(t: text, part: text) -> bool`
};

// A built-in event: `email_opened(template)` with what it carries.
struct EventDoc {
  std::string name;
  std::string when;         // "the client opened a letter"
  std::string filter;       // what `on name(…)` names; empty when it takes none
  std::string filterParam;  // the filter as a parameter: `template`, `form`
  bool filterRequired = false;
  bool lifecycle = false;
  std::vector<ParameterDoc> payload;  // `amount: money`
  std::string markdown() const;
  SignatureDoc signature() const;  // the filter as its one parameter
};

std::optional<EventDoc> builtinEvent(std::string_view name);
// Is `name` a payload field of some built-in event (`amount`, `subject`)?
bool isBuiltinPayloadName(std::string_view name);
std::optional<SignatureDoc> standardFunction(std::string_view name);
// `deal.stage`, `contact.phone`, `company.name`: type and meaning; nullopt for a
// member the language does not have (a field `deal.budget` is the index's).
std::optional<std::string> builtinMember(std::string_view base, std::string_view member);
// `deal`, `contact`, `company` on their own: what they hold.
std::optional<std::string> builtinObject(std::string_view name);
// `now`, `today`, `time_in_stage`, `open_tasks`, `overdue_tasks`.
std::optional<std::string> builtinValue(std::string_view name);

}  // namespace voronka::lsp
