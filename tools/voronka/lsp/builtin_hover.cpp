// Hover on what has no declaration to show: built-in events, the members of
// `deal`, `contact` and `company`, built-in values, standard functions, and
// `use` lines (the file and what it declares).
#include <fmt/format.h>

#include "tools/voronka/lsp/builtins.h"
#include "tools/voronka/lsp/server.h"
#include "tools/voronka/lsp/tokens.h"

namespace voronka::lsp {

namespace {

bool isEventPosition(const Tokens& tokens, int i) {
  std::string_view before = tokens.text(tokens.previous(i));
  if (before == "on" || before == "unless" || before == "event" || before == "or" || before == ",") return true;
  // Elsewhere a built-in event's name is a name like any other (a declared one was found in the index).
  return tokens[i].cls == parse::TokenClass::Identifier && before != "." && tokens.text(tokens.next(i)) != ".";
}

// A payload field of a built-in event (`amount` in `on payment_received when
// amount > 0`): the event is the nearest `on EVENT` before it that has one of
// that name. (A custom event's payload fields are in the index.)
std::optional<std::string> payloadField(const Tokens& tokens, int i) {
  std::string_view name = tokens.text(i);
  if (!isBuiltinPayloadName(name)) return std::nullopt;
  for (int j = tokens.previous(i); j >= 0; j = tokens.previous(j)) {
    if (tokens.text(j) != "on") continue;
    std::optional<EventDoc> e = builtinEvent(tokens.text(tokens.next(j)));
    if (!e) continue;  // `event E on DEAL` in a test, or a custom event
    for (const ParameterDoc& p : e->payload) {
      if (p.label.substr(0, p.label.find(':')) != name) continue;
      return fmt::format("```funnel\n{}\n```\n\n**payload of `{}`**{}", p.label, e->name,
                         p.doc.empty() ? "" : " — " + p.doc);
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::string> describe(const Tokens& tokens, int i) {
  std::string_view name = tokens.text(i);
  int prev = tokens.previous(i);
  int next = tokens.next(i);
  if (tokens.text(prev) == ".") {
    std::string_view base = tokens.text(tokens.previous(prev));
    return builtinMember(base, name);
  }
  if (tokens.text(next) == ".") return builtinObject(name);
  if (tokens.text(next) == "(") {
    if (std::optional<SignatureDoc> f = standardFunction(name)) {
      std::string text = fmt::format("```funnel\n{}\n```\n\n**standard function**", f->label());
      if (!f->doc.empty()) text += " — " + f->doc;
      for (const ParameterDoc& p : f->parameters) text += fmt::format("\n- `{}` — {}", p.label, p.doc);
      return text;
    }
  }
  if (std::optional<EventDoc> e = builtinEvent(name); e && isEventPosition(tokens, i)) return e->markdown();
  if (tokens[i].cls == parse::TokenClass::Identifier) {
    if (std::optional<std::string> p = payloadField(tokens, i)) return p;
  }
  if (std::optional<std::string> v = builtinValue(name)) return v;
  return std::nullopt;
}

}  // namespace

Json Server::builtinHover(const At& a) {
  Tokens tokens(*a.source);
  int i = tokens.at(a.offset);
  if (i >= 0 && tokens[i].cls == parse::TokenClass::String) {
    // Inside a text: the `{…}` interpolation around the cursor, lexed on its own.
    std::string_view text = a.source->text();
    size_t open = text.rfind('{', a.offset);
    if (open == std::string_view::npos || open < tokens[i].begin) return nullptr;
    size_t close = text.find('}', open);
    if (close == std::string_view::npos || close > tokens[i].end || close < a.offset) return nullptr;
    SourceFile inner(a.file, "", std::string(text.substr(open + 1, close - open - 1)));
    Tokens innerTokens(inner);
    int j = innerTokens.at(static_cast<uint32_t>(a.offset - open - 1));
    if (!innerTokens.isName(j)) return nullptr;
    std::optional<std::string> about = describe(innerTokens, j);
    if (!about) return nullptr;
    uint32_t shift = static_cast<uint32_t>(open + 1);
    SourceRange range{a.file, innerTokens[j].begin + shift, innerTokens[j].end + shift};
    return Json{{"contents", {{"kind", "markdown"}, {"value", *about}}},
                {"range", rangeJson(*a.source, range, encoding_)}};
  }
  if (!tokens.isName(i)) return nullptr;
  std::optional<std::string> text = describe(tokens, i);
  if (!text) return nullptr;
  SourceRange range{a.file, tokens[i].begin, tokens[i].end};
  return Json{{"contents", {{"kind", "markdown"}, {"value", *text}}},
              {"range", rangeJson(*a.source, range, encoding_)}};
}

// On a `use` line: the file it names and what that file declares.
Json Server::useHover(const At& a) {
  uint32_t line = a.source->position(a.offset).line;
  for (const auto& [range, target] : a.analysis->uses) {
    if (range.file != a.file || a.source->position(range.begin).line != line) continue;
    std::string text = fmt::format("**{}**", workspace_->path(target));
    std::shared_ptr<const ParsedFile> used = workspace_->parsed(target);
    std::vector<std::string> lines;
    if (used) {
      for (const ast::Module* m : used->modules()) {
        for (const index::OutlineItem& item : index::outline(*m)) {
          std::string entry = fmt::format("- {} `{}`", index::kindName(item.kind), item.name);
          if (!item.detail.empty()) entry += " — " + item.detail;
          if (!item.children.empty()) {
            std::string stages;
            for (const auto& c : item.children) stages += (stages.empty() ? "" : ", ") + c.name;
            entry += fmt::format(" ({})", stages);
          }
          lines.push_back(std::move(entry));
        }
      }
    }
    if (lines.empty()) {
      text += "\n\ndeclares nothing";
    } else {
      text += "\n\ndeclares:";
      for (const auto& l : lines) text += "\n" + l;
    }
    return Json{{"contents", {{"kind", "markdown"}, {"value", text}}},
                {"range", rangeJson(*a.source, range, encoding_)}};
  }
  return nullptr;
}

}  // namespace voronka::lsp
