#include "tools/voronka/lsp/workspace.h"

#include <algorithm>
#include <fstream>

#include "compiler/check/checker.h"
#include "compiler/driver/program_files.h"
#include "compiler/driver/project_config.h"
#include "compiler/lint/lint.h"

namespace voronka::lsp {

namespace fs = std::filesystem;

namespace {

std::string canonicalKey(const fs::path& path) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  return (ec ? fs::absolute(path) : canonical).lexically_normal().string();
}

}  // namespace

const ParsedFile* Analysis::file(FileId id) const {
  for (const auto& f : files) {
    if (f->source->id() == id) return f.get();
  }
  return nullptr;
}

std::vector<const ast::Module*> ParsedFile::modules() const {
  std::vector<const ast::Module*> out;
  for (const auto& c : chunks) out.push_back(c->parse.module.get());
  return out;
}

std::vector<const ast::Module*> Analysis::modulesForChecker() const {
  std::vector<const ast::Module*> out;
  for (const auto& f : files) {
    std::vector<const ast::Module*> pieces = f->modules();
    out.insert(out.end(), pieces.rbegin(), pieces.rend());
  }
  return out;
}

std::vector<const ast::Module*> Analysis::modules() const {
  std::vector<const ast::Module*> out;
  for (const auto& f : files) {
    for (const ast::Module* m : f->modules()) out.push_back(m);
  }
  return out;
}

Workspace::Workspace(WorkspaceOptions options)
    : options_(std::move(options)),
      session_(driver::SessionOptions{.stdlibDir = options_.stdlibDir, .standardInput = {}}) {}

FileId Workspace::idFor(const std::string& path) {
  std::string key = canonicalKey(path);
  if (auto it = byPath_.find(key); it != byPath_.end()) return it->second;
  FileId id = static_cast<FileId>(files_.size());
  FileState s;
  s.path = key;
  files_.push_back(std::move(s));
  byPath_.emplace(key, id);
  return id;
}

std::optional<FileId> Workspace::find(const std::string& path) const {
  auto it = byPath_.find(canonicalKey(path));
  if (it == byPath_.end()) return std::nullopt;
  return it->second;
}

const std::string& Workspace::path(FileId id) const { return files_.at(id).path; }

void Workspace::setText(FileId id, std::string text) {
  FileState& s = state(id);
  s.source = std::make_shared<const SourceFile>(id, s.path, std::move(text));
  s.loaded = true;
  s.readError.clear();
  s.parsed.reset();
  s.generation = nextGeneration_++;
}

FileId Workspace::open(const std::string& path, std::string text) {
  FileId id = idFor(path);
  state(id).open = true;
  setText(id, std::move(text));
  return id;
}

FileId Workspace::change(const std::string& path, std::string text) {
  FileId id = idFor(path);
  state(id).open = true;
  setText(id, std::move(text));
  return id;
}

void Workspace::close(const std::string& path) {
  auto id = find(path);
  if (!id) return;
  FileState& s = state(*id);
  s.open = false;
  // From now on the file is what is on disk.
  s.loaded = false;
  s.source.reset();
  s.parsed.reset();
  s.generation = nextGeneration_++;
  analyses_.erase(*id);
}

bool Workspace::isOpen(FileId id) const { return id < files_.size() && files_[id].open; }

std::vector<FileId> Workspace::openDocuments() const {
  std::vector<FileId> out;
  for (FileId id = 0; id < files_.size(); ++id) {
    if (files_[id].open) out.push_back(id);
  }
  return out;
}

std::vector<FileId> Workspace::knownFiles() const {
  std::vector<FileId> out;
  for (FileId id = 0; id < files_.size(); ++id) out.push_back(id);
  return out;
}

void Workspace::forgetDiskFiles() {
  for (FileState& s : files_) {
    if (s.open) continue;
    s.loaded = false;
    s.source.reset();
    s.parsed.reset();
    s.generation = nextGeneration_++;
  }
}

bool Workspace::load(FileId id) {
  FileState& s = state(id);
  if (s.loaded) return s.source != nullptr;
  s.loaded = true;
  s.generation = nextGeneration_++;
  std::error_code ec;
  if (fs::is_directory(s.path, ec)) {
    s.readError = "it is a directory";
    return false;
  }
  std::ifstream in(s.path, std::ios::binary);
  if (!in) {
    s.readError = std::strerror(errno);
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  s.source = std::make_shared<const SourceFile>(id, s.path, buffer.str());
  return true;
}

std::shared_ptr<const SourceFile> Workspace::source(FileId id) {
  if (id >= files_.size() || !load(id)) return nullptr;
  return state(id).source;
}

std::shared_ptr<const ParsedFile> Workspace::parsed(FileId id) {
  if (id >= files_.size() || !load(id)) return nullptr;
  FileState& s = state(id);
  if (s.parsed && s.parsed->generation == s.generation) return s.parsed;
  auto p = std::make_shared<ParsedFile>();
  p->source = s.source;
  p->generation = s.generation;
  p->chunks = s.chunker->parse(*p->source);
  for (const auto& c : p->chunks) {
    p->errors += c->parse.errors;
    p->diagnostics.insert(p->diagnostics.end(), c->diagnostics.begin(), c->diagnostics.end());
  }
  s.parsed = p;
  return s.parsed;
}

std::shared_ptr<const Analysis> Workspace::analysis(FileId root) {
  auto it = analyses_.find(root);
  if (it != analyses_.end()) {
    bool fresh = std::all_of(it->second.inputs.begin(), it->second.inputs.end(), [&](const auto& in) {
      return files_[in.first].generation == in.second && (files_[in.first].loaded || files_[in.first].open);
    });
    if (fresh) return it->second.analysis;
  }
  CachedAnalysis cached;
  cached.analysis = analyse(root, cached.inputs);
  analyses_[root] = cached;
  return cached.analysis;
}

std::vector<FileId> Workspace::dependents(FileId file) const {
  std::vector<FileId> out;
  for (const auto& [root, cached] : analyses_) {
    if (!isOpen(root)) continue;
    for (const auto& in : cached.inputs) {
      if (in.first == file) {
        out.push_back(root);
        break;
      }
    }
  }
  if (isOpen(file) && std::find(out.begin(), out.end(), file) == out.end()) out.push_back(file);
  return out;
}

// The workspace's files for the driver's UseResolver: a `use` loads the file
// as the editor has it when it is open, else from disk. Every file tried is
// an input of the analysis, a missing one too (it may appear).
class Workspace::ProgramLoader : public driver::FileLoader {
 public:
  ProgramLoader(Workspace& workspace, std::vector<std::pair<FileId, uint64_t>>& inputs)
      : workspace_(workspace), inputs_(inputs) {}

  std::optional<FileId> load(const driver::UseTarget& target, std::string& error) override {
    FileId id = workspace_.idFor(target.path.string());
    bool readable = workspace_.load(id);
    inputs_.emplace_back(id, workspace_.state(id).generation);
    if (!readable) {
      error = workspace_.state(id).readError;
      return std::nullopt;
    }
    return id;
  }
  std::string pathOf(FileId file) override { return workspace_.state(file).path; }
  driver::ParsedModules parsed(FileId file) override {
    std::shared_ptr<const ParsedFile> p = workspace_.parsed(file);
    return driver::ParsedModules{p->modules(), p->errors > 0};
  }

 private:
  Workspace& workspace_;
  std::vector<std::pair<FileId, uint64_t>>& inputs_;
};

// Follows `use` from the root as the driver does, then checks, lints and
// indexes the program.
std::shared_ptr<const Analysis> Workspace::analyse(FileId root, std::vector<std::pair<FileId, uint64_t>>& inputs) {
  auto a = std::make_shared<Analysis>();
  a->root = root;
  DiagnosticSink sink;
  if (!parsed(root)) return a;
  ProgramLoader loader(*this, inputs);
  driver::UseResolver resolver(loader, session_.stdlibDir(), sink);
  driver::ProgramFiles program = resolver.collect(root);
  for (FileId file : program.files) {
    a->files.push_back(parsed(file));
    inputs.emplace_back(file, state(file).generation);
  }
  a->uses = std::move(program.uses);

  std::vector<const ast::Module*> modules = a->modules();
  if (!program.hasErrors) {
    size_t errorsBefore = sink.errorCount();
    a->program = check::checkProgram(a->modulesForChecker(), sink);
    if (options_.lint && sink.errorCount() == errorsBefore) {
      // The lints read comments through a SourceManager whose ids are ours.
      SourceManager sources;
      FileId last = 0;
      for (const auto& f : a->files) last = std::max(last, f->source->id());
      for (FileId id = 0; id <= last; ++id) {
        const ParsedFile* f = a->file(id);
        sources.add(state(id).path, f ? std::string(f->source->text()) : std::string());
      }
      lint::runLints(*a->program, sources, sink);
    }
    // Lint levels of the nearest voronka.toml, as `voronka check` applies them
    // (a broken one applies none: editing it must not stop the diagnostics).
    std::string error;
    if (const driver::ProjectConfig* config = session_.configFor(state(root).path, error)) {
      driver::applyLintLevels(sink, [&](FileId) { return config; });
    }
  }
  for (const auto& f : a->files) {
    for (const auto& d : f->diagnostics) sink.add(d);
  }
  sink.sortAndDeduplicate();
  a->diagnostics = sink.all();
  a->index = index::buildIndex(modules, a->program ? &*a->program : nullptr);
  return a;
}

}  // namespace voronka::lsp
