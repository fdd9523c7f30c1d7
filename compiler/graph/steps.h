// The actions of a rule's block one by one, each with what it runs under:
// the `if` branches and `split` arms around it and the `then after` delays
// before it. The diagram writes both arms of a split and every branch.
#pragma once

#include <functional>
#include <vector>

#include "compiler/ast/ast.h"

namespace voronka::graph {

// One `if` branch taken (or an earlier one not taken), or one arm of a split.
struct Guard {
  enum class Kind : uint8_t { Condition, SplitFirst, SplitRest };
  Kind kind = Kind::Condition;
  const ast::Expr* condition = nullptr;  // Condition
  bool holds = true;                     // Condition: the branch's condition holds (false: an earlier one did not)
  double percent = 0;                    // SplitFirst and SplitRest: the first arm's share
};

struct Step {
  const ast::Action* action = nullptr;
  std::vector<Guard> guards;
  ast::Duration delay;  // the `then after` delays before it, added up (seconds and working days)
  bool inThen = false;
  bool thenWithinWorkhours = false;  // a `then … within workhours` around it
};

// Every action of the block that does something by itself (not `if`,
// `split` or `then`, whose blocks are walked instead), in source order.
void forEachStep(const ast::Block& block, const std::function<void(const Step&)>& fn);

}  // namespace voronka::graph
