// voronka: a compiler and runtime for CRM sales-funnel automation.
#include <iostream>
#include <map>
#include <string>

#include "tools/voronka/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "voronka — sales funnels for amoCRM/Bitrix24-style CRMs, written as text, checked and tested.\n"
      "Write .funnel files, then `voronka check` them; see docs/language.md for the language."};
  const std::string version = std::string("voronka ") + VORONKA_VERSION;
  app.set_version_flag("-V,--version", version);
  app.require_subcommand(1);
  app.fallthrough(false);

  std::map<CLI::App*, voronka::tool::Runner> runners;
  auto add = [&](voronka::tool::Runner (*factory)(CLI::App&)) {
    size_t before = app.get_subcommands({}).size();
    voronka::tool::Runner run = factory(app);
    auto subs = app.get_subcommands({});
    if (subs.size() > before) runners[subs.back()] = std::move(run);
  };
  add(voronka::tool::addCheckCommand);
  add(voronka::tool::addExplainCommand);
  add(voronka::tool::addBuildCommand);
  add(voronka::tool::addDisasmCommand);
  add(voronka::tool::addTestCommand);
  add(voronka::tool::addRunCommand);
  add(voronka::tool::addDiffCommand);
  add(voronka::tool::addReplayCommand);
  add(voronka::tool::addFmtCommand);
  add(voronka::tool::addLspCommand);
  add(voronka::tool::addGraphCommand);
  add(voronka::tool::addServeCommand);
  add(voronka::tool::addDeployCommand);
  add(voronka::tool::addCrmCommand);
  add(voronka::tool::addSimCommand);
  add(voronka::tool::addStatsCommand);

  // `--version` and `-V` on every subcommand too.
  for (CLI::App* sub : app.get_subcommands({})) sub->set_version_flag("-V,--version", version);

  // An unknown command: say so and name the nearest.
  if (argc >= 2 && argv[1][0] != '-') {
    std::string given = argv[1];
    std::string nearest;
    size_t best = std::string::npos;
    bool known = false;
    for (CLI::App* sub : app.get_subcommands({})) {
      if (sub->get_name() == given) known = true;
      size_t d = voronka::tool::editDistance(given, sub->get_name());
      if (d < best) best = d, nearest = sub->get_name();
    }
    if (!known) {
      std::cerr << "voronka: error: unknown command `" << given << "`";
      if (best <= 2 || best * 3 <= given.size()) std::cerr << "; did you mean `" << nearest << "`?";
      std::cerr << " (`voronka --help` lists the commands)\n";
      return 2;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    // CLI11 uses 0 for --help/--version and 1+ for usage errors; ours are 2.
    return code == 0 ? 0 : 2;
  }
  for (auto& [sub, run] : runners) {
    if (sub->parsed()) return run();
  }
  return 2;
}
