// Code actions (quick fixes) for the diagnostics in the requested range:
// apply a "did you mean …?" suggestion, and silence a lint with a
// `// voronka: allow ID` comment (docs/lints.md, "Silencing a lint").
#include <fmt/format.h>

#include "compiler/lint/lint.h"
#include "compiler/lint/suppressions.h"
#include "tools/voronka/lsp/server.h"
#include "tools/voronka/lsp/tokens.h"

namespace voronka::lsp {

namespace {

// The suggestion of a "did you mean `X`?" or "did you mean \"X\"?" note, as written in it.
std::optional<std::string> suggestion(const Diagnostic& d) {
  for (const DiagnosticNote& note : d.notes) {
    std::string_view m = note.message;
    constexpr std::string_view prefix = "did you mean ";
    if (m.substr(0, prefix.size()) != prefix || m.size() < prefix.size() + 3 || m.back() != '?') continue;
    std::string_view quoted = m.substr(prefix.size(), m.size() - prefix.size() - 1);
    char q = quoted.front();
    if ((q != '`' && q != '"') || quoted.back() != q || quoted.size() < 3) continue;
    if (q == '`') return std::string(quoted.substr(1, quoted.size() - 2));
    return std::string(quoted);  // a text keeps its quotes
  }
  return std::nullopt;
}

// What replaces the diagnostic's range: the suggestion, cut to the part the
// range holds (`deal.budget` suggested for the member `budgt` alone), in
// quotes only when the range is quoted.
std::string replacementFor(std::string_view written, std::string suggested) {
  bool quotedSuggestion = suggested.size() >= 2 && suggested.front() == '"';
  bool quotedRange = !written.empty() && written.front() == '"';
  if (quotedSuggestion && !quotedRange) suggested = suggested.substr(1, suggested.size() - 2);
  if (!quotedSuggestion && written.find('.') == std::string_view::npos) {
    size_t dot = suggested.rfind('.');
    if (dot != std::string::npos) suggested = suggested.substr(dot + 1);
  }
  return suggested;
}

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

}  // namespace

Json Server::codeActions(const Json& params) {
  FileId id = document(params);
  std::shared_ptr<const Analysis> analysis = workspace_->analysis(id);
  std::shared_ptr<const SourceFile> source = workspace_->source(id);
  const Json& range = params.at("range");
  std::optional<Position> start = positionFromJson(range.value("start", Json()));
  std::optional<Position> end = positionFromJson(range.value("end", Json()));
  if (!start || !end) throw RequestError{error_code::InvalidParams, "a bad `range`"};
  uint32_t from = offsetOf(*source, *start, encoding_);
  uint32_t to = offsetOf(*source, *end, encoding_);
  // A client asking only for other kinds (`source.organizeImports`…) gets none.
  const Json& context = params.value("context", Json::object());
  if (context.is_object() && context.contains("only") && context["only"].is_array()) {
    bool wanted = false;
    for (const Json& k : context["only"]) wanted = wanted || k == "quickfix" || k == "";
    if (!wanted) return Json::array();
  }
  std::string uri = uriOf(id);
  std::vector<const ast::Comment*> comments;
  if (std::shared_ptr<const ParsedFile> parsed = workspace_->parsed(id)) {
    for (const ast::Module* m : parsed->modules()) {
      for (const ast::Comment& c : m->comments) comments.push_back(&c);
    }
  }

  Tokens tokens(*source);
  Json out = Json::array();
  for (const Diagnostic& d : analysis->diagnostics) {
    if (d.range.file != id || d.range.end < from || d.range.begin > to) continue;
    Json diagnostic = diagnosticJson(d, *source);
    auto action = [&](std::string title, Json edit, bool preferred) {
      Json a{{"title", std::move(title)},
             {"kind", "quickfix"},
             {"diagnostics", Json::array({diagnostic})},
             {"edit", {{"changes", {{uri, Json::array({std::move(edit)})}}}}}};
      if (preferred) a["isPreferred"] = true;
      out.push_back(std::move(a));
    };

    if (std::optional<std::string> s = suggestion(d); s && d.range.valid()) {
      std::string_view written = source->text().substr(d.range.begin, d.range.end - d.range.begin);
      std::string replacement = replacementFor(written, *s);
      if (replacement != written) {
        action(fmt::format("Change to {}", replacement.front() == '"' ? replacement : "`" + replacement + "`"),
               Json{{"range", rangeJson(*source, d.range, encoding_)}, {"newText", replacement}}, true);
      }
    }

    if (lint::isLint(d.kind) && d.range.valid()) {
      std::string lintId(d.id());
      uint32_t line = source->position(d.range.begin).line;  // 1-based
      // The comment goes before the line, on a line of its own: not inside a
      // text block or block comment that runs onto it.
      for (bool moved = true; moved;) {
        moved = false;
        uint32_t lineStart = source->offsetOfUtf16(line, 0);
        for (const parse::LexedToken& t : tokens.all()) {
          if (t.begin < lineStart && t.end > lineStart) {
            line = source->position(t.begin).line;
            moved = true;
            break;
          }
        }
      }
      // An allow comment alone on the line above: add the id to its list.
      const ast::Comment* above = nullptr;
      std::vector<lint::Allow> allows;
      for (const ast::Comment* c : comments) {
        if (c->range.file != id || source->position(c->range.end).line + 1 != line) continue;
        uint32_t lineStart = source->offsetOfUtf16(source->position(c->range.begin).line, 0);
        if (!blank(source->text().substr(lineStart, c->range.begin - lineStart))) continue;
        allows = lint::parseAllow(*c);
        if (!allows.empty()) above = c;
      }
      Json edit;
      if (above) {
        SourceRange at{id, allows.back().range.end, allows.back().range.end};
        edit = Json{{"range", rangeJson(*source, at, encoding_)}, {"newText", ", " + lintId}};
      } else {
        std::string_view text = source->lineText(line);
        std::string indent(text.substr(0, text.find_first_not_of(" \t")));
        uint32_t lineStart = source->offsetOfUtf16(line, 0);
        SourceRange at{id, lineStart, lineStart};
        edit = Json{{"range", rangeJson(*source, at, encoding_)},
                    {"newText", fmt::format("{}// voronka: allow {}\n", indent, lintId)}};
      }
      action(fmt::format("Silence `{}` here: // voronka: allow {}", lintId, lintId), std::move(edit), false);
    }
  }
  return out;
}

}  // namespace voronka::lsp
