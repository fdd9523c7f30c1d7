#include <nlohmann/json.hpp>

#include "compiler/diagnostics/render.h"

namespace voronka {
namespace {

nlohmann::json positionToJson(const SourceFile& file, uint32_t offset) {
  LineColumn pos = file.position(offset);
  return {{"line", pos.line}, {"column", pos.column}, {"utf16_column", pos.utf16Column}, {"byte", offset}};
}

}  // namespace

nlohmann::json rangeToJson(const SourceRange& range, const SourceManager& sources) {
  const SourceFile& file = sources.file(range.file);
  return {{"start", positionToJson(file, range.begin)}, {"end", positionToJson(file, range.end)}};
}

nlohmann::json diagnosticToJson(const Diagnostic& d, const SourceManager& sources) {
  nlohmann::json j;
  j["id"] = std::string(d.id());
  j["severity"] = std::string(severityName(d.severity));
  j["message"] = d.message;
  if (d.range.valid()) {
    j["file"] = sources.file(d.range.file).path();
    j["range"] = rangeToJson(d.range, sources);
  }
  nlohmann::json notes = nlohmann::json::array();
  for (const auto& n : d.notes) {
    nlohmann::json jn;
    jn["message"] = n.message;
    if (n.range.valid()) {
      jn["file"] = sources.file(n.range.file).path();
      jn["range"] = rangeToJson(n.range, sources);
    }
    notes.push_back(std::move(jn));
  }
  j["notes"] = std::move(notes);
  return j;
}

std::string renderJson(const DiagnosticSink& sink, const SourceManager& sources) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& d : sink.all()) list.push_back(diagnosticToJson(d, sources));
  nlohmann::json root = {{"version", 1},
                         {"diagnostics", std::move(list)},
                         {"errors", sink.errorCount()},
                         {"warnings", sink.warningCount()}};
  return root.dump(2) + "\n";
}

}  // namespace voronka
