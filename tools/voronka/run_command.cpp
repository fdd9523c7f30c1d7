// `voronka run MODULE --events FILE.jsonl`: replay an event log through the
// engine on the in-memory store and print what happened: a JSON-lines trace
// (`--format json`, the default) or a timeline per deal for people
// (`--format timeline`, tools/timeline).
#include <fmt/format.h>

#include <iostream>

#include "common/read_file.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/names.h"
#include "runtime/engine/values.h"
#include "runtime/engine/wire.h"
#include "runtime/store/memory_store.h"
#include "tools/timeline/timeline.h"
#include "tools/voronka/commands.h"
#include "tools/voronka/module_file.h"

namespace voronka::tool {

namespace {

class PrintTrace : public engine::Trace {
 public:
  void record(const nlohmann::json& entry) override { std::cout << entry.dump() << "\n"; }
};

}  // namespace

Runner addRunCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Replay an event log (JSON lines) through a module and print what happened");
  struct Options {
    std::string module;
    std::string events;
    std::string until;
    std::string format = "json";
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("module", o->module, "A .funnelc file made by `voronka build`")->required();
  cmd->add_option("--events", o->events,
                  "The events, one JSON object per line (docs/runtime.md, section 3.1 \"Events\")")
      ->required();
  cmd->add_option("--until", o->until,
                  "Afterwards, move the clock to this time (\"2026-12-01T10:00\") and fire what falls due");
  cmd->add_option("--format", o->format,
                  "json: one JSON object per change and per outcome (default); timeline: what happened to each "
                  "deal, as text in the account's time zone")
      ->check(CLI::IsMember({"json", "timeline"}));
  cmd->footer(
      "The clock follows the events' \"at\" (events without one happen when the previous did); timers\n"
      "fire in order as it moves. With --format json every line of output is one JSON object: what changed,\n"
      "which effect went to the outbox, which timer was set or fired, and the outcome of each event.\n"
      "With --format timeline it prints, after the last event, a section per deal with a line per change.\n"
      "Bad lines are reported on stderr with their line number and skipped.\n"
      "Exit status: 0 every line applied, 1 some lines were bad or failed, 2 usage or I/O error.");
  return [o]() {
    int status = 0;
    std::optional<ModuleFile> file = loadModuleFile(o->module, status);
    if (!file) return status;
    const bc::Module& module = file->module;
    std::ifstream in;
    if (Result<void> opened = openForReading(in, o->events); !opened) {
      std::cerr << fmt::format("voronka: error: cannot read {}: {}\n", o->events, opened.error());
      return 2;
    }
    store::MemoryStore store;
    engine::VirtualClock clock(engine::RealClock().now());
    std::unique_ptr<engine::Engine> eng;
    try {
      eng = std::make_unique<engine::Engine>(module, store, clock);
    } catch (const std::exception& e) {
      std::cerr << "voronka: error: " << e.what() << "\n";
      return 1;
    }
    const Calendar& calendar = eng->calendar(0);
    PrintTrace json;
    timeline::Timeline timeline(calendar, timeline::accountLanguage(module));
    bool asTimeline = o->format == "timeline";
    eng->setTrace(asTimeline ? static_cast<engine::Trace*>(&timeline) : &json);
    engine::Names names(module);

    int bad = 0;
    bool clockSet = false;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto where = [&] { return fmt::format("{}:{}", o->events, number); };
      nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
      if (event.is_discarded()) {
        std::cerr << fmt::format("{}: not valid JSON; the line is skipped\n", where());
        ++bad;
        continue;
      }
      Result<std::optional<int64_t>> time =
          event.is_object() ? engine::wireTime(event, calendar) : Result<std::optional<int64_t>>(std::nullopt);
      if (!time) {
        std::cerr << fmt::format("{}: {}; the line is skipped\n", where(), time.error());
        ++bad;
        continue;
      }
      std::optional<int64_t> at = *time;
      if (at) {
        if (!clockSet || *at >= clock.now()) {
          if (clockSet) eng->runDue(*at);
          clock.set(*at);
          clockSet = true;
        } else {
          std::cerr << fmt::format("{}: \"at\" is earlier than the event before; it is processed at {}\n", where(),
                                   engine::isoUtc(clock.now()));
        }
      }
      engine::Outcome outcome = engine::applyWireEvent(*eng, names, event);
      nlohmann::json result = {{"what", "outcome"}, {"line", number}, {"status", engine::statusName(outcome.status)}};
      if (event.is_object() && event.contains("id")) result["event"] = event["id"];
      if (!outcome.message.empty()) result["message"] = outcome.message;
      if (!asTimeline) {
        std::cout << result.dump() << "\n";
      } else if (!outcome.ok() && event.is_object() && event.contains("deal") && event["deal"].is_string()) {
        const nlohmann::json& id = event.value("id", nlohmann::json("?"));
        timeline.outcome(event["deal"].get<std::string>(), clock.now(),
                         id.is_string() ? id.get<std::string>() : id.dump(), engine::statusName(outcome.status),
                         outcome.message);
      }
      if (!outcome.ok()) {
        std::cerr << fmt::format("{}: {}: {}\n", where(), engine::statusName(outcome.status), outcome.message);
        ++bad;
      }
      eng->runDue(clock.now());
    }
    if (!o->until.empty()) {
      std::optional<int64_t> until = engine::parseIsoDateTime(o->until, calendar);
      if (!until) {
        std::cerr << fmt::format("voronka: error: --until \"{}\" is not a date and time like 2026-12-01T10:00\n",
                                 o->until);
        return 2;
      }
      eng->runDue(*until);
      clock.set(std::max(clock.now(), *until));
    }
    if (asTimeline) timeline.print(std::cout);
    return bad > 0 ? 1 : 0;
  };
}

}  // namespace voronka::tool
