#include "tools/voronka/lsp/chunked_parse.h"

#include <array>

#include "compiler/ast/shift.h"

namespace voronka::lsp {
namespace {

// Declarations that cannot continue the one before them (`after`, `at` and
// `every` can: they are also clauses of a rule).
// A line starting `enum` at the top level declares a named enum (a field's
// `enum { … }` type on a line of its own leaves a piece with a syntax error,
// and such a document is parsed whole).
constexpr std::array<std::string_view, 16> kStarts = {
    "use",   "account", "calendar", "field",   "team",     "template", "form", "integration",
    "event", "task",    "channel",  "reasons", "pipeline", "test",     "on",   "enum"};

// A diagnostic of a piece moves with the piece.
void shiftRanges(Diagnostic& d, int64_t delta) {
  ast::shiftRange(d.range, delta);
  for (auto& n : d.notes) ast::shiftRange(n.range, delta);
}

bool isNameByte(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

bool startsDeclaration(std::string_view line) {
  for (std::string_view k : kStarts) {
    if (line.size() > k.size() && line.substr(0, k.size()) == k &&
        !isNameByte(static_cast<unsigned char>(line[k.size()]))) {
      return true;
    }
  }
  return false;
}

// Is this stretch of lines nothing but white space and comments?
bool onlyComments(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (s.compare(i, 2, "//") == 0) {
      size_t nl = s.find('\n', i);
      i = nl == std::string_view::npos ? s.size() : nl;
    } else if (s.compare(i, 2, "/*") == 0) {
      size_t end = s.find("*/", i + 2);
      if (end == std::string_view::npos) return false;
      i = end + 2;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<uint32_t> chunkStarts(std::string_view text) {
  std::vector<uint32_t> starts{0};
  std::vector<uint32_t> lineStarts;  // of the lines seen at depth 0 outside strings and comments
  enum class In { Code, String, TextBlock, BlockComment } in = In::Code;
  int depth = 0;
  size_t i = 0;
  size_t lineStart = 0;
  auto atLineStart = [&](size_t at) {
    if (in != In::Code || depth != 0) return;
    std::string_view rest = text.substr(at);
    std::string_view line = rest.substr(0, rest.find('\n'));
    if (at > 0 && startsDeclaration(line)) {
      // Comment lines just above belong to the declaration (`// voronka: allow …`).
      uint32_t begin = static_cast<uint32_t>(at);
      while (!lineStarts.empty() && lineStarts.back() >= starts.back()) {
        uint32_t prev = lineStarts.back();
        std::string_view prevLine = text.substr(prev, begin - prev);
        if (!onlyComments(prevLine)) break;
        begin = prev;
        lineStarts.pop_back();
      }
      if (begin > starts.back()) starts.push_back(begin);
    }
    lineStarts.push_back(static_cast<uint32_t>(at));
  };
  atLineStart(0);
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') {
      if (in == In::String) in = In::Code;  // a string does not span lines
      lineStart = ++i;
      atLineStart(lineStart);
      continue;
    }
    switch (in) {
      case In::BlockComment:
        if (c == '*' && i + 1 < text.size() && text[i + 1] == '/') {
          in = In::Code;
          ++i;
        }
        break;
      case In::TextBlock:
        if (text.compare(i, 3, "\"\"\"") == 0) {
          in = In::Code;
          i += 2;
        }
        break;
      case In::String:
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in = In::Code;
        }
        break;
      case In::Code:
        if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
          size_t nl = text.find('\n', i);
          i = nl == std::string_view::npos ? text.size() : nl;
          continue;
        }
        if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
          in = In::BlockComment;
          ++i;
        } else if (text.compare(i, 3, "\"\"\"") == 0) {
          in = In::TextBlock;
          i += 2;
        } else if (c == '"') {
          in = In::String;
        } else if (c == '{' || c == '(' || c == '[') {
          ++depth;
        } else if ((c == '}' || c == ')' || c == ']') && depth > 0) {
          --depth;
        }
        break;
    }
    ++i;
  }
  return starts;
}

std::vector<std::shared_ptr<ParsedChunk>> ChunkedParser::parse(const SourceFile& file,
                                                               const parse::ParseOptions& options) {
  std::string_view text = file.text();
  std::vector<uint32_t> starts = chunkStarts(text);
  std::unordered_multimap<std::string, std::shared_ptr<ParsedChunk>> current;
  std::vector<std::shared_ptr<ParsedChunk>> chunks;
  reused_ = 0;
  bool errors = false;
  for (size_t k = 0; k < starts.size(); ++k) {
    uint32_t begin = starts[k];
    uint32_t end = k + 1 < starts.size() ? starts[k + 1] : static_cast<uint32_t>(text.size());
    std::string piece(text.substr(begin, end - begin));
    std::shared_ptr<ParsedChunk> chunk;
    if (auto it = previous_.find(piece); it != previous_.end()) {
      chunk = it->second;
      previous_.erase(it);  // each kept piece stands in one place only
      int64_t delta = static_cast<int64_t>(begin) - static_cast<int64_t>(chunk->begin);
      ast::shiftRanges(*chunk->parse.module, delta);
      for (auto& d : chunk->diagnostics) shiftRanges(d, delta);
      chunk->begin = begin;
      ++reused_;
    } else {
      chunk = std::make_shared<ParsedChunk>();
      chunk->text = piece;
      chunk->begin = 0;
      SourceFile alone(file.id(), file.path(), piece);
      DiagnosticSink sink;
      chunk->parse = parse::parseFile(alone, sink, options);
      chunk->diagnostics = sink.all();
      if (chunk->parse.errors == 0) {
        ast::shiftRanges(*chunk->parse.module, begin);
        for (auto& d : chunk->diagnostics) shiftRanges(d, begin);
      }
      chunk->begin = begin;
    }
    chunk->parse.module->path = file.path();
    errors = errors || chunk->parse.errors > 0;
    current.emplace(chunk->text, chunk);
    chunks.push_back(std::move(chunk));
  }
  if (errors || chunks.empty()) {
    // Errors are reported and recovered from as the whole file reads them.
    auto whole = std::make_shared<ParsedChunk>();
    whole->text = std::string(text);
    DiagnosticSink sink;
    whole->parse = parse::parseFile(file, sink, options);
    whole->diagnostics = sink.all();
    chunks.assign(1, whole);
    // Keep the good pieces for the next edit, which may fix the error.
    for (auto it = current.begin(); it != current.end();) {
      it = it->second->parse.errors > 0 ? current.erase(it) : std::next(it);
    }
  }
  previous_ = std::move(current);
  return chunks;
}

}  // namespace voronka::lsp
