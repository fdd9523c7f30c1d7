// Range formatting: the top-level declarations that the range touches, laid
// out as `voronka fmt` lays out the whole file. The file is formatted whole
// (a declaration's layout may depend on its neighbours only through blank
// lines, which stay as they are) and the declarations are cut out of the
// result: formatting changes only white space, so the n-th non-blank
// character of the file is the n-th of the formatted text.
#include "compiler/format/format.h"
#include "tools/voronka/lsp/server.h"

namespace voronka::lsp {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

size_t nonBlankBefore(std::string_view text, size_t offset) {
  size_t n = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) n += !isSpace(text[i]);
  return n;
}

// The offset just after the n-th non-blank character (0: the start).
size_t afterNonBlank(std::string_view text, size_t n) {
  size_t i = 0;
  for (size_t seen = 0; i < text.size() && seen < n; ++i) seen += !isSpace(text[i]);
  return i;
}

size_t lineStart(std::string_view text, size_t offset) {
  size_t nl = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
  return nl == std::string_view::npos ? 0 : nl + 1;
}

}  // namespace

Json Server::rangeFormatting(const Json& params) {
  FileId id = document(params);
  std::shared_ptr<const ParsedFile> parsed = workspace_->parsed(id);
  const SourceFile& source = *parsed->source;
  const Json& range = params.at("range");
  std::optional<Position> start = positionFromJson(range.value("start", Json()));
  std::optional<Position> end = positionFromJson(range.value("end", Json()));
  if (!start || !end) throw RequestError{error_code::InvalidParams, "a bad `range`"};
  uint32_t from = offsetOf(source, *start, encoding_);
  uint32_t to = std::max(from, offsetOf(source, *end, encoding_));

  DiagnosticSink sink;
  format::FormatResult result = format::formatFile(source, sink);
  if (parsed->errors > 0 || result.status == format::FormatResult::Status::SyntaxErrors) {
    throw RequestError{error_code::RequestFailed, "not formatted: the file has syntax errors; fix them first"};
  }
  if (!result.ok()) throw RequestError{error_code::RequestFailed, result.error};

  // The declarations the range touches (a range inside the blank lines between two touches none).
  uint32_t begin = UINT32_MAX, finish = 0;
  for (const ast::Module* m : parsed->modules()) {
    for (const auto& decl : m->decls) {
      SourceRange r = decl->range;
      if (!r.valid() || r.end < from || r.begin > to) continue;
      begin = std::min(begin, r.begin);
      finish = std::max(finish, r.end);
    }
  }
  if (begin == UINT32_MAX) return Json::array();
  std::string_view before = source.text();
  // The edit starts at the start of a line: a declaration ending or standing
  // before ours on its first line is formatted with it.
  for (bool grown = true; grown;) {
    grown = false;
    uint32_t line = static_cast<uint32_t>(lineStart(before, begin));
    for (const ast::Module* m : parsed->modules()) {
      for (const auto& decl : m->decls) {
        if (decl->range.valid() && decl->range.begin < begin && decl->range.end > line) {
          begin = decl->range.begin;
          grown = true;
        }
      }
    }
  }

  const std::string& after = result.text;
  uint32_t cutBegin = static_cast<uint32_t>(lineStart(before, begin));
  size_t formattedBegin = lineStart(after, afterNonBlank(after, nonBlankBefore(before, begin) + 1) - 1);
  size_t formattedEnd = afterNonBlank(after, nonBlankBefore(before, finish));
  std::string newText = after.substr(formattedBegin, formattedEnd - formattedBegin);
  if (before.substr(cutBegin, finish - cutBegin) == newText) return Json::array();
  SourceRange replaced{id, cutBegin, finish};
  return Json::array({Json{{"range", rangeJson(source, replaced, encoding_)}, {"newText", newText}}});
}

}  // namespace voronka::lsp
