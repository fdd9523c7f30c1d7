// The rules of one stage (or the pipeline-wide ones): rules have no names,
// so a new rule is matched to an old one with the same meaning first, then
// to one with the same head (its event, or "a timer"), in order. A pair
// that differs is a changed rule or timer; the rest are added or removed.
#include <fmt/format.h>

#include "runtime/moddiff/context.h"

namespace voronka::moddiff {
namespace {

bool timed(const bc::RuleDef& r) { return r.timing != bc::TimingKind::None; }

std::string label(const bc::RuleDef& r) { return timed(r) ? "timer" : "rule"; }

void describeChange(Context& c, Change& ch, int32_t o, int32_t n) {
  const bc::RuleDef& ro = c.oldSide.m.rules[o];
  const bc::RuleDef& rn = c.newSide.m.rules[n];
  std::string headO = ruleHead(c.oldSide.m, ro), headN = ruleHead(c.newSide.m, rn);
  std::vector<std::string> what;
  if (headO != headN) {
    what.push_back(timed(ro) && timed(rn) ? "timing" : "head");
    ch.details.push_back("was: " + headO);
    ch.details.push_back("now: " + headN);
  }
  auto differ = [&](int32_t fo, int32_t fn) { return c.oldSide.canon.function(fo) != c.newSide.canon.function(fn); };
  if (differ(ro.when, rn.when) && ro.when >= 0 && rn.when >= 0) what.push_back("its `when` condition");
  if (differ(ro.at, rn.at) && ro.at >= 0 && rn.at >= 0) what.push_back("its `at` time");
  if (differ(ro.whileCondition, rn.whileCondition) && ro.whileCondition >= 0 && rn.whileCondition >= 0)
    what.push_back("its `while` condition");
  if (ro.trigger != rn.trigger)
    what.push_back(rn.trigger ? "its moves are now trigger moves" : "its moves are no longer trigger moves");
  if (differ(ro.body, rn.body)) {
    std::vector<std::string> lines = listDiff(blockActions(c.oldSide.m, ro.body), blockActions(c.newSide.m, rn.body));
    if (lines.empty()) {
      what.push_back("values its actions compute (texts, `if` conditions)");
    } else {
      what.push_back("actions");
      ch.details.insert(ch.details.end(), lines.begin(), lines.end());
    }
  }
  std::string summary;
  for (size_t i = 0; i < what.size(); ++i) summary += (i ? ", " : "") + what[i];
  ch.summary = summary.empty() ? "changed" : summary + " changed";
}

}  // namespace

void diffRules(Context& c, const RuleScope& scope, const std::vector<int32_t>& oldRules,
               const std::vector<int32_t>& newRules) {
  const bc::Module& ma = c.oldSide.m;
  const bc::Module& mb = c.newSide.m;
  std::vector<int32_t> match(newRules.size(), -1);  // position in oldRules
  std::vector<bool> used(oldRules.size());
  std::vector<bool> same(newRules.size());
  for (size_t n = 0; n < newRules.size(); ++n) {
    std::string text = c.newSide.canon.rule(newRules[n]);
    for (size_t o = 0; o < oldRules.size(); ++o) {
      if (!used[o] && c.oldSide.canon.rule(oldRules[o]) == text) {
        match[n] = static_cast<int32_t>(o);
        used[o] = true;
        same[n] = true;
        break;
      }
    }
  }
  for (size_t n = 0; n < newRules.size(); ++n) {
    if (match[n] >= 0) continue;
    std::string key = ruleKey(mb, mb.rules[newRules[n]]);
    for (size_t o = 0; o < oldRules.size(); ++o) {
      if (!used[o] && ruleKey(ma, ma.rules[oldRules[o]]) == key) {
        match[n] = static_cast<int32_t>(o);
        used[o] = true;
        break;
      }
    }
  }
  auto located = [&](Change& ch, int32_t o, int32_t n) {
    if (o >= 0) ch.oldPlace = c.oldSide.place(ma.rules[o].file, ma.rules[o].line);
    if (n >= 0) ch.newPlace = c.newSide.place(mb.rules[n].file, mb.rules[n].line);
    ch.oldPipeline = scope.oldPipeline;
    ch.oldStage = scope.oldStage;
    if (o >= 0) ch.oldRules = {o};
  };
  for (size_t n = 0; n < newRules.size(); ++n) {
    int32_t rn = newRules[n];
    if (match[n] < 0) {
      Change& ch =
          c.add(ChangeKind::Added, label(mb.rules[rn]), scope.pipeline, scope.stage, ruleHead(mb, mb.rules[rn]));
      for (const std::string& a : blockActions(mb, mb.rules[rn].body)) ch.details.push_back("+ " + a);
      located(ch, -1, rn);
      continue;
    }
    if (same[n]) continue;
    int32_t ro = oldRules[match[n]];
    Change& ch =
        c.add(ChangeKind::Changed, label(mb.rules[rn]), scope.pipeline, scope.stage, ruleHead(mb, mb.rules[rn]));
    describeChange(c, ch, ro, rn);
    located(ch, ro, rn);
  }
  for (size_t o = 0; o < oldRules.size(); ++o) {
    if (used[o]) continue;
    int32_t ro = oldRules[o];
    Change& ch =
        c.add(ChangeKind::Removed, label(ma.rules[ro]), scope.pipeline, scope.stage, ruleHead(ma, ma.rules[ro]));
    for (const std::string& a : blockActions(ma, ma.rules[ro].body)) ch.details.push_back("- " + a);
    located(ch, ro, -1);
  }
  // Rules run in the order written: a kept rule that now comes earlier
  // than one it came after changes which runs first.
  int32_t last = -1;
  bool reordered = false;
  for (size_t n = 0; n < newRules.size(); ++n) {
    if (match[n] < 0) continue;
    if (match[n] < last) reordered = true;
    last = std::max(last, match[n]);
  }
  if (reordered) {
    Change& ch =
        c.add(ChangeKind::Moved, "rule order", scope.pipeline, scope.stage, "rules", "the rules run in another order");
    std::vector<std::string> before, after;
    for (int32_t r : oldRules) before.push_back(ruleHead(ma, ma.rules[r]));
    for (int32_t r : newRules) after.push_back(ruleHead(mb, mb.rules[r]));
    ch.details.push_back("was: " + fmt::format("{}", fmt::join(before, "; ")));
    ch.details.push_back("now: " + fmt::format("{}", fmt::join(after, "; ")));
    ch.oldPipeline = scope.oldPipeline;
    ch.oldStage = scope.oldStage;
  }
}

}  // namespace voronka::moddiff
