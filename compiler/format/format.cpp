#include "compiler/format/format.h"

#include <fmt/format.h>

#include "compiler/format/layout_hints.h"
#include "compiler/format/lines.h"
#include "compiler/format/printer.h"
#include "compiler/format/text_block.h"

namespace voronka::format {
namespace {

using parse::LexedToken;
using parse::TokenClass;

// The file's own line break: CRLF when its first line ends so, else LF.
std::string_view newlineOf(std::string_view text) {
  size_t nl = text.find('\n');
  return nl != std::string_view::npos && nl > 0 && text[nl - 1] == '\r' ? "\r\n" : "\n";
}

// A comment compared without the white space layout may change: the
// indentation of its lines and spaces at their ends.
std::string commentShape(std::string_view raw) {
  std::string out;
  for (std::string_view l : splitLines(raw)) {
    size_t a = l.find_first_not_of(" \t");
    size_t b = l.find_last_not_of(" \t");
    if (a != std::string_view::npos) out += l.substr(a, b - a + 1);
    out += '\n';
  }
  return out;
}

bool sameToken(std::string_view a, std::string_view b, TokenClass cls) {
  if (a == b) return true;
  if (cls == TokenClass::LineComment || cls == TokenClass::BlockComment) return commentShape(a) == commentShape(b);
  if (cls == TokenClass::String && a.size() >= 6 && b.size() >= 6 && a.substr(0, 3) == "\"\"\"" &&
      b.substr(0, 3) == "\"\"\"") {
    return textBlockLines(a) == textBlockLines(b);
  }
  return false;
}

// The characters of a text that are not white space between tokens (the
// lexer's white space: space, tab, CR, LF, form feed, no-break space, BOM).
std::string withoutWhiteSpace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') continue;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) {
      ++i;
      continue;
    }
    if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBB &&
        static_cast<unsigned char>(s[i + 2]) == 0xBF) {
      i += 2;
      continue;
    }
    out += static_cast<char>(c);
  }
  return out;
}

// The formatted text must hold the input's tokens, in order, meaning the same.
std::string verify(const SourceFile& input, const std::vector<LexedToken>& before, const std::string& output) {
  SourceFile out(input.id(), input.path(), output);
  std::vector<LexedToken> after = parse::lexForFormatting(out);
  size_t n = std::min(before.size(), after.size());
  for (size_t i = 0; i <= n; ++i) {
    if (i == n && before.size() == after.size()) return {};
    bool mismatch = i == n || before[i].cls != after[i].cls ||
                    !sameToken(input.text().substr(before[i].begin, before[i].end - before[i].begin),
                               out.text().substr(after[i].begin, after[i].end - after[i].begin), before[i].cls);
    if (!mismatch) continue;
    uint32_t at = i < before.size() ? before[i].begin : static_cast<uint32_t>(input.text().size());
    LineColumn p = input.position(at);
    return fmt::format(
        "{}:{}:{}: internal error: the formatter would change the tokens here; the file was left as it "
        "is (please report this with the file)",
        input.path(), p.line, p.column);
  }
  return {};
}

}  // namespace

namespace {

FormatResult formatTokens(const SourceFile& file, const ast::Module& module, const std::vector<LexedToken>& tokens,
                          const FormatOptions& options) {
  FormatResult result;
  LayoutHints hints = collectHints(module, tokens, file.text());
  bool tightJointsSafe = false;
  std::vector<Line> lines = layOut(file.text(), tokens, hints, options.lineWidth, tightJointsSafe);
  alignColumns(lines);
  std::string text = render(lines, newlineOf(file.text()));
  // Only white space may change: a cheap check that covers every character,
  // and lexing again only when two tokens written together might join.
  std::string problem;
  if (options.fullVerification || !tightJointsSafe) {
    problem = verify(file, tokens, text);
  } else if (withoutWhiteSpace(file.text()) != withoutWhiteSpace(text)) {
    problem = verify(file, tokens, text);
    if (problem.empty()) {
      problem = fmt::format(
          "{}: internal error: the formatter would change more than white space; the file was left "
          "as it is (please report this with the file)",
          file.path());
    }
  }
  if (!problem.empty()) {
    result.status = FormatResult::Status::InternalError;
    result.error = std::move(problem);
    return result;
  }
  result.text = std::move(text);
  return result;
}

}  // namespace

FormatResult formatParsed(const SourceFile& file, const ast::Module& module, const FormatOptions& options) {
  return formatTokens(file, module, parse::lexForFormatting(file), options);
}

FormatResult formatParsed(const SourceFile& file, const ast::Module& module, const std::vector<LexedToken>& tokens,
                          const FormatOptions& options) {
  return formatTokens(file, module, tokens, options);
}

FormatResult formatFile(const SourceFile& file, DiagnosticSink& sink, const FormatOptions& options) {
  std::vector<LexedToken> tokens;
  parse::ParseResult parsed = parse::parseFileWithTokens(file, sink, tokens, options.parse);
  if (parsed.errors > 0) {
    FormatResult result;
    result.status = FormatResult::Status::SyntaxErrors;
    return result;
  }
  return formatTokens(file, *parsed.module, tokens, options);
}

}  // namespace voronka::format
