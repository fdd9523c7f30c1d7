#include "compiler/driver/compilation.h"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>

#include "common/read_file.h"
#include "compiler/check/checker.h"
#include "compiler/lint/lint.h"

namespace voronka::driver {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> readFile(const fs::path& path, std::string& error) {
  Result<std::string> text = readWholeFile(path);
  if (!text) {
    error = text.error();
    return std::nullopt;
  }
  return std::move(*text);
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
  const std::optional<StandardInput>& standardInput = options_.standardInput;
  std::optional<std::string> text = standardInput && canonicalKey(standardInput->path) == key
                                        ? std::optional<std::string>(standardInput->text)
                                        : readFile(path, error);
  if (!text) return std::nullopt;
  FileId id = sources_.add(displayPath, std::move(*text));
  byCanonicalPath_.emplace(key, id);
  modules_.emplace(id, parse::parseFile(sources_.file(id), diagnostics_, options_.parse));
  return id;
}

std::optional<FileId> Compilation::loadRoot(const fs::path& path, std::string& error) {
  return loadFile(path, path.lexically_normal().string(), error);
}

std::optional<FileId> Compilation::load(const UseTarget& target, std::string& error) {
  return loadFile(target.path, target.displayPath, error);
}

ParsedModules Compilation::parsed(FileId file) {
  const parse::ParseResult& result = modules_.at(file);
  return ParsedModules{{result.module.get()}, result.errors > 0};
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

std::vector<fs::path> expandInputs(const std::vector<std::string>& args, std::vector<std::string>& errors,
                                   const std::optional<StandardInput>& standardInput) {
  std::vector<fs::path> files;
  bool standardInputTaken = false;
  for (const auto& arg : args) {
    if (arg == "-") {
      if (standardInputTaken) {
        errors.push_back("-: standard input is given twice; give it once");
      } else if (standardInput) {
        standardInputTaken = true;
        files.push_back(standardInput->path);
      } else {
        errors.push_back("-: this command does not read standard input; give a file or directory");
      }
      continue;
    }
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
    } else if (path.extension() == ".funnelc") {
      errors.push_back(fmt::format(
          "{}: a compiled module (made by `voronka build`), not a funnel source; give the .funnel files it was "
          "built from",
          arg));
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
