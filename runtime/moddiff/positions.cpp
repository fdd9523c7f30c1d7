// samePositions: what a store's records refer to by index — pipelines,
// stages, rules (timers), fields (deal values), users, task types, templates
// and events — must sit at the same index and mean the same.
#include "runtime/moddiff/canon.h"
#include "runtime/moddiff/moddiff.h"

namespace voronka::moddiff {
namespace {

template <class Def>
bool sameNames(const bc::Module& a, const std::vector<Def>& x, const bc::Module& b, const std::vector<Def>& y) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (a.str(x[i].name) != b.str(y[i].name)) return false;
  }
  return true;
}

}  // namespace

bool samePositions(const bc::Module& a, const bc::Module& b) {
  if (!sameNames(a, a.pipelines, b, b.pipelines) || !sameNames(a, a.fields, b, b.fields) ||
      !sameNames(a, a.users, b, b.users) || !sameNames(a, a.taskTypes, b, b.taskTypes) ||
      !sameNames(a, a.templates, b, b.templates) || !sameNames(a, a.events, b, b.events) ||
      a.rules.size() != b.rules.size() || a.actions.size() != b.actions.size())
    return false;
  Canon ca(a), cb(b);
  for (size_t i = 0; i < a.actions.size(); ++i) {  // pending `then` timers name their descriptor
    if ((a.actions[i].function >= 0 || b.actions[i].function >= 0) &&
        ca.action(static_cast<int32_t>(i)) != cb.action(static_cast<int32_t>(i)))
      return false;
  }
  for (size_t p = 0; p < a.pipelines.size(); ++p) {
    if (!sameNames(a, a.pipelines[p].stages, b, b.pipelines[p].stages)) return false;
  }
  for (size_t r = 0; r < a.rules.size(); ++r) {
    if (a.rules[r].pipeline != b.rules[r].pipeline || a.rules[r].stage != b.rules[r].stage ||
        ca.rule(static_cast<int32_t>(r)) != cb.rule(static_cast<int32_t>(r)))
      return false;
  }
  return diffModules(a, b).empty();
}

}  // namespace voronka::moddiff
