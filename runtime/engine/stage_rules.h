// A stage's rules by what runs them, found once per module. The engine
// looks for the rules of the deal's stage several times an event (the event
// itself, leaving, entering, the timers an entry starts, the timers that
// follow a field); each look was a walk over all of the stage's rules,
// reading each rule. Here each look is a list of just the rules it runs,
// in the stage's order, which is the order they run in.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "runtime/bytecode/module.h"

namespace voronka::engine {

class StageRules {
 public:
  explicit StageRules(const bc::Module& m);

  // The rules of the stage that answer `event` (bc::kNo: the timed rules
  // anchored at the stage's entry, which answer none).
  std::span<const int32_t> answering(int32_t pipeline, int32_t stage, int32_t event) const {
    if (event < bc::kNo || event >= events_) return {};
    return list(pipeline, stage, static_cast<size_t>(event + 1));
  }
  // The timed rules that start counting when the deal enters the stage:
  // those of no event, and those of `enter` with a timing.
  std::span<const int32_t> timedFromEntry(int32_t pipeline, int32_t stage) const {
    return list(pipeline, stage, static_cast<size_t>(events_) + 1);
  }
  // The `at FIELD` rules of the stage (of no event, or of `enter`): their
  // timers follow the fields they name.
  std::span<const int32_t> timedAtFields(int32_t pipeline, int32_t stage) const {
    return list(pipeline, stage, static_cast<size_t>(events_) + 2);
  }

 private:
  // Per stage, one list per event (and bc::kNo), then the two timed lists.
  size_t listsPerStage() const { return static_cast<size_t>(events_) + 3; }
  std::span<const int32_t> list(int32_t pipeline, int32_t stage, size_t which) const {
    const Range& r =
        ranges_[(firstStage_[static_cast<size_t>(pipeline)] + static_cast<size_t>(stage)) * listsPerStage() + which];
    return {rules_.data() + r.begin, r.end - r.begin};
  }
  struct Range {
    uint32_t begin = 0, end = 0;
  };
  int32_t events_ = 0;
  std::vector<size_t> firstStage_;  // by pipeline: the number of its first stage among all stages
  std::vector<Range> ranges_;       // of rules_
  std::vector<int32_t> rules_;
};

}  // namespace voronka::engine
