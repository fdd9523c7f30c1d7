// `voronka explain ID`: what a diagnostic means and what to do about it.
#include <fmt/format.h>

#include <iostream>

#include "compiler/diagnostics/diagnostic.h"
#include "tools/voronka/commands.h"

namespace voronka::tool {

Runner addExplainCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("explain", "Explain a diagnostic by its id (the [id] after each message), or list them all");
  auto id = std::make_shared<std::string>();
  auto list = std::make_shared<bool>(false);
  cmd->add_option("id", *id, "A diagnostic id, such as unknown-name");
  cmd->add_flag("--list", *list, "List every diagnostic: id, severity and summary");
  return [id, list]() {
    if (*list || id->empty()) {
      for (const auto& k : allDiagKinds()) {
        std::cout << fmt::format("{:<22} {:<8} {}\n", k.id, severityName(k.severity), k.explanation.substr(0, k.explanation.find(". ") + 1));
      }
      return 0;
    }
    const DiagKindInfo* k = findDiagKind(*id);
    if (!k) {
      std::cerr << fmt::format("voronka: error: no diagnostic with id `{}`; `voronka explain --list` lists them\n", *id);
      return 2;
    }
    std::cout << fmt::format("{} ({})\n\n{}\n", k->id, severityName(k->severity), k->explanation);
    return 0;
  };
}

}  // namespace voronka::tool
