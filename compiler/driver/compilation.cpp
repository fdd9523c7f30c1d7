#include "compiler/driver/compilation.h"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "compiler/check/checker.h"
#include "compiler/lint/lint.h"

namespace voronka::driver {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> readFile(const fs::path& path, std::string& error) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    error = "it is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string canonicalKey(const fs::path& path) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  return (ec ? fs::absolute(path) : canonical).lexically_normal().string();
}

}  // namespace

Compilation::Compilation(CompileOptions options) : options_(std::move(options)) {}

std::optional<FileId> Compilation::loadFile(const fs::path& path, const std::string& displayPath, std::string& error) {
  std::string key = canonicalKey(path);
  if (auto it = byCanonicalPath_.find(key); it != byCanonicalPath_.end()) return it->second;
  std::optional<std::string> text = readFile(path, error);
  if (!text) return std::nullopt;
  FileId id = sources_.add(displayPath, std::move(*text));
  byCanonicalPath_.emplace(key, id);
  modules_.emplace(id, parse::parseFile(sources_.file(id), diagnostics_, options_.parse));
  return id;
}

std::optional<FileId> Compilation::loadRoot(const fs::path& path, std::string& error) {
  return loadFile(path, path.lexically_normal().string(), error);
}

std::vector<std::string> Compilation::standardModules() const {
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::is_directory(options_.stdlibDir, ec)) return names;
  for (auto it = fs::recursive_directory_iterator(options_.stdlibDir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file() || it->path().extension() != ".funnel") continue;
    fs::path rel = it->path().lexically_relative(options_.stdlibDir);
    rel.replace_extension();
    std::string name = "std";
    for (const auto& part : rel) {
      name += '.';
      name += part.string();
    }
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<FileId> Compilation::resolveUse(const ast::UseDecl& use, FileId from) {
  auto key = std::make_pair(from, &use);
  if (auto it = resolved_.find(key); it != resolved_.end()) return it->second;
  std::optional<FileId> result;
  std::string error;
  if (use.isFile) {
    fs::path base = fs::path(sources_.file(from).path()).parent_path();
    fs::path target = (base / use.path).lexically_normal();
    result = loadFile(target, target.string(), error);
    if (!result) diagnostics_.emit(diag::CannotRead, use.pathRange, target.string(), error);
  } else if (std::optional<fs::path> standard = standardModuleFile(use.path); !standard) {
    diagnostics_.emit(diag::BadModulePath, use.pathRange, use.path);
  } else {
    const fs::path& rel = *standard;
    fs::path target = options_.stdlibDir / rel;
    std::error_code ec;
    if (fs::is_regular_file(target, ec)) {
      result = loadFile(target, "<stdlib>/" + rel.string(), error);
      if (!result) diagnostics_.emit(diag::CannotRead, use.pathRange, target.string(), error);
    } else {
      std::string list;
      for (const auto& name : standardModules()) list += (list.empty() ? "" : ", ") + name;
      diagnostics_.emit(diag::UnknownStdModule, use.pathRange, use.path, list.empty() ? "(none found)" : list);
    }
  }
  resolved_[key] = result;
  return result;
}

ProgramFiles Compilation::collect(FileId root) {
  ProgramFiles program;
  program.root = root;
  // Depth-first over `use`, with the path kept to name the files of a cycle.
  std::map<FileId, int> state;  // 1 = on the current path, 2 = done
  std::vector<FileId> path;
  std::function<void(FileId)> visit = [&](FileId file) {
    state[file] = 1;
    path.push_back(file);
    program.files.push_back(file);
    const auto& parsed = modules_.at(file);
    if (parsed.errors > 0) program.hasErrors = true;
    for (const auto& decl : parsed.module->decls) {
      if (decl->kind != ast::DeclKind::Use) continue;
      const auto& use = decl->as<ast::UseDecl>();
      std::optional<FileId> target = resolveUse(use, file);
      if (!target) {
        program.hasErrors = true;
        continue;
      }
      if (state[*target] == 1) {
        auto from = std::find(path.begin(), path.end(), *target);
        std::string cycle;
        for (auto it = from; it != path.end(); ++it) cycle += sources_.file(*it).path() + " → ";
        cycle += sources_.file(*target).path();
        diagnostics_.emit(diag::ImportCycle, use.range, cycle);
        program.hasErrors = true;
        continue;
      }
      if (state[*target] == 0) visit(*target);
    }
    path.pop_back();
    state[file] = 2;
  };
  visit(root);
  return program;
}

std::optional<check::CheckedProgram> Compilation::check(const ProgramFiles& program) {
  if (program.hasErrors) return std::nullopt;
  std::vector<const ast::Module*> modules;
  for (FileId f : program.files) modules.push_back(modules_.at(f).module.get());
  size_t errorsBefore = diagnostics_.errorCount();
  check::CheckedProgram checked = check::checkProgram(modules, diagnostics_);
  if (options_.lint && diagnostics_.errorCount() == errorsBefore) lint::runLints(checked, sources_, diagnostics_);
  return checked;
}

std::optional<std::filesystem::path> standardModuleFile(const std::string& usePath) {
  if (usePath.rfind("std.", 0) != 0 || usePath.size() <= 4) return std::nullopt;
  std::filesystem::path rel;
  std::string rest = usePath.substr(4);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t dot = rest.find('.', start);
    rel /= rest.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  rel += ".funnel";
  return rel;
}

std::vector<fs::path> expandInputs(const std::vector<std::string>& args, std::vector<std::string>& errors) {
  std::vector<fs::path> files;
  for (const auto& arg : args) {
    fs::path path(arg);
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (it->is_regular_file() && it->path().extension() == ".funnel") found.push_back(it->path());
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) errors.push_back(fmt::format("{}: no .funnel files in this directory", arg));
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(path, ec)) {
      files.push_back(path);
    } else {
      errors.push_back(fmt::format("{}: no such file or directory", arg));
    }
  }
  return files;
}

void runWithLargeStack(const std::function<void()>& fn) {
  constexpr size_t kStackSize = size_t{512} << 20;  // reserved, not committed
  struct Call {
    const std::function<void()>* fn;
    std::exception_ptr error;
  } call{&fn, nullptr};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kStackSize);
  pthread_t thread;
  auto body = [](void* arg) -> void* {
    auto* c = static_cast<Call*>(arg);
    try {
      (*c->fn)();
    } catch (...) {
      c->error = std::current_exception();
    }
    return nullptr;
  };
  if (pthread_create(&thread, &attr, body, &call) != 0) {
    pthread_attr_destroy(&attr);
    fn();  // no thread: run here
    return;
  }
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  if (call.error) std::rethrow_exception(call.error);
}

}  // namespace voronka::driver
