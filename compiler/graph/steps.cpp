#include "compiler/graph/steps.h"

namespace voronka::graph {
namespace {

class StepWalker {
 public:
  explicit StepWalker(const std::function<void(const Step&)>& fn) : fn_(fn) {}

  // The block's plain actions run when the block does (`at`); sibling `then`
  // blocks chain, each waiting after the one before it.
  void block(const ast::Block& b, const Step& at) {
    Step chain = at;
    for (const auto& owned : b.actions) {
      const ast::Action& a = *owned;
      switch (a.kind) {
        case ast::ActionKind::If: branches(a.as<ast::IfAction>(), at); break;
        case ast::ActionKind::Split: arms(a.as<ast::SplitAction>(), at); break;
        case ast::ActionKind::Then: {
          const auto& t = a.as<ast::ThenAction>();
          chain.delay.seconds += t.delay.seconds;
          chain.delay.workdays += t.delay.workdays;
          chain.inThen = true;
          chain.thenWithinWorkhours = chain.thenWithinWorkhours || t.withinWorkhours.has_value();
          block(t.block, chain);
          break;
        }
        default: {
          Step s = at;
          s.action = &a;
          fn_(s);
        }
      }
    }
  }

 private:
  void branches(const ast::IfAction& i, const Step& at) {
    Step rest = at;  // the earlier branches did not hold
    for (const auto& branch : i.branches) {
      Step taken = rest;
      taken.guards.push_back(Guard{Guard::Kind::Condition, branch.condition.get(), true});
      block(branch.block, taken);
      rest.guards.push_back(Guard{Guard::Kind::Condition, branch.condition.get(), false});
    }
    if (i.elseBlock) block(*i.elseBlock, rest);
  }

  void arms(const ast::SplitAction& s, const Step& at) {
    Step first = at;
    first.guards.push_back(Guard{Guard::Kind::SplitFirst, nullptr, true, s.percent});
    block(s.first, first);
    if (!s.second) return;
    Step second = at;
    second.guards.push_back(Guard{Guard::Kind::SplitRest, nullptr, true, s.percent});
    block(*s.second, second);
  }

  const std::function<void(const Step&)>& fn_;
};

}  // namespace

void forEachStep(const ast::Block& block, const std::function<void(const Step&)>& fn) {
  StepWalker(fn).block(block, Step{});
}

}  // namespace voronka::graph
