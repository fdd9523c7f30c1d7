// What the engine did, for `voronka run`'s JSON-lines trace, logs and tests.
// Records are delivered only for work that committed.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace voronka::engine {

// What `voronka sim` counts, typed, for a trace that asks for facts: a deal
// entered a stage (its first, or by a move) or was given a task. No JSON is
// built for them; they are delivered after commit, as entries are.
struct TraceFact {
  enum class Kind { Entered, Task };
  Kind kind = Kind::Entered;
  std::string deal;
  int32_t pipeline = -1, stage = -1;  // Entered
  bool created = false;               // Entered: the deal's first stage
  std::string reason;                 // Entered a lost stage by a move: its reason
  int32_t user = -1;                  // Task: the responsible user, -1 for none
};

class Trace {
 public:
  virtual ~Trace() = default;
  // A JSON object with at least "what" (stage, task, effect, timer, field,
  // tag, responsible, note, deal, event, refused) and "deal".
  virtual void record(const nlohmann::json& entry) = 0;
  // Whether entries of this kind are wanted at all: the engine builds none
  // that nobody reads.
  virtual bool wants(std::string_view /*what*/) const { return true; }
  // Whether facts are wanted (fact() then gets them, beside the entries wants() asks for).
  virtual bool wantsFacts() const { return false; }
  virtual void fact(const TraceFact& /*fact*/) {}
};

}  // namespace voronka::engine
