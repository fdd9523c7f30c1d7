// How deals flow through the pipelines of a checked program: which rules
// apply in each stage, where each move goes from there, which moves managers
// may make by hand, and which stages deals can reach at all. The lints and
// `voronka graph` both read it.
//
// The checker resolves move targets only to check them; this analysis
// resolves them again per stage, because a rule at the pipeline or top level
// applies in every stage and `next` means another stage in each.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/check/program.h"

namespace voronka::analysis {

struct StageRef {
  int pipeline = check::kNone;
  int stage = check::kNone;
  bool valid() const { return pipeline != check::kNone && stage != check::kNone; }
  bool operator<(const StageRef& o) const {
    return pipeline < o.pipeline || (pipeline == o.pipeline && stage < o.stage);
  }
  bool operator==(const StageRef& o) const { return pipeline == o.pipeline && stage == o.stage; }
  bool operator!=(const StageRef& o) const { return !(*this == o); }
};

// What makes a rule run, which decides what its moves are.
enum class Cause : uint8_t {
  Trigger,    // an outside event, at once: obeys the trigger policies
  Lifecycle,  // `enter`, `create` or `leave`, at once
  Timer,      // `after`, `at`, `every` (anchored at the stage entry)
  Delayed,    // `on EVENT after D`
};

enum class TransitionKind : uint8_t { Rule, Manual, CreateDeal };

struct Transition {
  StageRef from, to;
  TransitionKind kind = TransitionKind::Rule;
  const check::RuleInfo* rule = nullptr;  // Rule and CreateDeal
  const ast::Action* action = nullptr;    // the move, win, lose or create deal
  bool inThen = false;                    // inside a `then after` block
};

class Flow {
 public:
  explicit Flow(const check::CheckedProgram& program);

  const check::CheckedProgram& program() const { return program_; }
  // The rules in effect in a stage: its own, its pipeline's, the top-level ones.
  const std::vector<const check::RuleInfo*>& rulesAt(StageRef at) const;
  // The stages a rule applies in.
  std::vector<StageRef> stagesOf(const check::RuleInfo& rule) const;
  Cause cause(const check::RuleInfo& rule) const;
  const check::EventInfo* event(const check::RuleInfo& rule) const;

  // Where a move, win or lose of `rule` takes a deal that is in `at`; nullopt
  // when it makes no move there: `next` from the last working stage, a move to
  // the stage the deal is in, or a trigger against the pipeline's policy.
  // `inThen`: the action is in a `then after` block (never a trigger move).
  std::optional<StageRef> target(const check::RuleInfo& rule, const ast::Action& action, StageRef at,
                                 bool inThen = false) const;
  // Where `create deal` starts the new deal.
  std::optional<StageRef> createTarget(const ast::CreateDealAction& action, StageRef at) const;
  // May a manager move a deal from one stage to the other by hand?
  bool manualAllowed(StageRef from, StageRef to) const;

  const std::vector<Transition>& transitions() const { return transitions_; }
  bool reachable(StageRef s) const { return reachable_.count(s) > 0; }
  // Can a deal enter `to` straight from `from` (a rule or a manager moving it)?
  bool entersFrom(StageRef to, StageRef from) const;
  // Pipelines whose deals can end up in this one (itself included): a deal
  // keeps its letters, forms and tasks when a rule moves it across.
  const std::set<int>& feeders(int pipeline) const { return feeders_.at(pipeline); }

  std::string stageName(StageRef s) const;  // `retail.clarify`
  const check::StageInfo& stage(StageRef s) const { return program_.pipelines[s.pipeline].stages[s.stage]; }
  const check::PipelineInfo& pipeline(int p) const { return program_.pipelines[p]; }
  std::vector<StageRef> stagesOfPipeline(int p) const;

 private:
  void collectTransitions();
  void computeReachability();

  const check::CheckedProgram& program_;
  std::map<StageRef, std::vector<const check::RuleInfo*>> rulesAt_;
  std::vector<Transition> transitions_;
  std::set<StageRef> reachable_;
  std::set<std::pair<StageRef, StageRef>> enters_;  // (to, from) over reachable `from`
  std::map<int, std::set<int>> feeders_;
};

}  // namespace voronka::analysis
