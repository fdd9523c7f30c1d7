// Renderers: the diagnostics of a compilation as text for people and as JSON
// for machines (SARIF arrives with the lints issue).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "compiler/diagnostics/diagnostic.h"

namespace voronka {

struct TextRenderOptions {
  bool color = false;
};

// `file:line:col: severity: message [id]`, the source line, a caret line under
// the span (columns in characters), then the notes in the same form.
std::string renderText(const Diagnostic& d, const SourceManager& sources, const TextRenderOptions& options = {});
// The closing line: "2 errors, 1 warning" (empty when there is nothing to say).
std::string renderSummary(size_t errors, size_t warnings);

nlohmann::json rangeToJson(const SourceRange& range, const SourceManager& sources);
nlohmann::json diagnosticToJson(const Diagnostic& d, const SourceManager& sources);
// {"version": 1, "diagnostics": [...], "errors": N, "warnings": N}
std::string renderJson(const DiagnosticSink& sink, const SourceManager& sources);

}  // namespace voronka
