// Renderers: the diagnostics of a compilation as text for people and, for
// machines, as JSON, SARIF and GitLab Code Quality.
#pragma once

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "compiler/diagnostics/diagnostic.h"

namespace voronka {

struct TextRenderOptions {
  bool color = false;
  // Columns of the `file:line:col:` headers in bytes (Vim's quickfix `%c`)
  // instead of characters. The caret line is laid out in characters either way.
  bool byteColumns = false;
};

// `file:line:col: severity: message [id]`, the source line, a caret line under
// the span (columns in characters), then the notes in the same form; a note
// without a place of its own takes its diagnostic's, so every line of the
// message that a tool reads (quickfix, problem matchers) has a location.
std::string renderText(const Diagnostic& d, const SourceManager& sources, const TextRenderOptions& options = {});
// The closing line: "2 errors, 1 warning" (empty when there is nothing to say).
std::string renderSummary(size_t errors, size_t warnings);

nlohmann::json rangeToJson(const SourceRange& range, const SourceManager& sources);
nlohmann::json diagnosticToJson(const Diagnostic& d, const SourceManager& sources);
// {"version": 1, "diagnostics": [...], "errors": N, "warnings": N}
std::string renderJson(const DiagnosticSink& sink, const SourceManager& sources);

// For CI: SARIF 2.1.0 (GitHub code scanning and other SARIF viewers) and
// GitLab's Code Quality report (both in render_sarif.cpp).
struct CiReportOptions {
  std::string toolVersion = VORONKA_VERSION;
  std::string docsUrl = VORONKA_DOCS_URL;  // absolute base of docs/: help URIs point into lints.md
  std::filesystem::path sourceRoot;        // relative paths are relative to this directory (default: the current one)
  std::filesystem::path stdlibDir;         // where the `<stdlib>/…` files are
  // Why the run could not check (a file unreadable, a bad voronka.toml): the
  // SARIF invocation is then unsuccessful, with one notification each.
  std::vector<std::string> failures;
};
// One run; every diagnostic kind as a rule (id, descriptions, help URI,
// default level); each result with its rule, level, location in code-point
// columns, notes as related locations, and a fingerprint; silenced findings
// (the sink's suppressed ones) as results with `suppressions`.
std::string renderSarif(const DiagnosticSink& sink, const SourceManager& sources, const CiReportOptions& options = {});
// GitLab Code Quality (CodeClimate JSON): description, check_name, fingerprint, severity, location.
std::string renderCodeQuality(const DiagnosticSink& sink, const SourceManager& sources,
                              const CiReportOptions& options = {});
// A fingerprint per diagnostic of the sink, in order: stable while the lines
// around it move, changed when the flagged code, its line or the file does.
// Built from the id, the file, the flagged text and its line, and the
// diagnostic's rank among others with the same of these.
std::vector<std::string> fingerprints(const DiagnosticSink& sink, const SourceManager& sources);

}  // namespace voronka
