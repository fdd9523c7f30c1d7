// Semantic tokens (full document): what each word is, as the TextMate
// grammar (editors/vscode/syntaxes/funnel.tmLanguage.json) colours it, but
// decided by the index rather than by patterns: a stage is a stage wherever
// it is written, not only after `->` and `move`.
//
//   grammar scope                          token type (modifiers)
//   keyword.* (`won` and `lost` too)        keyword
//   entity.name.type.pipeline, .template…  type (declaration where declared)
//   entity.name.function.stage             function
//   variable.other.field, .member.field    property
//   support.function.event, .function call function (defaultLibrary)
//   support.type                           type (defaultLibrary)
//   variable.language (deal, contact)      variable (defaultLibrary)
//   string.*                               string
//   constant.numeric                       number
//   constant.numeric.duration/.time/.date  number (duration / time / date)
//   comment.*                              comment
#include "tools/voronka/lsp/builtins.h"
#include "tools/voronka/lsp/server.h"
#include "tools/voronka/lsp/tokens.h"

namespace voronka::lsp {

namespace {

using index::SymbolKind;
using parse::TokenClass;

enum Type { Keyword, TypeName, Function, Property, EnumMember, Variable, Parameter, Event, String, Number, Comment };
constexpr const char* kTypes[] = {"keyword",   "type",  "function", "property", "enumMember", "variable",
                                  "parameter", "event", "string",   "number",   "comment"};
enum Modifier { Declaration = 1, DefaultLibrary = 2, Readonly = 4, Duration = 8, Time = 16, Date = 32 };
constexpr const char* kModifiers[] = {"declaration", "defaultLibrary", "readonly", "duration", "time", "date"};

constexpr const char* kBuiltinTypes[] = {"number", "money", "text",  "bool",  "date", "datetime", "duration",
                                         "time",   "url",   "email", "phone", "user", "tags"};

Type typeOf(SymbolKind k) {
  switch (k) {
    case SymbolKind::Stage: return Function;
    case SymbolKind::Field: return Property;
    case SymbolKind::EnumMember: return EnumMember;
    case SymbolKind::Event: return Event;
    case SymbolKind::Payload: return Parameter;
    case SymbolKind::User: return Variable;
    case SymbolKind::Pipeline:
    case SymbolKind::Template:
    case SymbolKind::Form:
    case SymbolKind::Team:
    case SymbolKind::Integration:
    case SymbolKind::Reasons:
    case SymbolKind::Calendar:
    case SymbolKind::TaskType:
    case SymbolKind::Channel:
    case SymbolKind::Test:
    case SymbolKind::Enum: return TypeName;
  }
  return Variable;
}

struct Classified {
  int type = -1;  // -1: no semantic token (punctuation, errors)
  int modifiers = 0;
};

// `shift`: where the tokens' text starts in the document (an interpolation is lexed on its own).
Classified classifyName(const Tokens& tokens, int i, const index::Index& idx, FileId file, uint32_t shift) {
  const parse::LexedToken& t = tokens[i];
  std::string_view name = tokens.text(i);
  std::string_view prev = tokens.text(tokens.previous(i));
  std::string_view next = tokens.text(tokens.next(i));
  if (next == "." && (name == "deal" || name == "contact" || name == "company")) return {Variable, DefaultLibrary};
  // Reserved words are keywords, `won` and `lost` too, as the grammar colours them.
  if (t.cls == TokenClass::Reserved) return {Keyword, 0};
  if (const index::Occurrence* occ = idx.at(file, t.begin + shift);
      occ && occ->range.begin == t.begin + shift && occ->range.end == t.end + shift) {
    return {typeOf(idx.symbols[occ->symbol].kind), occ->declaration ? Declaration : 0};
  }
  if (prev == "." && builtinMember(tokens.text(tokens.previous(tokens.previous(i))), name)) {
    return {Property, DefaultLibrary};
  }
  if (builtinEvent(name) && prev != "." && next != "." && prev != ":") return {Function, DefaultLibrary};
  // A call, as the grammar's entity.name.function.call.
  if (next == "(") {
    bool builtin = standardFunction(name) || name == "round_robin" || name == "least_busy";
    return {Function, builtin ? DefaultLibrary : 0};
  }
  if (prev == ":") {
    for (const char* b : kBuiltinTypes) {
      if (name == b) return {TypeName, DefaultLibrary};
    }
  }
  if (builtinValue(name) && prev != ".") return {Variable, DefaultLibrary | Readonly};
  // A payload field of a built-in event (a custom event's are in the index).
  if (t.cls == TokenClass::Identifier && prev != "." && isBuiltinPayloadName(name)) return {Parameter, DefaultLibrary};
  if (t.cls == TokenClass::Contextual) return {Keyword, 0};
  return {Variable, 0};
}

Classified classify(const Tokens& tokens, int i, const index::Index& idx, FileId file, uint32_t shift) {
  switch (tokens[i].cls) {
    case TokenClass::Reserved:
    case TokenClass::Contextual:
    case TokenClass::Identifier: return classifyName(tokens, i, idx, file, shift);
    case TokenClass::String: return {String, 0};
    case TokenClass::Number: return {Number, 0};
    case TokenClass::Duration: return {Number, Duration};
    case TokenClass::Time: return {Number, Time};
    case TokenClass::Date:
    case TokenClass::DateTime: return {Number, Date};
    case TokenClass::LineComment:
    case TokenClass::BlockComment: return {Comment, 0};
    case TokenClass::Punctuation:
    case TokenClass::Error: return {};
  }
  return {};
}

}  // namespace

Json semanticTokensLegend() { return Json{{"tokenTypes", kTypes}, {"tokenModifiers", kModifiers}}; }

Json Server::semanticTokens(const Json& params) {
  FileId id = document(params);
  std::shared_ptr<const Analysis> analysis = workspace_->analysis(id);
  std::shared_ptr<const SourceFile> source = workspace_->source(id);
  Tokens tokens(*source);
  Json data = Json::array();
  Position last;
  auto emit = [&](uint32_t begin, uint32_t end, Classified c) {
    Position from = positionOf(*source, begin, encoding_);
    Position to = positionOf(*source, end, encoding_);
    if (to.line != from.line || to.character <= from.character) return;
    uint32_t deltaLine = from.line - last.line;
    uint32_t deltaStart = deltaLine == 0 ? from.character - last.character : from.character;
    for (uint32_t v : {deltaLine, deltaStart, to.character - from.character, static_cast<uint32_t>(c.type),
                       static_cast<uint32_t>(c.modifiers)}) {
      data.push_back(v);
    }
    last = from;
  };
  std::string_view text = source->text();
  // A span over several lines (a text block, a block comment) is one token per line.
  auto span = [&](uint32_t begin, uint32_t end, Classified c) {
    if (c.type < 0) return;
    while (begin < end) {
      size_t nl = text.find('\n', begin);
      uint32_t stop = nl == std::string_view::npos || nl >= end ? end : static_cast<uint32_t>(nl);
      uint32_t trimmed = stop;
      if (trimmed > begin && text[trimmed - 1] == '\r') --trimmed;
      emit(begin, trimmed, c);
      begin = stop + 1;
    }
  };
  // A text: its literal parts are strings, the names in its `{…}` what they name
  // (the braces are left to the grammar's punctuation).
  auto string = [&](uint32_t begin, uint32_t end) {
    uint32_t part = begin;
    for (uint32_t j = begin; j < end; ++j) {
      if (text[j] == '\\') {
        ++j;
        continue;
      }
      if (text[j] != '{') continue;
      size_t close = text.find('}', j);
      if (close == std::string_view::npos || close >= end) break;
      span(part, j, {String, 0});
      uint32_t shift = j + 1;
      SourceFile inner(id, "", std::string(text.substr(shift, close - shift)));
      Tokens innerTokens(inner);
      for (int k = 0; k < innerTokens.size(); ++k) {
        span(innerTokens[k].begin + shift, innerTokens[k].end + shift,
             classify(innerTokens, k, analysis->index, id, shift));
      }
      part = static_cast<uint32_t>(close + 1);
      j = part - 1;
    }
    span(part, end, {String, 0});
  };
  for (int i = 0; i < tokens.size(); ++i) {
    if (tokens[i].cls == TokenClass::String) {
      string(tokens[i].begin, tokens[i].end);
    } else {
      span(tokens[i].begin, tokens[i].end, classify(tokens, i, analysis->index, id, 0));
    }
  }
  return Json{{"data", std::move(data)}};
}

}  // namespace voronka::lsp
