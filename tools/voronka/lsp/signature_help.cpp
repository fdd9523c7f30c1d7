// Signature help: inside the parentheses of a standard function call, of a
// built-in event's filter (`on email_opened(|`), and inside the payload map
// of a custom event in a test (`event kyc_checked with { passed: true, |`).
#include <fmt/format.h>

#include "tools/voronka/lsp/builtins.h"
#include "tools/voronka/lsp/server.h"
#include "tools/voronka/lsp/tokens.h"

namespace voronka::lsp {

namespace {

struct OpenBracket {
  int token = -1;  // the `(` or `{`
  int commas = 0;  // at its depth, between it and the cursor
};

// The innermost bracket still open at the cursor, within the current line's
// statement (a `}` or `{` of a block at depth 0 ends the search).
OpenBracket openBracket(const Tokens& tokens, uint32_t offset) {
  int depth = 0;
  int commas = 0;
  for (int i = tokens.before(offset); i >= 0; i = tokens.previous(i)) {
    // A `(` the cursor is right after ends at the cursor: it is open.
    std::string_view t = tokens.text(i);
    if (t == ")" || t == "]" || t == "}") {
      ++depth;
    } else if (t == "(" || t == "[" || t == "{") {
      if (depth == 0) return OpenBracket{i, commas};
      --depth;
    } else if (t == "," && depth == 0) {
      ++commas;
    }
  }
  return {};
}

Json parametersJson(const std::vector<ParameterDoc>& params) {
  Json out = Json::array();
  for (const ParameterDoc& p : params) {
    Json j{{"label", p.label}};
    if (!p.doc.empty()) j["documentation"] = {{"kind", "markdown"}, {"value", p.doc}};
    out.push_back(std::move(j));
  }
  return out;
}

Json helpJson(const SignatureDoc& s, int active, const std::string& label) {
  Json sig{{"label", label}, {"parameters", parametersJson(s.parameters)}};
  if (!s.doc.empty()) sig["documentation"] = {{"kind", "markdown"}, {"value", s.doc}};
  int last = std::max(0, static_cast<int>(s.parameters.size()) - 1);
  int index = std::min(active, last);
  sig["activeParameter"] = index;
  return Json{{"signatures", Json::array({sig})}, {"activeSignature", 0}, {"activeParameter", index}};
}

}  // namespace

Json Server::signatureHelp(const Json& params) {
  At a = at(params);
  Tokens tokens(*a.source);
  OpenBracket open = openBracket(tokens, a.offset);
  if (open.token < 0) return nullptr;
  std::string_view bracket = tokens.text(open.token);
  int callee = tokens.previous(open.token);
  std::string_view name = tokens.text(callee);

  if (bracket == "(") {
    if (std::optional<SignatureDoc> f = standardFunction(name)) return helpJson(*f, open.commas, f->label());
    if (std::optional<EventDoc> e = builtinEvent(name)) {
      SignatureDoc s = e->signature();
      if (s.parameters.empty()) return nullptr;  // takes no filter
      return helpJson(s, open.commas, s.label());
    }
    return nullptr;
  }
  // `event NAME [(filter)] [on DEAL] with {` in a test: the custom event's parameters.
  if (bracket != "{" || name != "with") return nullptr;
  int i = tokens.previous(callee);
  if (tokens.text(tokens.previous(i)) == "on") i = tokens.previous(tokens.previous(i));  // `on DEAL`
  if (tokens.text(i) == ")") {
    while (i >= 0 && tokens.text(i) != "(") i = tokens.previous(i);
    i = tokens.previous(i);
  }
  if (tokens.text(tokens.previous(i)) != "event") return nullptr;
  std::string event(tokens.text(i));
  SignatureDoc s;
  s.name = event;
  const index::Index& idx = a.analysis->index;
  if (int e = idx.find(index::SymbolKind::Event, event); e >= 0) {
    s.doc = idx.symbols[e].title;
    for (int p : idx.all(index::SymbolKind::Payload)) {
      if (idx.symbols[p].container == event) s.parameters.push_back({idx.symbols[p].detail, ""});
    }
  } else if (std::optional<EventDoc> b = builtinEvent(event)) {
    s.doc = b->when;
    s.parameters = b->payload;
  }
  if (s.parameters.empty()) return nullptr;
  // The parameter being written: the key of the current entry when it is one, else by position.
  int active = open.commas;
  int keyToken = tokens.before(a.offset);
  while (keyToken > open.token && tokens.text(keyToken) != "," && tokens.text(tokens.next(keyToken)) != ":") {
    keyToken = tokens.previous(keyToken);
  }
  if (keyToken > open.token && tokens.text(tokens.next(keyToken)) == ":") {
    std::string key(tokens.text(keyToken));
    for (size_t k = 0; k < s.parameters.size(); ++k) {
      if (s.parameters[k].label.rfind(key + ":", 0) == 0) active = static_cast<int>(k);
    }
  }
  std::string label = s.name + " with { ";
  for (size_t k = 0; k < s.parameters.size(); ++k) label += (k ? ", " : "") + s.parameters[k].label;
  label += " }";
  return helpJson(s, active, label);
}

}  // namespace voronka::lsp
