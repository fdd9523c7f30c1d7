#include "compiler/driver/program_files.h"

#include <algorithm>
#include <functional>

#include "compiler/driver/standard_library.h"

namespace voronka::driver {

namespace fs = std::filesystem;

UseResolver::UseResolver(FileLoader& files, fs::path stdlibDir, DiagnosticSink& sink)
    : files_(files), stdlibDir_(std::move(stdlibDir)), sink_(sink) {}

std::optional<UseTarget> UseResolver::locate(const ast::UseDecl& use, FileId from) {
  if (use.isFile) {
    fs::path base = fs::path(files_.pathOf(from)).parent_path();
    fs::path target = (base / use.path).lexically_normal();
    return UseTarget{target, target.string()};
  }
  std::optional<fs::path> rel = standardModuleFile(use.path);
  if (!rel) {
    sink_.emit(diag::BadModulePath, use.pathRange, use.path);
    return std::nullopt;
  }
  fs::path target = stdlibDir_ / *rel;
  std::error_code ec;
  if (!fs::is_regular_file(target, ec)) {
    std::string list;
    for (const auto& name : standardModules(stdlibDir_)) list += (list.empty() ? "" : ", ") + name;
    sink_.emit(diag::UnknownStdModule, use.pathRange, use.path, list.empty() ? "(none found)" : list);
    return std::nullopt;
  }
  return UseTarget{target, "<stdlib>/" + rel->string()};
}

std::optional<FileId> UseResolver::resolve(const ast::UseDecl& use, FileId from) {
  auto key = std::make_pair(from, &use);
  if (auto it = resolved_.find(key); it != resolved_.end()) return it->second;
  std::optional<FileId> result;
  if (std::optional<UseTarget> target = locate(use, from)) {
    std::string error;
    result = files_.load(*target, error);
    if (!result) sink_.emit(diag::CannotRead, use.pathRange, target->path.string(), error);
  }
  resolved_[key] = result;
  return result;
}

ProgramFiles UseResolver::collect(FileId root) {
  ProgramFiles program;
  program.root = root;
  // Depth-first over `use`, with the path kept to name the files of a cycle.
  std::map<FileId, int> state;  // 1 = on the current path, 2 = done
  std::vector<FileId> path;
  std::function<void(FileId)> visit = [&](FileId file) {
    state[file] = 1;
    path.push_back(file);
    program.files.push_back(file);
    ParsedModules parsed = files_.parsed(file);
    if (parsed.hasErrors) program.hasErrors = true;
    for (const ast::Module* module : parsed.modules) {
      for (const auto& decl : module->decls) {
        if (decl->kind != ast::DeclKind::Use) continue;
        const auto& use = decl->as<ast::UseDecl>();
        std::optional<FileId> target = resolve(use, file);
        if (!target) {
          program.hasErrors = true;
          continue;
        }
        program.uses.emplace_back(use.pathRange, *target);
        if (state[*target] == 1) {
          auto from = std::find(path.begin(), path.end(), *target);
          std::string cycle;
          for (auto it = from; it != path.end(); ++it) cycle += files_.pathOf(*it) + " → ";
          cycle += files_.pathOf(*target);
          sink_.emit(diag::ImportCycle, use.range, cycle);
          program.hasErrors = true;
          continue;
        }
        if (state[*target] == 0) visit(*target);
      }
    }
    path.pop_back();
    state[file] = 2;
  };
  visit(root);
  return program;
}

}  // namespace voronka::driver
