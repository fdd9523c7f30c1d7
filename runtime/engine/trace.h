// What the engine did, for `voronka run`'s JSON-lines trace, logs and tests.
// Records are delivered only for work that committed.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

namespace voronka::engine {

class Trace {
 public:
  virtual ~Trace() = default;
  // A JSON object with at least "what" (stage, task, effect, timer, field,
  // tag, responsible, note, deal, event, refused) and "deal".
  virtual void record(const nlohmann::json& entry) = 0;
  // Whether entries of this kind are wanted at all: the engine builds none
  // that nobody reads.
  virtual bool wants(std::string_view /*what*/) const { return true; }
};

}  // namespace voronka::engine
