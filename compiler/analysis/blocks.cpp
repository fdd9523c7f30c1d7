#include "compiler/analysis/blocks.h"

#include <optional>
#include <set>
#include <string>

#include "compiler/ast/walk.h"

namespace voronka::analysis {
namespace {

void extend(const ast::Block& block, std::vector<BlockPath>& paths, bool& truncated, size_t limit);

// Appends the alternatives of one `if` action to every path.
void extendIf(const ast::IfAction& i, std::vector<BlockPath>& paths, bool& truncated, size_t limit) {
  std::vector<BlockPath> out;
  for (const BlockPath& base : paths) {
    std::vector<Literal> negated;  // the earlier branches did not hold
    for (const auto& branch : i.branches) {
      std::vector<BlockPath> sub{base};
      for (const auto& n : negated) sub.front().conditions.push_back(n);
      sub.front().conditions.push_back(Literal{branch.condition.get(), true});
      extend(branch.block, sub, truncated, limit);
      out.insert(out.end(), sub.begin(), sub.end());
      negated.push_back(Literal{branch.condition.get(), false});
    }
    std::vector<BlockPath> rest{base};
    for (const auto& n : negated) rest.front().conditions.push_back(n);
    if (i.elseBlock) extend(*i.elseBlock, rest, truncated, limit);
    out.insert(out.end(), rest.begin(), rest.end());
    if (out.size() > limit) {
      truncated = true;
      break;
    }
  }
  paths = std::move(out);
}

void extendSplit(const ast::SplitAction& s, std::vector<BlockPath>& paths, bool& truncated, size_t limit) {
  std::vector<BlockPath> out;
  for (const BlockPath& base : paths) {
    std::vector<BlockPath> first{base};
    first.front().throughSplit = true;
    extend(s.first, first, truncated, limit);
    std::vector<BlockPath> second{base};
    second.front().throughSplit = true;
    if (s.second) extend(*s.second, second, truncated, limit);
    out.insert(out.end(), first.begin(), first.end());
    out.insert(out.end(), second.begin(), second.end());
    if (out.size() > limit) {
      truncated = true;
      break;
    }
  }
  paths = std::move(out);
}

void extend(const ast::Block& block, std::vector<BlockPath>& paths, bool& truncated, size_t limit) {
  for (const auto& owned : block.actions) {
    if (truncated) return;
    const ast::Action& a = *owned;
    switch (a.kind) {
      case ast::ActionKind::If: extendIf(a.as<ast::IfAction>(), paths, truncated, limit); break;
      case ast::ActionKind::Split: extendSplit(a.as<ast::SplitAction>(), paths, truncated, limit); break;
      default:
        for (auto& p : paths) p.actions.push_back(&a);
        break;
    }
  }
}

std::string taskType(const ast::TaskAction& t) { return t.type ? t.type->text : std::string(); }

}  // namespace

std::vector<BlockPath> immediatePaths(const ast::Block& block, bool& truncated, size_t limit) {
  truncated = false;
  std::vector<BlockPath> paths(1);
  extend(block, paths, truncated, limit);
  return paths;
}

bool isMove(const ast::Action& a) {
  return a.kind == ast::ActionKind::Move || a.kind == ast::ActionKind::Win || a.kind == ast::ActionKind::Lose;
}

namespace {

// Does the path leave an open task it created: a `task` not completed later on
// the path by `complete tasks` of its type?
bool leavesOpenTask(const BlockPath& path) {
  std::multiset<std::string> open;  // types of the tasks created and still open
  for (const ast::Action* a : path.actions) {
    if (a->kind == ast::ActionKind::Task) open.insert(taskType(a->as<ast::TaskAction>()));
    if (a->kind == ast::ActionKind::CompleteTasks) {
      const auto& c = a->as<ast::CompleteTasksAction>();
      // `overdue`, `today` and `tomorrow` spare a task just created with a
      // later due date; `all` (or no selector) completes it.
      if (c.filter != ast::TaskFilter::All && c.filter != ast::TaskFilter::Unspecified) continue;
      if (c.type) {
        open.erase(c.type->text);
      } else {
        open.clear();
      }
    }
  }
  return !open.empty();
}

bool movesOn(const BlockPath& path) {
  for (const ast::Action* a : path.actions) {
    if (isMove(*a)) return true;
  }
  return false;
}

template <typename Pred>
bool everyPath(const ast::Block& block, Pred pred) {
  bool truncated = false;
  std::vector<BlockPath> paths = immediatePaths(block, truncated);
  if (truncated) return false;
  for (const auto& p : paths) {
    if (!pred(p)) return false;
  }
  return true;
}

}  // namespace

bool everyPathCreatesTask(const ast::Block& block) { return everyPath(block, leavesOpenTask); }

bool everyPathMoves(const ast::Block& block) { return everyPath(block, movesOn); }

bool everyPathActs(const ast::Block& block) {
  return everyPath(block, [](const BlockPath& p) { return movesOn(p) || leavesOpenTask(p); });
}

namespace {

// Every action of a block with where it runs. The generic walk finds the
// blocks inside actions (`if`, `split`, `then`, and whatever action holds a
// block next); only `then` changes where its actions run. Sibling `then`
// blocks chain: each waits after the one before it, while the plain actions
// between them still run at once.
class ActionsWithContext {
 public:
  ActionsWithContext(const std::function<void(const ast::Action&, const ActionContext&)>& fn, ActionContext context)
      : fn_(fn), next_(context) {}

  void enter(const ast::Block&) {
    ActionContext context = next_ ? *next_ : blocks_.back().context;
    next_.reset();
    blocks_.push_back(BlockState{context, context.thenDelay, context.thenHasWorkdays});
  }
  void leave(const ast::Block&) { blocks_.pop_back(); }

  void enter(const ast::Action& a) { fn_(a, blocks_.back().context); }
  void enter(const ast::ThenAction& t) {
    BlockState& block = blocks_.back();
    // The `then` step itself: when its chain reaches it, before its own delay.
    ActionContext step = block.context;
    step.thenDelay = block.chain;
    step.thenHasWorkdays = block.chainWorkdays;
    fn_(t, step);
    // Its block: after its delay, within working hours if it says so.
    ActionContext inner = block.context;
    inner.inThen = true;
    inner.thenDelay = block.chain + t.delay.seconds;
    inner.thenHasWorkdays = block.chainWorkdays || t.delay.workdays != 0;
    inner.withinWorkhours = block.context.withinWorkhours || t.withinWorkhours.has_value();
    block.chain = inner.thenDelay;
    block.chainWorkdays = inner.thenHasWorkdays;
    next_ = inner;  // for the `then`'s own block, the next one the walk enters
  }
  bool enter(const ast::Expr&) { return false; }  // no actions in there

 private:
  struct BlockState {
    ActionContext context;  // where the block's actions run
    int64_t chain;          // when the next `then` of the block starts waiting
    bool chainWorkdays;
  };
  const std::function<void(const ast::Action&, const ActionContext&)>& fn_;
  std::optional<ActionContext> next_;  // the context of the next block entered, when not its parent's
  std::vector<BlockState> blocks_;
};

}  // namespace

void forEachAction(const ast::Block& block, const std::function<void(const ast::Action&, const ActionContext&)>& fn,
                   ActionContext context) {
  ActionsWithContext visitor(fn, context);
  ast::walk(visitor, block);
}

}  // namespace voronka::analysis
