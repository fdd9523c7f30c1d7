// `voronka diff OLD NEW`: what a change to a funnel does, by meaning —
// pipelines, stages, rules, timers, guards, templates, declarations — as
// text grouped by pipeline and stage, or JSON. With --live STORE, how many
// deals and pending timers of a running store each change touches.
// Exit status as diff(1): 0 no differences, 1 differences, 2 trouble.
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>

#include "runtime/moddiff/live.h"
#include "runtime/moddiff/moddiff.h"
#include "runtime/moddiff/render.h"
#include "runtime/store/sqlite_store.h"
#include "tools/voronka/commands.h"
#include "tools/voronka/funnel_input.h"
#include "tools/voronka/live_server.h"
#include "tools/voronka/store_reader.h"

namespace voronka::tool {

namespace {

// Counts what the diff touches in the store; false (after saying why) when
// the store cannot be read or runs another module than OLD.
bool addLiveCounts(moddiff::ModuleDiff& diff, const FunnelInput& old, const std::string& path,
                   const std::string& token) {
  if (path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0) {
    std::optional<moddiff::LiveCounts> counts = liveCountsFromServer(path, token, old.module);
    if (!counts) return false;
    moddiff::applyLiveCounts(diff, old.module, *counts);
    return true;
  }
  std::unique_ptr<store::Store> store = openStoreForReading("--live", path);
  if (!store) return false;
  try {
    {
      auto tx = store->begin();
      std::optional<std::string> known = tx->meta("module_checksum");
      if (!known) {
        std::cerr << fmt::format(
            "voronka: error: --live {}: the store records no module; it was not written by `voronka serve`\n", path);
        return false;
      }
      if (tx->counts().deals > 0) {
        if (std::optional<std::string> why = storeModuleMismatch(old, *known, tx->meta("module_path"))) {
          std::cerr << fmt::format(
              "voronka: error: --live {}: {}; its deals name stages and rules by position, so give the module it "
              "runs as OLD\n",
              path, *why);
          return false;
        }
      }
    }
    moddiff::countLive(diff, old.module, *store);
  } catch (const std::exception& e) {
    std::cerr << fmt::format("voronka: error: --live {}: {}\n", path, e.what());
    return false;
  }
  return true;
}

}  // namespace

Runner addDiffCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "diff", "Compare two versions of a funnel by meaning: stages, rules, timers, guards, templates, declarations");
  struct Options {
    std::string oldPath, newPath;
    std::string format = "text";
    std::string live;
    std::string token;
    std::string stdlib;
    bool anyAccount = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("old", o->oldPath, "The version running now: a .funnel file (or directory) or a .funnelc module")
      ->required();
  cmd->add_option("new", o->newPath, "The changed version: a .funnel file (or directory) or a .funnelc module")
      ->required();
  cmd->add_option("--format", o->format, "text: grouped by pipeline and stage (default); json: docs/diff.md")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option(
      "--live", o->live,
      "A store of `voronka serve` (PATH, sqlite:PATH or postgres:CONNINFO) running OLD: count the deals and pending timers "
      "each change touches; or the server itself (http://HOST:PORT): deals only");
  cmd->add_option("--token", o->token,
                  "With --live http://…: an API token the server accepts (default: $VORONKA_TOKEN)");
  cmd->add_option("--stdlib", o->stdlib, "Directory of the std.* modules");
  cmd->add_flag("--any-account", o->anyAccount, "Compare funnels of two different accounts (refused by default)");
  cmd->footer(
      "Stages and pipelines are matched by name; one that disappears while another appears with the same\n"
      "title, position or rules is shown as \"renamed?\" with the reasons. Rules are matched by meaning,\n"
      "then by their event (or as timers), in order. Source lines are shown where the module knows them.\n"
      "Exit status: 0 no differences, 1 differences, 2 an input cannot be read, compiled or used.");
  return [o]() {
    std::optional<FunnelInput> before = loadFunnelInput(o->oldPath, o->stdlib);
    if (!before) return 2;
    std::optional<FunnelInput> after = loadFunnelInput(o->newPath, o->stdlib);
    if (!after) return 2;
    if (!o->anyAccount && !before->account.empty() && !after->account.empty() && before->account != after->account) {
      std::cerr << fmt::format(
          "voronka: error: {} is the funnel of account \"{}\" and {} of account \"{}\": diff compares two versions "
          "of one account's funnel (--any-account compares them anyway)\n",
          o->oldPath, before->account, o->newPath, after->account);
      return 2;
    }
    moddiff::DiffOptions options{sourceLinesFromDisk(), sourceLinesFromDisk()};
    moddiff::ModuleDiff diff = moddiff::diffModules(before->module, after->module, options);
    std::string token = o->token;
    if (token.empty()) {
      if (const char* env = std::getenv("VORONKA_TOKEN")) token = env;
    }
    if (!o->live.empty() && !addLiveCounts(diff, *before, o->live, token)) return 2;
    if (o->format == "json") {
      nlohmann::json j = moddiff::renderJson(diff);
      j["old"] = o->oldPath;
      j["new"] = o->newPath;
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << moddiff::renderText(diff);
    }
    return diff.empty() ? 0 : 1;
  };
}

}  // namespace voronka::tool
