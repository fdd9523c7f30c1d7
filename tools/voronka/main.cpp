// voronka: a compiler and runtime for CRM sales-funnel automation.
#include <map>

#include "tools/voronka/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "voronka — sales funnels for amoCRM/Bitrix24-style CRMs, written as text, checked and tested.\n"
      "Write .funnel files, then `voronka check` them; see docs/language.md for the language."};
  app.set_version_flag("--version", std::string("voronka 0.1.0"));
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
