// Document sync and diagnostics: the editor's text in, `voronka check`'s
// messages (syntax, checker, lints, with their ids) out, for each open
// document and the files its program uses.
#include <fmt/format.h>

#include "compiler/diagnostics/diagnostic.h"
#include "tools/voronka/lsp/server.h"

namespace voronka::lsp {

namespace {

std::string requireString(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) {
    throw RequestError{error_code::InvalidParams, fmt::format("`{}` is missing or not a string", key)};
  }
  return j[key].get<std::string>();
}

std::string pathOf(const std::string& uri) { return documentPath(uri); }

}  // namespace

void Server::didOpen(const Json& params) {
  const Json& doc = params.at("textDocument");
  std::string uri = requireString(doc, "uri");
  FileId id = workspace_->open(pathOf(uri), requireString(doc, "text"));
  uris_[id] = uri;
  if (doc.contains("version") && doc["version"].is_number_integer()) versions_[id] = doc["version"];
  diagnose(id);
}

void Server::didChange(const Json& params) {
  const Json& doc = params.at("textDocument");
  std::string uri = requireString(doc, "uri");
  std::string path = pathOf(uri);
  std::optional<FileId> id = workspace_->find(path);
  if (!id || !workspace_->isOpen(*id)) return;  // a change to a document that was never opened
  std::shared_ptr<const SourceFile> current = workspace_->source(*id);
  std::string text(current->text());
  for (const Json& change : params.at("contentChanges")) {
    std::string replacement = requireString(change, "text");
    if (!change.contains("range")) {
      text = std::move(replacement);
      continue;
    }
    // Each change applies to the text the previous one left.
    SourceFile file(*id, path, text);
    auto start = positionFromJson(change["range"].value("start", Json()));
    auto end = positionFromJson(change["range"].value("end", Json()));
    if (!start || !end) throw RequestError{error_code::InvalidParams, "a change with a bad range"};
    uint32_t from = offsetOf(file, *start, encoding_);
    uint32_t to = std::max(from, offsetOf(file, *end, encoding_));
    text.replace(from, to - from, replacement);
  }
  workspace_->change(path, std::move(text));
  uris_[*id] = uri;
  if (doc.contains("version") && doc["version"].is_number_integer()) versions_[*id] = doc["version"];
  if (moreChangesQueued(uri)) return;  // diagnose after the last edit of a burst
  diagnose(*id);
}

void Server::didClose(const Json& params) {
  std::string uri = requireString(params.at("textDocument"), "uri");
  std::string path = pathOf(uri);
  std::optional<FileId> id = workspace_->find(path);
  workspace_->close(path);
  if (id) {
    uris_.erase(*id);
    versions_.erase(*id);
  }
  notify("textDocument/publishDiagnostics", {{"uri", uri}, {"diagnostics", Json::array()}});
  withDiagnostics_.erase(uri);
  // Programs that use the closed file now read it from disk.
  if (id) {
    for (FileId d : workspace_->dependents(*id)) publish(*workspace_->analysis(d));
  }
}

void Server::didChangeWatchedFiles() {
  workspace_->forgetDiskFiles();
  for (FileId d : workspace_->openDocuments()) publish(*workspace_->analysis(d));
}

// Re-diagnoses every open program the changed file belongs to.
void Server::diagnose(FileId changed) {
  for (FileId d : workspace_->dependents(changed)) publish(*workspace_->analysis(d));
}

Json Server::diagnosticJson(const Diagnostic& d, const SourceFile& file) {
  std::string message = d.message;
  Json related = Json::array();
  for (const auto& note : d.notes) {
    if (note.range.valid()) {
      std::shared_ptr<const SourceFile> where = workspace_->source(note.range.file);
      if (where) {
        related.push_back(
            {{"location", {{"uri", uriOf(note.range.file)}, {"range", rangeJson(*where, note.range, encoding_)}}},
             {"message", note.message}});
        continue;
      }
    }
    message += "\nnote: " + note.message;
  }
  int severity = d.severity == Severity::Error ? 1 : d.severity == Severity::Warning ? 2 : 3;
  Json out{{"range", rangeJson(file, d.range, encoding_)},
           {"severity", severity},
           {"code", std::string(d.id())},
           {"source", "voronka"},
           {"message", message}};
  if (!related.empty()) out["relatedInformation"] = related;
  return out;
}

// Publishes the diagnostics of a program: the root's always (an empty list
// clears old ones), those of the files it uses that are not open themselves
// (an open file is published from its own program).
void Server::publish(const Analysis& analysis) {
  std::map<FileId, Json> byFile;
  byFile[analysis.root] = Json::array();
  for (const auto& f : analysis.files) {
    FileId id = f->source->id();
    if (id != analysis.root && !workspace_->isOpen(id)) byFile[id] = Json::array();
  }
  for (const Diagnostic& d : analysis.diagnostics) {
    auto it = byFile.find(d.range.file);
    if (it == byFile.end()) continue;
    const ParsedFile* f = analysis.file(d.range.file);
    if (!f) continue;
    it->second.push_back(diagnosticJson(d, *f->source));
  }
  // A used file that does not parse stops the checker for the whole program: say so where it is used.
  if (!analysis.program) {
    const ParsedFile* root = analysis.file(analysis.root);
    for (const auto& [range, target] : analysis.uses) {
      const ParsedFile* used = analysis.file(target);
      if (range.file != analysis.root || !used || used->errors == 0 || !root) continue;
      byFile[analysis.root].push_back(
          {{"range", rangeJson(*root->source, range, encoding_)},
           {"severity", 3},
           {"source", "voronka"},
           {"message",
            fmt::format("{} has {} syntax error{}; this program is checked when {} fixed", workspace_->path(target),
                        used->errors, used->errors == 1 ? "" : "s", used->errors == 1 ? "it is" : "they are")}});
    }
  }
  for (auto& [id, list] : byFile) {
    std::string uri = uriOf(id);
    if (id != analysis.root && list.empty() && !withDiagnostics_.count(uri)) continue;
    if (list.empty()) {
      withDiagnostics_.erase(uri);
    } else {
      withDiagnostics_.insert(uri);
    }
    Json params{{"uri", uri}, {"diagnostics", std::move(list)}};
    if (auto v = versions_.find(id); v != versions_.end() && workspace_->isOpen(id)) params["version"] = v->second;
    notify("textDocument/publishDiagnostics", std::move(params));
  }
}

std::string Server::uriOf(FileId id) {
  auto it = uris_.find(id);
  return it != uris_.end() ? it->second : uriFromPath(workspace_->path(id));
}

}  // namespace voronka::lsp
