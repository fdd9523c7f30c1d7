// `voronka run --format timeline`: what happened to each deal, for people.
// It takes the engine's trace (the JSON records `--format json` prints) and
// the outcome of each event, and prints one section per deal, in the order
// deals first appeared: a line per change, at its local time in the
// account's time zone, in the account's language.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "common/language/kinds.h"
#include "runtime/bytecode/module.h"
#include "runtime/calendar/calendar.h"
#include "runtime/engine/trace.h"

namespace voronka::timeline {

// The language of the account that `module` was built for (`account {
// language }`, Russian by default): the one place the timeline decides.
lang::Language accountLanguage(const bc::Module& module);

class Timeline : public engine::Trace {
 public:
  Timeline(const Calendar& account, lang::Language language);

  void record(const nlohmann::json& entry) override;
  // An event that did not apply (rejected, unknown deal…), shown in its deal's section.
  void outcome(const std::string& deal, int64_t at, const std::string& event, const std::string& status,
               const std::string& message);
  void print(std::ostream& out) const;

 private:
  std::string describe(const nlohmann::json& entry) const;
  std::string effect(const nlohmann::json& entry) const;
  std::string why(const std::string& engineWords) const;
  std::string time(const std::string& iso) const;
  void add(const std::string& deal, const std::string& at, const std::string& line, bool first = false);

  const Calendar& account_;
  lang::Language language_;
  std::vector<std::string> order_;                         // deals as they first appeared
  std::map<std::string, std::vector<std::string>> lines_;  // deal → its lines
};

}  // namespace voronka::timeline
