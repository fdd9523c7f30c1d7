// A rates file: how clients behave, for `voronka sim` (docs/sim.md). Per
// stage, what the client (or the manager) does with what probability and
// after what delay, and the values new deals start with. TOML, checked
// against the module when loaded: every mistake is reported as FILE:LINE:COL.
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "runtime/bytecode/module.h"
#include "runtime/calendar/calendar.h"
#include "runtime/engine/names.h"
#include "tools/sim/random.h"

namespace voronka::sim {

// A number drawn at random: a delay in seconds, or a field's value.
struct Distribution {
  enum class Kind { Fixed, Exponential, Lognormal, Uniform };
  Kind kind = Kind::Fixed;
  double a = 0;  // Fixed: the value; Exponential, Lognormal: the median; Uniform: the low end
  double b = 0;  // Lognormal: the 90th percentile; Uniform: the high end
  double draw(Random& random) const;
};

// A value for a field or an event's payload.
struct ValueSpec {
  enum class Kind { Literal, Number, Choose, From };
  Kind kind = Kind::Literal;
  nlohmann::json literal;
  Distribution number;                                     // rounded to a whole number
  std::vector<std::pair<nlohmann::json, double>> choices;  // value, cumulative weight (last is 1)
  std::string from;                                        // a field's name: its value as the simulation set it
  // Choose: the index in `choices` of the value a draw picks.
  size_t choose(Random& random) const;
  // Number: a drawn value.
  double drawNumber(Random& random) const { return std::round(number.draw(random)); }
};

// One thing that may happen while a deal is in a stage.
struct ClientAction {
  int line = 0;  // in the rates file, for messages
  double probability = 1;
  std::string choice;  // entries of a stage with the same choice: at most one happens
  Distribution delay;  // seconds after the deal entered the stage
  // The event as the wire format writes it (runtime.md §3.1), without id,
  // deal and at: {"type": "email_opened", "arg": …} or manual_move, field_set.
  nlohmann::json event;
  std::string valuesKey;  // "payload" or "fields": where `values` go
  std::vector<std::pair<std::string, ValueSpec>> values;
};

struct Rates {
  std::string path;
  int64_t start = 0;  // UTC seconds: when the simulation starts
  int32_t pipeline = 0;
  bool arriveAtStart = false;                             // all deals at the start, or spread evenly over the horizon
  int32_t revenueField = -1;                              // a number field whose value a won deal brings
  std::vector<std::pair<std::string, ValueSpec>> fields;  // of each new deal
  std::vector<std::vector<std::vector<ClientAction>>> actions;  // [pipeline][stage]
};

// Checks the text of a rates file read from `path` (named in the
// messages). The error is "FILE:LINE:COL: what is wrong".
Result<Rates> parseRates(std::string_view text, const std::string& path, const bc::Module& module,
                         const engine::Names& names, const Calendar& calendar);
// Reads and checks a rates file: parseRates, or "cannot read FILE: why".
Result<Rates> loadRates(const std::string& path, const bc::Module& module, const engine::Names& names,
                        const Calendar& calendar);

// "90d", "2h", "1.5w", "30m", "45s" in seconds; nullopt when it is not one.
std::optional<double> parseDuration(std::string_view text);

}  // namespace voronka::sim
