// `voronka disasm x.funnelc`: a readable listing of a module.
#include <fmt/format.h>

#include <iostream>
#include <map>

#include "runtime/bytecode/disassembler.h"
#include "tools/voronka/commands.h"
#include "tools/voronka/module_file.h"

namespace voronka::tool {

Runner addDisasmCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("disasm", "Show what a compiled module holds: its tables and code, with source lines");
  auto path = std::make_shared<std::string>();
  cmd->add_option("module", *path, "A .funnelc file made by `voronka build`")->required();
  return [path]() {
    int status = 0;
    std::optional<ModuleFile> file = loadModuleFile(*path, status);
    if (!file) return status;
    const bc::Module& module = file->module;
    // Source lines, when the files are still where the module was built.
    std::map<std::string, std::vector<std::string>> files;
    auto lines = [&](const std::string& file, int line) -> std::optional<std::string> {
      auto it = files.find(file);
      if (it == files.end()) {
        std::vector<std::string> text;
        std::ifstream in(file);
        for (std::string l; std::getline(in, l);) text.push_back(l);
        it = files.emplace(file, std::move(text)).first;
      }
      if (line < 1 || static_cast<size_t>(line) > it->second.size()) return std::nullopt;
      std::string l = it->second[static_cast<size_t>(line - 1)];
      size_t start = l.find_first_not_of(" \t");
      return start == std::string::npos ? "" : l.substr(start);
    };
    std::cout << bc::disassemble(module, lines);
    return 0;
  };
}

}  // namespace voronka::tool
