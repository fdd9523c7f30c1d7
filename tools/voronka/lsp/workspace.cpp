#include "tools/voronka/lsp/workspace.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>

#include "compiler/check/checker.h"
#include "compiler/driver/standard_library.h"
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

std::vector<const ast::Decl*> ParsedFile::decls() const {
  std::vector<const ast::Decl*> out;
  for (const auto& c : chunks) {
    for (const auto& d : c->parse.module->decls) out.push_back(d.get());
  }
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
    : options_(std::move(options)), session_(driver::SessionOptions{options_.stdlibDir}) {}

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

// Follows `use` from the root as the driver does (compiler/driver/compilation.cpp:
// relative files, `std.a.b` in the standard library, cycles reported with
// their whole circle), then checks, lints and indexes the program.
std::shared_ptr<const Analysis> Workspace::analyse(FileId root, std::vector<std::pair<FileId, uint64_t>>& inputs) {
  auto a = std::make_shared<Analysis>();
  a->root = root;
  DiagnosticSink sink;
  bool hasErrors = false;
  std::map<FileId, int> visitState;  // 1 on the current path, 2 done
  std::vector<FileId> path;

  auto resolve = [&](const ast::UseDecl& use, FileId from) -> std::optional<FileId> {
    if (use.isFile) {
      fs::path target = (fs::path(state(from).path).parent_path() / use.path).lexically_normal();
      FileId id = idFor(target.string());
      bool readable = load(id);
      inputs.emplace_back(id, state(id).generation);  // a missing file is an input too: it may appear
      if (!readable) {
        sink.emit(diag::CannotRead, use.pathRange, target.string(), state(id).readError);
        return std::nullopt;
      }
      return id;
    }
    std::optional<fs::path> standard = driver::standardModuleFile(use.path);
    if (!standard) {
      sink.emit(diag::BadModulePath, use.pathRange, use.path);
      return std::nullopt;
    }
    fs::path rel = *standard;
    fs::path target = session_.stdlibDir() / rel;
    std::error_code ec;
    if (!fs::is_regular_file(target, ec)) {
      std::string list;
      for (const auto& name : driver::standardModules(session_.stdlibDir())) list += (list.empty() ? "" : ", ") + name;
      sink.emit(diag::UnknownStdModule, use.pathRange, use.path, list.empty() ? "(none found)" : list);
      return std::nullopt;
    }
    FileId id = idFor(target.string());
    bool readable = load(id);
    inputs.emplace_back(id, state(id).generation);
    if (!readable) {
      sink.emit(diag::CannotRead, use.pathRange, target.string(), state(id).readError);
      return std::nullopt;
    }
    return id;
  };

  std::function<void(FileId)> visit = [&](FileId file) {
    visitState[file] = 1;
    path.push_back(file);
    std::shared_ptr<const ParsedFile> parsedFile = parsed(file);
    inputs.emplace_back(file, state(file).generation);
    a->files.push_back(parsedFile);
    if (parsedFile->errors > 0) hasErrors = true;
    for (const ast::Decl* decl : parsedFile->decls()) {
      if (decl->kind != ast::DeclKind::Use) continue;
      const auto& use = decl->as<ast::UseDecl>();
      std::optional<FileId> target = resolve(use, file);
      if (!target) {
        hasErrors = true;
        continue;
      }
      a->uses.emplace_back(use.pathRange, *target);
      if (visitState[*target] == 1) {
        auto from = std::find(path.begin(), path.end(), *target);
        std::string cycle;
        for (auto it = from; it != path.end(); ++it) cycle += state(*it).path + " → ";
        cycle += state(*target).path;
        sink.emit(diag::ImportCycle, use.range, cycle);
        hasErrors = true;
        continue;
      }
      if (visitState[*target] == 0) visit(*target);
    }
    path.pop_back();
    visitState[file] = 2;
  };
  if (!parsed(root)) return a;
  visit(root);

  std::vector<const ast::Module*> modules = a->modules();
  if (!hasErrors) {
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
