// `voronka explain ID`: what a diagnostic means and what to do about it.
#include <fmt/format.h>

#include <iostream>

#include "compiler/diagnostics/diagnostic.h"
#include "tools/voronka/commands.h"

namespace voronka::tool {
namespace {

// The explanation's first sentence ("e.g." does not end one).
std::string_view firstSentence(std::string_view text) {
  size_t from = 0;
  while (true) {
    size_t end = text.find(". ", from);
    if (end == std::string_view::npos) return text;
    if (end >= 3 && text.substr(end - 3, 3) == "e.g") {
      from = end + 2;
      continue;
    }
    return text.substr(0, end + 1);
  }
}

}  // namespace

Runner addExplainCommand(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("explain", "Explain a diagnostic by its id (the [id] after each message), or list them all");
  auto id = std::make_shared<std::string>();
  auto list = std::make_shared<bool>(false);
  cmd->add_option("id", *id, "A diagnostic id, such as unknown-name");
  cmd->add_flag("--list", *list, "List every diagnostic: id, severity and summary");
  return [id, list]() {
    if (*list || id->empty()) {
      for (const auto& k : allDiagKinds()) {
        std::cout << fmt::format("{:<22} {:<8} {}\n", k.id, severityName(k.severity), firstSentence(k.explanation));
      }
      return 0;
    }
    const DiagKindInfo* k = findDiagKind(*id);
    if (!k) {
      std::cerr << fmt::format("voronka: error: no diagnostic with id `{}`; `voronka explain --list` lists them\n",
                               *id);
      return 2;
    }
    std::cout << fmt::format("{} ({})\n\n{}\n", k->id, severityName(k->severity), k->explanation);
    return 0;
  };
}

}  // namespace voronka::tool
