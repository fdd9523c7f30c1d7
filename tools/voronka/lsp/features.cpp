// Hover, go to definition, find references, document symbols, formatting and
// rename: answers from the index of the document's program.
#include <fmt/format.h>

#include <algorithm>

#include "compiler/format/format.h"
#include "compiler/parse/parse.h"
#include "tools/voronka/lsp/server.h"

namespace voronka::lsp {

namespace {

using index::SymbolKind;

}  // namespace

int symbolKindNumber(SymbolKind k) {
  // LSP SymbolKind numbers.
  switch (k) {
    case SymbolKind::Pipeline: return 5;     // Class
    case SymbolKind::Stage: return 12;       // Function
    case SymbolKind::Field: return 8;        // Field
    case SymbolKind::EnumMember: return 22;  // EnumMember
    case SymbolKind::Template: return 15;    // String
    case SymbolKind::Form: return 23;        // Struct
    case SymbolKind::Team: return 3;         // Namespace
    case SymbolKind::User: return 13;        // Variable
    case SymbolKind::Event: return 24;       // Event
    case SymbolKind::Payload: return 7;      // Property
    case SymbolKind::Integration: return 2;  // Module
    case SymbolKind::Reasons: return 10;     // Enum
    case SymbolKind::Calendar: return 19;    // Object
    case SymbolKind::TaskType: return 26;    // TypeParameter
    case SymbolKind::Channel: return 11;     // Interface
    case SymbolKind::Test: return 6;         // Method
    case SymbolKind::Enum: return 10;        // Enum
  }
  return 13;
}

namespace {

bool isReservedKeyword(std::string_view word) {
  for (const auto& k : parse::keywords()) {
    if (k.reserved && k.text == word) return true;
  }
  return false;
}

// Is `name` one name token (an identifier or a contextual keyword)?
bool isName(std::string_view name) {
  SourceFile f(0, "", std::string(name));
  std::vector<parse::LexedToken> tokens = parse::lexForFormatting(f);
  return tokens.size() == 1 && tokens[0].begin == 0 && tokens[0].end == name.size() &&
         (tokens[0].cls == parse::TokenClass::Identifier || tokens[0].cls == parse::TokenClass::Contextual);
}

bool renamable(const index::Symbol& s) {
  if (s.kind == SymbolKind::Test) return false;                                            // a title, not a name
  if (s.kind == SymbolKind::Stage && (s.name == "won" || s.name == "lost")) return false;  // keywords
  return true;
}

}  // namespace

FileId Server::document(const Json& params) {
  std::string uri = params.at("textDocument").at("uri").get<std::string>();
  std::optional<FileId> id = workspace_->find(documentPath(uri));
  if (!id || !workspace_->isOpen(*id)) {
    throw RequestError{error_code::InvalidParams, "the document is not open: " + uri};
  }
  return *id;
}

Server::At Server::at(const Json& params) {
  At a;
  a.file = document(params);
  a.analysis = workspace_->analysis(a.file);
  a.source = workspace_->source(a.file);
  std::optional<Position> p = positionFromJson(params.value("position", Json()));
  if (!p) throw RequestError{error_code::InvalidParams, "a bad `position`"};
  a.offset = offsetOf(*a.source, *p, encoding_);
  return a;
}

Json Server::location(FileId file, SourceRange range) {
  std::shared_ptr<const SourceFile> source = workspace_->source(file);
  if (!source) return nullptr;
  return Json{{"uri", uriOf(file)}, {"range", rangeJson(*source, range, encoding_)}};
}

Json Server::hover(const Json& params) {
  At a = at(params);
  const index::Occurrence* occ = a.analysis->index.at(a.file, a.offset);
  if (!occ) {
    Json use = useHover(a);
    return use.is_null() ? builtinHover(a) : use;
  }
  const index::Symbol& s = a.analysis->index.symbols[occ->symbol];
  std::string text = fmt::format("```funnel\n{}\n```", s.detail);
  std::string about;
  if (!s.title.empty()) about = fmt::format("**{}**", s.title);
  std::string kind(index::kindName(s.kind));
  if (s.kind == SymbolKind::Stage) kind += " of pipeline `" + s.container + "`";
  about += (about.empty() ? "" : " — ") + kind;
  text += "\n\n" + about;
  if (!s.extra.empty()) text += "\n\n" + s.extra;
  if (s.nameRange.file != a.file) text += fmt::format("\n\n*declared in {}*", workspace_->path(s.nameRange.file));
  return Json{{"contents", {{"kind", "markdown"}, {"value", text}}},
              {"range", rangeJson(*a.source, occ->range, encoding_)}};
}

// The other places of the name under the cursor in this document: its
// declaration as a Write highlight (3), its uses as Read (2).
Json Server::documentHighlight(const Json& params) {
  At a = at(params);
  const index::Occurrence* occ = a.analysis->index.at(a.file, a.offset);
  if (!occ) return nullptr;
  Json out = Json::array();
  for (const index::Occurrence* o : a.analysis->index.referencesTo(occ->symbol)) {
    if (o->range.file != a.file) continue;
    out.push_back({{"range", rangeJson(*a.source, o->range, encoding_)}, {"kind", o->declaration ? 3 : 2}});
  }
  return out;
}

Json Server::definition(const Json& params) {
  At a = at(params);
  const index::Occurrence* occ = a.analysis->index.at(a.file, a.offset);
  if (!occ) {
    // On the path of a `use`: the file it names.
    for (const auto& [range, target] : a.analysis->uses) {
      if (range.file == a.file && range.begin <= a.offset && a.offset <= range.end) {
        return location(target, SourceRange{target, 0, 0});
      }
    }
    return nullptr;
  }
  const index::Symbol& s = a.analysis->index.symbols[occ->symbol];
  return location(s.nameRange.file, s.nameRange);
}

std::vector<std::pair<FileId, SourceRange>> Server::allOccurrences(const Analysis& analysis, int symbol,
                                                                   bool declarations) {
  const index::Symbol& target = analysis.index.symbols[symbol];
  std::vector<std::pair<FileId, SourceRange>> out;
  auto collect = [&](const Analysis& an) {
    // The same declaration seen from another program (a file both use).
    for (size_t i = 0; i < an.index.symbols.size(); ++i) {
      const index::Symbol& s = an.index.symbols[i];
      if (s.kind != target.kind || s.name != target.name || s.container != target.container ||
          s.nameRange.file != target.nameRange.file || s.nameRange.begin != target.nameRange.begin) {
        continue;
      }
      for (const index::Occurrence* o : an.index.referencesTo(static_cast<int>(i))) {
        if (!declarations && o->declaration) continue;
        out.emplace_back(o->range.file, o->range);
      }
    }
  };
  collect(analysis);
  for (FileId d : workspace_->dependents(target.nameRange.file)) {
    if (d != analysis.root) collect(*workspace_->analysis(d));
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first < y.first : x.second.begin < y.second.begin;
  });
  out.erase(
      std::unique(out.begin(), out.end(),
                  [](const auto& x, const auto& y) { return x.first == y.first && x.second.begin == y.second.begin; }),
      out.end());
  return out;
}

Json Server::references(const Json& params) {
  At a = at(params);
  const index::Occurrence* occ = a.analysis->index.at(a.file, a.offset);
  if (!occ) return Json::array();
  bool declarations = params.value("context", Json::object()).value("includeDeclaration", true);
  Json out = Json::array();
  for (const auto& [file, range] : allOccurrences(*a.analysis, occ->symbol, declarations)) {
    Json l = location(file, range);
    if (!l.is_null()) out.push_back(std::move(l));
  }
  return out;
}

Json Server::documentSymbols(const Json& params) {
  FileId id = document(params);
  std::shared_ptr<const ParsedFile> parsed = workspace_->parsed(id);
  const SourceFile& file = *parsed->source;
  std::function<Json(const index::OutlineItem&)> convert = [&](const index::OutlineItem& item) {
    SourceRange range = item.range.valid() ? item.range : item.nameRange;
    SourceRange selection = item.nameRange.valid() ? item.nameRange : range;
    // The selection must lie inside the range.
    if (selection.begin < range.begin || selection.end > range.end) range = SourceRange::cover(range, selection);
    Json s{{"name", item.name},
           {"kind", symbolKindNumber(item.kind)},
           {"range", rangeJson(file, range, encoding_)},
           {"selectionRange", rangeJson(file, selection, encoding_)}};
    if (!item.detail.empty()) s["detail"] = item.detail;
    if (!item.children.empty()) {
      s["children"] = Json::array();
      for (const auto& c : item.children) s["children"].push_back(convert(c));
    }
    return s;
  };
  Json out = Json::array();
  for (const ast::Module* m : parsed->modules()) {
    for (const auto& item : index::outline(*m)) out.push_back(convert(item));
  }
  return out;
}

Json Server::formatting(const Json& params) {
  FileId id = document(params);
  std::shared_ptr<const SourceFile> source = workspace_->source(id);
  DiagnosticSink sink;
  format::FormatResult result = format::formatFile(*source, sink);
  if (result.status == format::FormatResult::Status::SyntaxErrors) {
    throw RequestError{error_code::RequestFailed, "not formatted: the file has syntax errors; fix them first"};
  }
  if (!result.ok()) throw RequestError{error_code::RequestFailed, result.error};
  std::string_view before = source->text();
  const std::string& after = result.text;
  if (before == after) return Json::array();
  // One edit over the lines that differ, so the editor keeps the cursor where it can.
  auto lines = [](std::string_view t) {
    std::vector<std::string_view> out;
    for (size_t start = 0; start < t.size();) {
      size_t nl = t.find('\n', start);
      size_t end = nl == std::string_view::npos ? t.size() : nl + 1;
      out.push_back(t.substr(start, end - start));
      start = end;
    }
    return out;
  };
  std::vector<std::string_view> a = lines(before), b = lines(after);
  size_t prefix = 0, prefixBytes = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) prefixBytes += a[prefix++].size();
  size_t suffix = 0, suffixBytesA = 0, suffixBytesB = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    suffixBytesA += a[a.size() - 1 - suffix].size();
    suffixBytesB += b[b.size() - 1 - suffix].size();
    ++suffix;
  }
  SourceRange range{id, static_cast<uint32_t>(prefixBytes), static_cast<uint32_t>(before.size() - suffixBytesA)};
  std::string newText = after.substr(prefixBytes, after.size() - suffixBytesB - prefixBytes);
  return Json::array({Json{{"range", rangeJson(*source, range, encoding_)}, {"newText", newText}}});
}

Json Server::prepareRename(const Json& params) {
  At a = at(params);
  const index::Occurrence* occ = a.analysis->index.at(a.file, a.offset);
  if (!occ) return nullptr;
  const index::Symbol& s = a.analysis->index.symbols[occ->symbol];
  if (!renamable(s)) throw RequestError{error_code::RequestFailed, fmt::format("`{}` cannot be renamed", s.name)};
  return Json{{"range", rangeJson(*a.source, occ->range, encoding_)}, {"placeholder", s.name}};
}

Json Server::rename(const Json& params) {
  At a = at(params);
  std::string newName = params.at("newName").get<std::string>();
  const index::Occurrence* occ = a.analysis->index.at(a.file, a.offset);
  if (!occ) throw RequestError{error_code::RequestFailed, "there is no name to rename here"};
  const index::Symbol& s = a.analysis->index.symbols[occ->symbol];
  if (!renamable(s)) throw RequestError{error_code::RequestFailed, fmt::format("`{}` cannot be renamed", s.name)};
  if (isReservedKeyword(newName)) {
    throw RequestError{error_code::RequestFailed, fmt::format("`{}` is a keyword and cannot be a name", newName)};
  }
  if (!isName(newName)) {
    throw RequestError{
        error_code::RequestFailed,
        fmt::format("`{}` is not a name: use letters, digits and `_`, not starting with a digit", newName)};
  }
  if (newName != s.name && a.analysis->index.find(s.kind, newName, s.container) >= 0) {
    std::string where = s.kind == SymbolKind::Stage ? " in pipeline `" + s.container + "`" : "";
    throw RequestError{error_code::RequestFailed,
                       fmt::format("a {} `{}` already exists{}", index::kindName(s.kind), newName, where)};
  }
  Json changes = Json::object();
  for (const auto& [file, range] : allOccurrences(*a.analysis, occ->symbol, true)) {
    std::shared_ptr<const SourceFile> source = workspace_->source(file);
    if (!source) continue;
    changes[uriOf(file)].push_back({{"range", rangeJson(*source, range, encoding_)}, {"newText", newName}});
  }
  return Json{{"changes", changes}};
}

}  // namespace voronka::lsp
