// The formatter: one canonical layout for .funnel files (`voronka fmt`, and
// the language server's formatting).
//
// It re-spaces the file's own tokens: every token and every comment comes out
// in the same order with the same text; only the white space between them
// changes (and the indentation inside text blocks and block comments, moved
// with their line). A file with syntax errors is refused, and the result is
// checked before it is returned (only white space changed, no two tokens
// written together can lex as one — else it is lexed again and compared token
// by token), so a bug in the formatter can never change what a file means.
// The layout rules are in docs/editors.md.
#pragma once

#include <optional>
#include <string>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/parse/parse.h"
#include "compiler/source/source.h"

namespace voronka::format {

struct FormatOptions {
  // A block written on one line stays on one line only while the line fits.
  int lineWidth = 100;
  // Check the result by lexing it again and comparing every token (tests do).
  // Otherwise the check is that no character but white space changed and that
  // no two tokens written together could lex as one; when one pair could, the
  // full check runs anyway.
  bool fullVerification = false;
  parse::ParseOptions parse;
};

struct FormatResult {
  enum class Status {
    Formatted,      // `text` holds the formatted file
    SyntaxErrors,   // the file does not parse: its errors are in the sink; nothing formatted
    InternalError,  // the formatter's self-check failed: `error` says where; nothing formatted
  };
  Status status = Status::Formatted;
  std::string text;   // the formatted file (Formatted only)
  std::string error;  // InternalError only: what went wrong, with line:col
  bool ok() const { return status == Status::Formatted; }
};

// Formats one file. Parse errors go to `sink`.
FormatResult formatFile(const SourceFile& file, DiagnosticSink& sink, const FormatOptions& options = {});

// Formats a file already parsed without errors into `module` (its tokens are
// lexed again here). For callers that have the AST at hand.
FormatResult formatParsed(const SourceFile& file, const ast::Module& module, const FormatOptions& options = {});
// The same with the file's tokens at hand (from parse::parseFileWithTokens).
FormatResult formatParsed(const SourceFile& file, const ast::Module& module,
                          const std::vector<parse::LexedToken>& tokens, const FormatOptions& options = {});

}  // namespace voronka::format
