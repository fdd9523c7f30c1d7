// `voronka replay NEW --events LOG (--old OLD | --store S)`: run a recorded
// history through a new version of a funnel on a virtual clock and list,
// per deal, the moves, tasks, effects and notes that would differ from what
// happened — with OLD (the same log run through it) or in the store S.
// Exit status as diff(1): 0 no differences, 1 differences, 2 trouble.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "common/read_file.h"
#include "runtime/engine/clock.h"
#include "runtime/moddiff/moddiff.h"
#include "runtime/store/memory_store.h"
#include "runtime/store/sqlite_store.h"
#include "tools/replay/replay.h"
#include "tools/voronka/commands.h"
#include "tools/voronka/funnel_input.h"
#include "tools/voronka/store_reader.h"

namespace voronka::tool {

namespace {

struct Options {
  std::string newPath;
  std::string events;
  std::string oldPath;
  std::string store;
  std::string until;
  std::string format = "text";
  std::string stdlib;
};

// Runs the log through `module` on a fresh memory store; false after
// saying why when the log cannot be read or the engine cannot start.
bool runLog(const Options& o, const bc::Module& module, int64_t start, store::MemoryStore& store,
            std::set<std::string>& deals, const std::string& label, const replay::RecordedAt& recordedAt = {}) {
  std::ifstream in;
  if (Result<void> opened = openForReading(in, o.events); !opened) {
    std::cerr << fmt::format("voronka: error: cannot read {}: {}\n", o.events, opened.error());
    return false;
  }
  std::vector<std::string> warnings;
  try {
    replay::LogRun run =
        replay::runEventLog(module, store, o.events, in, start, o.until.empty() ? std::nullopt : std::optional(o.until),
                            warnings, recordedAt);
    deals.insert(run.deals.begin(), run.deals.end());
  } catch (const std::exception& e) {
    std::cerr << fmt::format("voronka: error: {}: {}\n", label, e.what());
    return false;
  }
  for (const std::string& w : warnings) std::cerr << fmt::format("{} (with {})\n", w, label);
  std::set<std::string> ids = replay::dealIds(store);
  deals.insert(ids.begin(), ids.end());
  return true;
}

// Stages the new version likely renamed ("renamed?" of `voronka diff`),
// so a move into one is the same move on both sides.
replay::StageNames renamedStages(const bc::Module& before, const bc::Module& after) {
  replay::StageNames names;
  for (const moddiff::Change& ch : moddiff::diffModules(before, after).changes) {
    if (ch.kind == moddiff::ChangeKind::Renamed && ch.what == "stage" && ch.oldPipeline >= 0)
      names[before.str(before.pipelines[ch.oldPipeline].name) + "." + ch.oldName] = ch.pipeline + "." + ch.name;
  }
  return names;
}

// The store S and the module it runs, or nullopt after saying why.
struct Recorded {
  std::unique_ptr<store::Store> store;
  FunnelInput old;
};

std::optional<Recorded> openRecorded(const Options& o) {
  std::unique_ptr<store::Store> s = openStoreForReading("--store", o.store);
  if (!s) return std::nullopt;
  try {
    std::optional<std::string> checksum, modulePath;
    {
      auto tx = s->begin();
      checksum = tx->meta("module_checksum");
      modulePath = tx->meta("module_path");
    }
    if (!checksum) {
      std::cerr << fmt::format(
          "voronka: error: --store {}: the store records no module; it was not written by `voronka serve`\n", o.store);
      return std::nullopt;
    }
    std::string oldPath = !o.oldPath.empty() ? o.oldPath : modulePath.value_or("");
    if (oldPath.empty()) {
      std::cerr << fmt::format("voronka: error: --store {}: give the module it runs with --old\n", o.store);
      return std::nullopt;
    }
    std::optional<FunnelInput> old = loadFunnelInput(oldPath, o.stdlib);
    if (!old) {
      std::cerr << fmt::format("voronka: error: --store {} runs {}: give that module with --old\n", o.store, oldPath);
      return std::nullopt;
    }
    if (std::optional<std::string> why = storeModuleMismatch(*old, *checksum, modulePath)) {
      std::cerr << fmt::format(
          "voronka: error: --store {}: {}; its records name stages by position, so give the module it runs with "
          "--old\n",
          o.store, *why);
      return std::nullopt;
    }
    return Recorded{std::move(s), std::move(*old)};
  } catch (const std::exception& e) {
    std::cerr << fmt::format("voronka: error: --store {}: {}\n", o.store, e.what());
    return std::nullopt;
  }
}

int runReplay(const Options& o) {
  if (o.events.empty()) {
    std::cerr << "voronka: error: give the history with --events LOG (JSON lines, as `voronka run` reads); a store "
                 "keeps each event's id, deal, type and time but not its payload, so it cannot be replayed from "
                 "the store alone (--store S then says what happened)\n";
    return 2;
  }
  if (o.oldPath.empty() && o.store.empty()) {
    std::cerr << "voronka: error: say what happened: --old OLD (the log is run through it too) or --store S (what "
                 "the running store recorded)\n";
    return 2;
  }
  std::optional<FunnelInput> after = loadFunnelInput(o.newPath, o.stdlib);
  if (!after) return 2;
  int64_t start = engine::RealClock().now();  // one start for both runs: events without "at" happen then
  std::set<std::string> deals;
  store::MemoryStore newStore;
  replay::Happenings before;
  if (!o.store.empty()) {
    std::optional<Recorded> recorded = openRecorded(o);
    if (!recorded) return 2;
    store::Store& s = *recorded->store;
    // The store's own time of each event it applied, so both sides happen at once.
    auto recordedAt = [&s](const std::string& id) -> std::optional<int64_t> {
      std::optional<store::EventRecord> e = s.begin()->event(id);
      return e ? std::optional<int64_t>(e->at) : std::nullopt;
    };
    if (!runLog(o, after->module, start, newStore, deals, o.newPath, recordedAt)) return 2;
    std::set<std::string> present = replay::dealIds(s);
    std::set<std::string> compared;
    for (const std::string& d : deals) {
      if (present.count(d)) compared.insert(d);
    }
    try {
      before = replay::collectHappenings(s, recorded->old.module, compared,
                                         renamedStages(recorded->old.module, after->module));
    } catch (const std::exception& e) {
      std::cerr << fmt::format("voronka: error: --store {}: {}\n", o.store, e.what());
      return 2;
    }
  } else {
    if (!runLog(o, after->module, start, newStore, deals, o.newPath)) return 2;
    std::optional<FunnelInput> old = loadFunnelInput(o.oldPath, o.stdlib);
    if (!old) return 2;
    store::MemoryStore oldStore;
    if (!runLog(o, old->module, start, oldStore, deals, o.oldPath)) return 2;
    before = replay::collectHappenings(oldStore, old->module, deals, renamedStages(old->module, after->module));
  }
  replay::Happenings now = replay::collectHappenings(newStore, after->module, deals);
  std::vector<replay::DealDifference> diffs = replay::compare(before, now);
  if (o.format == "json")
    std::cout << replay::renderJson(diffs, deals.size()).dump(2) << "\n";
  else
    std::cout << replay::renderText(diffs, deals.size());
  return diffs.empty() ? 0 : 1;
}

}  // namespace

Runner addReplayCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "replay", "Run a recorded event history through a new version and show, per deal, what would differ");
  auto o = std::make_shared<Options>();
  cmd->add_option("new", o->newPath, "The new version: a .funnel file (or directory) or a .funnelc module")->required();
  cmd->add_option("--events", o->events, "The history: JSON lines, the format `voronka run --events` reads");
  cmd->add_option("--old", o->oldPath,
                  "The version that ran: the log is run through it too and compared (with --store: the module the "
                  "store runs, when the store's own record of its path is not usable)");
  cmd->add_option("--store", o->store,
                  "A store of `voronka serve` (PATH, sqlite:PATH or postgres:CONNINFO): compare with what it recorded");
  cmd->add_option("--until", o->until, "After the last event, move the clock to this time and fire what falls due");
  cmd->add_option("--format", o->format, "text: per deal, - happened and + would happen (default); json: docs/diff.md")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--stdlib", o->stdlib, "Directory of the std.* modules");
  cmd->footer(
      "  voronka replay NEW --events LOG --old OLD    the log through OLD and NEW, compared\n"
      "  voronka replay NEW --events LOG --store S    the log through NEW, compared with what S recorded;\n"
      "                                               each event S applied happens at S's time for it\n"
      "Compared per deal: moves between stages, tasks set, outbox effects (letters, messages, webhooks…) and\n"
      "notes, each with its time on the virtual clock; field values and timers are not compared.\n"
      "Exit status: 0 no differences, 1 differences, 2 an input cannot be read, compiled or used.");
  return [o]() { return runReplay(*o); };
}

}  // namespace voronka::tool
