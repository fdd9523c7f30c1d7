// Helpers for runtime tests: compile a funnel text into a module and drive an
// engine over the in-memory store on a virtual clock.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "compiler/lower/lower.h"
#include "runtime/bytecode/container.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/names.h"
#include "runtime/engine/values.h"
#include "runtime/engine/wire.h"
#include "runtime/store/memory_store.h"
#include "tests/unit/test_support.h"

namespace voronka::testing {

// Monday 2 March 2026 09:00 in Moscow (UTC+3).
inline constexpr int64_t kMonday0900Moscow = 1772431200;

// A module compiled from source; fails the test on any diagnostic error.
inline bc::Module compileModule(const std::string& source) {
  auto c = compile(source);
  for (const auto& d : c->sink.all()) {
    if (d.severity == Severity::Error) ADD_FAILURE() << "compile error: " << d.message;
  }
  if (!c->program) return {};
  // Round trip through the container, so every test also exercises the loader.
  return bc::load(bc::serialize(lower::lowerProgram(*c->program, c->sources)));
}

class Harness {
 public:
  explicit Harness(const std::string& source, int64_t start = kMonday0900Moscow)
      : module(compileModule(source)), clock(start), engine(module, store, clock), names(module) {}

  engine::Outcome wire(nlohmann::json event) { return engine::applyWireEvent(engine, names, event); }
  engine::Outcome create(const std::string& id, const std::string& pipelineStage,
                         nlohmann::json fields = nlohmann::json::object()) {
    size_t dot = pipelineStage.find('.');
    nlohmann::json e = {{"id", "create-" + id},
                        {"deal", id},
                        {"type", "deal_created"},
                        {"fields", fields},
                        {"pipeline", pipelineStage.substr(0, dot)}};
    if (dot != std::string::npos) e["stage"] = pipelineStage.substr(dot + 1);
    auto o = wire(e);
    engine.runDue(clock.now());
    return o;
  }
  engine::Outcome event(const std::string& id, const std::string& deal, const std::string& type,
                        nlohmann::json extra = {}) {
    nlohmann::json e = {{"id", id}, {"deal", deal}, {"type", type}};
    for (auto& [k, v] : extra.items()) e[k] = v;
    auto o = wire(e);
    engine.runDue(clock.now());
    return o;
  }
  void advance(int64_t seconds) {
    int64_t target = clock.now() + seconds;
    engine.runDue(target);
    clock.set(target);
  }
  store::DealRecord deal(const std::string& id) {
    auto tx = store.begin();
    auto d = tx->deal(id);
    EXPECT_TRUE(d.has_value()) << "no deal " << id;
    return d.value_or(store::DealRecord{});
  }
  std::string stage(const std::string& id) {
    store::DealRecord d = deal(id);
    if (d.pipeline < 0) return "?";
    return module.str(module.pipelines[d.pipeline].stages[d.stage].name);
  }
  std::vector<store::TaskRecord> tasks(const std::string& id) {
    auto tx = store.begin();
    return tx->tasksOf(id);
  }
  std::vector<std::string> taskTexts(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& t : tasks(id)) out.push_back(t.text);
    return out;
  }
  std::vector<store::EffectRecord> effects(const std::string& id) {
    auto tx = store.begin();
    return tx->effectsOf(id);
  }
  std::vector<store::TimerRecord> timers(const std::string& id) {
    auto tx = store.begin();
    return tx->timersOf(id);
  }
  std::vector<store::NoteRecord> notes(const std::string& id) {
    auto tx = store.begin();
    return tx->notesOf(id);
  }
  nlohmann::json field(const std::string& id, const std::string& name) {
    store::DealRecord d = deal(id);
    int32_t f = names.field(name);
    return engine::valueToJson(module, d.fields.at(static_cast<size_t>(f)));
  }

  bc::Module module;
  store::MemoryStore store;
  engine::VirtualClock clock;
  engine::Engine engine;
  engine::Names names;
};

// A pipeline with the usual finals, for rules under test.
inline std::string program(const std::string& account, const std::string& declarations, const std::string& stages,
                           const std::string& policies = "") {
  return account + "\n" + declarations + "\npipeline p \"P\" {\n" + policies + "\n" + stages +
         "\n  won \"Won\"\n  lost \"Lost\" reasons { \"Дорого\" \"Сроки\" other \"Другое\" }\n}\n";
}

inline const char* kMoscow =
    "account \"A\" { timezone \"Europe/Moscow\" workhours mon..fri 09:00-18:00 holidays 2026-03-09 }";

}  // namespace voronka::testing
