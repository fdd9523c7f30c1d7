// Walking the actions of a rule's block: the paths through its `if` and
// `split` branches, and every action with the context it runs in.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "compiler/analysis/conditions.h"
#include "compiler/ast/ast.h"

namespace voronka::analysis {

// One way through the immediate part of a block (what runs when the rule
// fires): the plain actions in order and the `if` conditions taken. A `then
// after` block is a later step: it appears as one action and is not entered.
struct BlockPath {
  std::vector<const ast::Action*> actions;
  std::vector<Literal> conditions;
  bool throughSplit = false;
};

// Every path through the block. Blocks with more than `limit` paths are cut
// short: `truncated` is set and the paths found so far are returned.
std::vector<BlockPath> immediatePaths(const ast::Block& block, bool& truncated, size_t limit = 256);

bool isMove(const ast::Action& a);  // move, win, lose
// Does every path through the block move or close the deal?
bool everyPathMoves(const ast::Block& block);
// Does every path leave the deal with an open task it created (a `task` not
// completed later on the path by `complete tasks` of its type)?
bool everyPathCreatesTask(const ast::Block& block);
// Does every path either move the deal or leave it with a new open task?
bool everyPathActs(const ast::Block& block);

// Every action of a block, `then` blocks included, with where it runs. For a
// `then` action itself, `thenDelay` is when its chain reaches it (before its
// own delay).
struct ActionContext {
  int64_t thenDelay = 0;         // sum of the `then after` delays around it, in seconds (workdays count 0)
  bool thenHasWorkdays = false;  // a `then after N workdays` is on the way
  bool withinWorkhours = false;  // an enclosing `then … within workhours`
  bool inThen = false;
};
void forEachAction(const ast::Block& block, const std::function<void(const ast::Action&, const ActionContext&)>& fn,
                   ActionContext context = {});

}  // namespace voronka::analysis
