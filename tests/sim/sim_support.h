// Helpers for the simulation's tests: a module from funnel text, a rates
// file written to a temporary path and loaded against it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "compiler/lower/lower.h"
#include "runtime/bytecode/container.h"
#include "runtime/engine/names.h"
#include "tests/unit/test_support.h"
#include "tools/sim/rates.h"

namespace voronka::testing {

inline bc::Module simModule(const std::string& source) {
  auto c = compile(source);
  for (const auto& d : c->sink.all()) {
    if (d.severity == Severity::Error) ADD_FAILURE() << "compile error: " << d.message;
  }
  if (!c->program) return {};
  return bc::load(bc::serialize(lower::lowerProgram(*c->program, c->sources)));
}

inline std::string writeRates(const std::string& name, const std::string& text) {
  std::filesystem::path path = std::filesystem::temp_directory_path() / ("voronka_sim_test_" + name + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

inline const Calendar& moscow() {
  static const Calendar calendar("Europe/Moscow", {}, {});
  return calendar;
}

inline Result<sim::Rates> loadText(const bc::Module& m, const std::string& name, const std::string& text) {
  engine::Names names(m);
  return sim::loadRates(writeRates(name, text), m, names, moscow());
}

}  // namespace voronka::testing
