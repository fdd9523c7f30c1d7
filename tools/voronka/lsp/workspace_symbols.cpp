// Workspace symbols: the declarations of every file the server knows — open
// documents, the files they `use`, and the .funnel files under the
// workspace's folders — whose name or title holds the query, compared
// without case (Cyrillic too).
#include <fmt/format.h>

#include "common/utf8.h"
#include "tools/voronka/lsp/server.h"

namespace voronka::lsp {

namespace fs = std::filesystem;

namespace {

// Lower case for Latin and Cyrillic (Ё and the other letters of U+0400–U+042F).
std::string folded(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    char32_t c = utf8::decode(text, i);
    if (c >= U'A' && c <= U'Z')
      c += 0x20;
    else if (c >= 0x410 && c <= 0x42F)
      c += 0x20;
    else if (c >= 0x400 && c <= 0x40F)
      c += 0x50;
    utf8::append(out, c);
  }
  return out;
}

// The .funnel files under a folder; hidden folders and build trees are
// skipped, and the walk stops after `limit` entries (a workspace opened at
// the home folder must not stall the server).
void funnelFiles(const fs::path& root, std::vector<std::string>& out, size_t limit) {
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  for (size_t seen = 0; !ec && it != end && seen < limit; it.increment(ec), ++seen) {
    std::string name = it->path().filename().string();
    if (it->is_directory(ec)) {
      if ((!name.empty() && name[0] == '.') || name == "build" || name == "node_modules")
        it.disable_recursion_pending();
      continue;
    }
    if (it->path().extension() == ".funnel") out.push_back(it->path().string());
  }
}

}  // namespace

Json Server::workspaceSymbols(const Json& params) {
  std::string query = folded(params.value("query", ""));
  std::vector<FileId> files;
  std::vector<std::string> onDisk;
  for (const std::string& root : roots_) funnelFiles(root, onDisk, 20000);
  for (const std::string& path : onDisk) workspace_->file(path);
  for (FileId id : workspace_->knownFiles()) files.push_back(id);

  Json out = Json::array();
  std::function<void(FileId, const SourceFile&, const index::OutlineItem&, const std::string&)> add =
      [&](FileId id, const SourceFile& source, const index::OutlineItem& item, const std::string& container) {
        // An outline item's detail is its title, but a payload field's is its type.
        bool titled = item.kind != index::SymbolKind::Payload;
        bool matches = query.empty() || folded(item.name).find(query) != std::string::npos ||
                       (titled && folded(item.detail).find(query) != std::string::npos);
        if (matches && item.nameRange.valid()) {
          Json s{
              {"name", item.name}, {"kind", symbolKindNumber(item.kind)}, {"location", location(id, item.nameRange)}};
          if (!container.empty()) s["containerName"] = container;
          out.push_back(std::move(s));
        }
        for (const auto& child : item.children) add(id, source, child, item.name);
      };
  for (FileId id : files) {
    std::shared_ptr<const ParsedFile> parsed = workspace_->parsed(id);
    if (!parsed) continue;
    for (const ast::Module* m : parsed->modules()) {
      for (const index::OutlineItem& item : index::outline(*m)) add(id, *parsed->source, item, "");
    }
  }
  return out;
}

}  // namespace voronka::lsp
