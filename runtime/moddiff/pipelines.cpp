// Pipelines and stages: matched by name, then leftovers paired as likely
// renames; order, titles, kinds, policies, reasons, guards, and each
// stage's rules (rules.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "runtime/moddiff/context.h"

namespace voronka::moddiff {
namespace {

struct Pair {
  int32_t o = -1, n = -1;
  std::string reasons;  // a likely rename: why we think so; empty when the names match
};

std::vector<int32_t> rulesOf(const bc::Module& m, int32_t p, int32_t s) {
  std::vector<int32_t> out;
  for (size_t r = 0; r < m.rules.size(); ++r) {
    if (m.rules[r].pipeline == p && m.rules[r].stage == s) out.push_back(static_cast<int32_t>(r));
  }
  return out;
}

std::vector<std::string> ruleTexts(const Side& side, int32_t p, int32_t s) {
  std::vector<std::string> out;
  for (int32_t r : rulesOf(side.m, p, s)) out.push_back(side.canon.rule(r));
  std::sort(out.begin(), out.end());
  return out;
}

std::string guardsText(const Side& side, const bc::StageDef& s) {
  std::string out;
  for (const bc::GuardDef& g : s.guards)
    out += side.canon.function(g.condition) + (g.message >= 0 ? side.m.str(g.message) : "") + ";";
  return out;
}

// Pairs what is left after matching by name. A pair needs two pieces of
// evidence (a title counts for two, rules for two, the position for one).
std::vector<Pair> pairStages(Context& c, int32_t op, int32_t np, std::vector<int32_t> oldLeft,
                             std::vector<int32_t> newLeft) {
  const bc::PipelineDef& a = c.oldSide.m.pipelines[op];
  const bc::PipelineDef& b = c.newSide.m.pipelines[np];
  struct Candidate {
    int score;
    int32_t o, n;
    std::string reasons;
  };
  std::vector<Candidate> candidates;
  for (int32_t o : oldLeft) {
    for (int32_t n : newLeft) {
      const bc::StageDef& so = a.stages[o];
      const bc::StageDef& sn = b.stages[n];
      if (so.kind != sn.kind) continue;
      int score = 0;
      std::vector<std::string> why;
      if (c.oldSide.m.str(so.title) == c.newSide.m.str(sn.title)) {
        score += 2;
        why.push_back("same title");
      }
      if (o == n) {
        score += 1;
        why.push_back("same position");
      }
      std::vector<std::string> ra = ruleTexts(c.oldSide, op, o), rb = ruleTexts(c.newSide, np, n);
      if (!ra.empty() && ra == rb) {
        score += 2;
        why.push_back("same rules");
      }
      if (!so.guards.empty() && guardsText(c.oldSide, so) == guardsText(c.newSide, sn)) {
        score += 1;
        why.push_back("same guards");
      }
      if (so.kind != bc::StageKind::Working) {
        score += 1;  // one won and one lost stage per pipeline
        why.push_back(fmt::format("the {} stage", lang::keyword(so.kind)));
      }
      std::string reasons;
      for (const std::string& w : why) reasons += (reasons.empty() ? "" : ", ") + w;
      if (score >= 2) candidates.push_back({score, o, n, reasons});
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& x, const Candidate& y) { return x.score > y.score; });
  std::vector<Pair> pairs;
  std::vector<bool> usedO(a.stages.size()), usedN(b.stages.size());
  for (const Candidate& cand : candidates) {
    if (usedO[cand.o] || usedN[cand.n]) continue;
    usedO[cand.o] = usedN[cand.n] = true;
    pairs.push_back({cand.o, cand.n, cand.reasons});
  }
  return pairs;
}

struct PipelineMatch {
  Pair pipeline;
  std::vector<Pair> stages;  // by new index order
  std::vector<int32_t> added, removed;
};

PipelineMatch matchStages(Context& c, const Pair& pp) {
  PipelineMatch pm{pp, {}, {}, {}};
  const bc::PipelineDef& a = c.oldSide.m.pipelines[pp.o];
  const bc::PipelineDef& b = c.newSide.m.pipelines[pp.n];
  std::map<std::string, int32_t> oldByName;
  for (size_t s = 0; s < a.stages.size(); ++s) oldByName[c.oldSide.m.str(a.stages[s].name)] = static_cast<int32_t>(s);
  std::vector<int32_t> oldMatch(b.stages.size(), -1);
  std::vector<bool> oldUsed(a.stages.size());
  for (size_t s = 0; s < b.stages.size(); ++s) {
    auto it = oldByName.find(c.newSide.m.str(b.stages[s].name));
    if (it != oldByName.end()) {
      oldMatch[s] = it->second;
      oldUsed[it->second] = true;
    }
  }
  std::vector<int32_t> oldLeft, newLeft;
  for (size_t s = 0; s < a.stages.size(); ++s) {
    if (!oldUsed[s]) oldLeft.push_back(static_cast<int32_t>(s));
  }
  for (size_t s = 0; s < b.stages.size(); ++s) {
    if (oldMatch[s] < 0) newLeft.push_back(static_cast<int32_t>(s));
  }
  std::map<int32_t, std::string> renameReasons;
  for (const Pair& p : pairStages(c, pp.o, pp.n, oldLeft, newLeft)) {
    oldMatch[p.n] = p.o;
    oldUsed[p.o] = true;
    renameReasons[p.n] = p.reasons;
  }
  for (size_t s = 0; s < b.stages.size(); ++s) {
    if (oldMatch[s] >= 0)
      pm.stages.push_back({oldMatch[s], static_cast<int32_t>(s), renameReasons[static_cast<int32_t>(s)]});
    else
      pm.added.push_back(static_cast<int32_t>(s));
  }
  for (size_t s = 0; s < a.stages.size(); ++s) {
    if (!oldUsed[s]) pm.removed.push_back(static_cast<int32_t>(s));
  }
  return pm;
}

std::vector<Pair> matchPipelines(Context& c) {
  const bc::Module& a = c.oldSide.m;
  const bc::Module& b = c.newSide.m;
  std::vector<Pair> pairs;
  std::vector<bool> oldUsed(a.pipelines.size()), newUsed(b.pipelines.size());
  for (size_t n = 0; n < b.pipelines.size(); ++n) {
    for (size_t o = 0; o < a.pipelines.size(); ++o) {
      if (!oldUsed[o] && a.str(a.pipelines[o].name) == b.str(b.pipelines[n].name)) {
        pairs.push_back({static_cast<int32_t>(o), static_cast<int32_t>(n), ""});
        oldUsed[o] = newUsed[n] = true;
        break;
      }
    }
  }
  // A renamed pipeline keeps its title or most of its stage names.
  for (size_t n = 0; n < b.pipelines.size(); ++n) {
    if (newUsed[n]) continue;
    for (size_t o = 0; o < a.pipelines.size(); ++o) {
      if (oldUsed[o]) continue;
      const bc::PipelineDef& po = a.pipelines[o];
      const bc::PipelineDef& pn = b.pipelines[n];
      size_t shared = 0;
      for (const bc::StageDef& so : po.stages) {
        for (const bc::StageDef& sn : pn.stages) shared += a.str(so.name) == b.str(sn.name);
      }
      std::string why;
      if (a.str(po.title) == b.str(pn.title)) why = "same title";
      if (shared * 2 >= std::max(po.stages.size(), pn.stages.size()))
        why += (why.empty() ? "" : ", ") + fmt::format("{} of {} stage names shared", shared, pn.stages.size());
      if (why.empty()) continue;
      pairs.push_back({static_cast<int32_t>(o), static_cast<int32_t>(n), why});
      oldUsed[o] = newUsed[n] = true;
      break;
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const Pair& x, const Pair& y) { return x.n < y.n; });
  return pairs;
}

std::vector<std::pair<std::string, std::string>> policies(const bc::Module& m, const bc::PipelineDef& p) {
  auto word = [](bool allow) { return std::string(allow ? "allow" : "deny"); };
  const bc::CalendarDef& cal = m.calendars[static_cast<size_t>(p.calendar)];
  return {{"manual forward", word(p.manualForward)},
          {"manual backward", word(p.manualBackward)},
          {"triggers forward", word(p.triggersForward)},
          {"triggers backward", word(p.triggersBackward)},
          {"calendar", cal.name >= 0 ? m.str(cal.name) : "account"}};
}

std::vector<std::string> reasons(const bc::Module& m, const bc::PipelineDef& p) {
  std::vector<std::string> out;
  for (size_t i = 0; i < p.reasons.size(); ++i)
    out.push_back(std::string(static_cast<int32_t>(i) == p.otherReason ? "other " : "") + quote(m.str(p.reasons[i])));
  return out;
}

std::string stageTitle(const bc::Module& m, const bc::StageDef& s) {
  std::string t = std::string(lang::keyword(s.kind)) + " " + quote(m.str(s.title));
  if (s.key) t += " key";
  return t;
}

void diffGuards(Context& c, const PipelineMatch& pm, const Pair& sp, const std::string& pipe, const std::string& st) {
  const bc::StageDef& so = c.oldSide.m.pipelines[pm.pipeline.o].stages[sp.o];
  const bc::StageDef& sn = c.newSide.m.pipelines[pm.pipeline.n].stages[sp.n];
  auto message = [](const Side& side, const bc::GuardDef& g) {
    return g.message >= 0 ? quote(side.m.str(g.message)) : std::string("(no message)");
  };
  std::vector<bool> oldUsed(so.guards.size());
  auto mark = [&](Change& ch) {
    ch.oldPipeline = pm.pipeline.o;
    ch.oldStage = sp.o;
  };
  for (size_t n = 0; n < sn.guards.size(); ++n) {
    const bc::GuardDef& gn = sn.guards[n];
    std::string condN = c.newSide.canon.function(gn.condition);
    int32_t found = -1;
    bool sameCondition = false;
    for (size_t o = 0; o < so.guards.size() && found < 0; ++o) {  // the same condition first
      if (!oldUsed[o] && c.oldSide.canon.function(so.guards[o].condition) == condN) found = static_cast<int32_t>(o);
    }
    sameCondition = found >= 0;
    for (size_t o = 0; o < so.guards.size() && found < 0; ++o) {  // then the same message
      if (!oldUsed[o] && message(c.oldSide, so.guards[o]) == message(c.newSide, gn)) found = static_cast<int32_t>(o);
    }
    if (found < 0) {
      Change& ch = c.add(ChangeKind::Added, "guard", pipe, st, message(c.newSide, gn));
      ch.newPlace = c.newSide.functionPlace(gn.condition);
      mark(ch);
      continue;
    }
    oldUsed[found] = true;
    const bc::GuardDef& go = so.guards[found];
    std::string mo = message(c.oldSide, go), mn = message(c.newSide, gn);
    if (sameCondition && mo == mn) continue;
    Change& ch = c.add(ChangeKind::Changed, "guard", pipe, st, mn);
    ch.summary = !sameCondition ? "its condition changed" : "its message changed";
    if (mo != mn) ch.details.push_back("message was " + mo);
    ch.oldPlace = c.oldSide.functionPlace(go.condition);
    ch.newPlace = c.newSide.functionPlace(gn.condition);
    mark(ch);
  }
  for (size_t o = 0; o < so.guards.size(); ++o) {
    if (oldUsed[o]) continue;
    Change& ch = c.add(ChangeKind::Removed, "guard", pipe, st, message(c.oldSide, so.guards[o]));
    ch.oldPlace = c.oldSide.functionPlace(so.guards[o].condition);
    mark(ch);
  }
}

void diffStageOrder(Context& c, const PipelineMatch& pm, const std::string& pipe) {
  // Stages kept in order are the longest run of increasing old positions;
  // the others moved.
  const auto& st = pm.stages;
  size_t n = st.size();
  std::vector<size_t> best(n, 1), prev(n, SIZE_MAX);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (st[j].o < st[i].o && best[j] + 1 > best[i]) {
        best[i] = best[j] + 1;
        prev[i] = j;
      }
    }
  }
  std::vector<bool> kept(n);
  size_t end = 0;
  for (size_t i = 0; i < n; ++i) {
    if (best[i] > best[end]) end = i;
  }
  for (size_t i = end; n > 0 && i != SIZE_MAX; i = prev[i]) kept[i] = true;
  const bc::PipelineDef& a = c.oldSide.m.pipelines[pm.pipeline.o];
  const bc::PipelineDef& b = c.newSide.m.pipelines[pm.pipeline.n];
  for (size_t i = 0; i < n; ++i) {
    if (kept[i]) continue;
    std::string name = c.newSide.m.str(b.stages[st[i].n].name);
    auto after = [](const bc::Module& m, const bc::PipelineDef& p, int32_t s) {
      return s > 0 ? "after " + m.str(p.stages[s - 1].name) : std::string("first");
    };
    Change& ch = c.add(ChangeKind::Moved, "stage", pipe, name, name,
                       fmt::format("now {} (was {})", after(c.newSide.m, b, st[i].n), after(c.oldSide.m, a, st[i].o)));
    ch.oldPipeline = pm.pipeline.o;
    ch.oldStage = st[i].o;
  }
}

// `on enter: task "Доставить" due 3d; message reminder`
std::string ruleSummary(const bc::Module& m, int32_t r) {
  std::vector<std::string> actions = blockActions(m, m.rules[r].body);
  return ruleHead(m, m.rules[r]) + ": " +
         (actions.empty() ? "no actions" : fmt::format("{}", fmt::join(actions, "; ")));
}

void addedStage(Context& c, const std::string& pipe, int32_t np, int32_t s) {
  const bc::StageDef& st = c.newSide.m.pipelines[np].stages[s];
  std::string name = c.newSide.m.str(st.name);
  std::string where = s > 0 ? "after " + c.newSide.m.str(c.newSide.m.pipelines[np].stages[s - 1].name) : "first";
  Change& ch = c.add(ChangeKind::Added, "stage", pipe, name, name, stageTitle(c.newSide.m, st) + ", " + where);
  for (int32_t r : rulesOf(c.newSide.m, np, s)) ch.details.push_back(ruleSummary(c.newSide.m, r));
}

void removedStage(Context& c, const std::string& pipe, int32_t op, int32_t s) {
  const bc::StageDef& st = c.oldSide.m.pipelines[op].stages[s];
  std::string name = c.oldSide.m.str(st.name);
  Change& ch = c.add(ChangeKind::Removed, "stage", pipe, name, name, stageTitle(c.oldSide.m, st));
  for (int32_t r : rulesOf(c.oldSide.m, op, s)) ch.details.push_back(ruleSummary(c.oldSide.m, r));
  ch.oldPipeline = op;
  ch.oldStage = s;
  ch.oldRules = rulesOf(c.oldSide.m, op, s);
}

void diffPipeline(Context& c, const PipelineMatch& pm) {
  const bc::Module& ma = c.oldSide.m;
  const bc::Module& mb = c.newSide.m;
  const bc::PipelineDef& a = ma.pipelines[pm.pipeline.o];
  const bc::PipelineDef& b = mb.pipelines[pm.pipeline.n];
  std::string pipe = mb.str(b.name);
  auto pipelineChange = [&](ChangeKind kind, std::string what, std::string summary) -> Change& {
    Change& ch = c.add(kind, std::move(what), pipe, "", pipe, std::move(summary));
    ch.oldPipeline = pm.pipeline.o;
    return ch;
  };
  if (!pm.pipeline.reasons.empty()) {
    Change& ch = pipelineChange(ChangeKind::Renamed, "pipeline", "");
    ch.oldName = ma.str(a.name);
    ch.details.push_back("paired by: " + pm.pipeline.reasons);
  }
  if (ma.str(a.title) != mb.str(b.title))
    pipelineChange(ChangeKind::Changed, "title", quote(ma.str(a.title)) + " → " + quote(mb.str(b.title)));
  auto pa = policies(ma, a), pb = policies(mb, b);
  for (size_t i = 0; i < pa.size(); ++i) {
    if (pa[i].second != pb[i].second)
      pipelineChange(ChangeKind::Changed, "policy", pa[i].first + ": " + pa[i].second + " → " + pb[i].second);
  }
  if (reasons(ma, a) != reasons(mb, b)) {
    Change& ch = pipelineChange(ChangeKind::Changed, "loss reasons", "");
    ch.details = listDiff(reasons(ma, a), reasons(mb, b));
  }
  if (a.initial >= 0 && b.initial >= 0 &&
      c.oldSide.canon.stage(pm.pipeline.o, a.initial) != c.newSide.canon.stage(pm.pipeline.n, b.initial)) {
    pipelineChange(
        ChangeKind::Changed, "initial stage",
        ma.str(a.stages[a.initial].name) + " → " + mb.str(b.stages[b.initial].name) + " (where new deals start)");
  }
  diffStageOrder(c, pm, pipe);
  for (const Pair& sp : pm.stages) {
    const bc::StageDef& so = a.stages[sp.o];
    const bc::StageDef& sn = b.stages[sp.n];
    std::string st = mb.str(sn.name);
    auto stageChange = [&](ChangeKind kind, std::string what, std::string summary) -> Change& {
      Change& ch = c.add(kind, std::move(what), pipe, st, st, std::move(summary));
      ch.oldPipeline = pm.pipeline.o;
      ch.oldStage = sp.o;
      return ch;
    };
    if (!sp.reasons.empty()) {
      Change& ch = stageChange(ChangeKind::Renamed, "stage", "");
      ch.oldName = ma.str(so.name);
      ch.details.push_back("paired by: " + sp.reasons);
    }
    if (stageTitle(ma, so) != stageTitle(mb, sn))
      stageChange(ChangeKind::Changed, "stage", stageTitle(ma, so) + " → " + stageTitle(mb, sn));
    diffGuards(c, pm, sp, pipe, st);
    diffRules(c, RuleScope{pipe, st, pm.pipeline.o, sp.o}, rulesOf(ma, pm.pipeline.o, sp.o),
              rulesOf(mb, pm.pipeline.n, sp.n));
  }
  for (int32_t s : pm.added) addedStage(c, pipe, pm.pipeline.n, s);
  for (int32_t s : pm.removed) removedStage(c, pipe, pm.pipeline.o, s);
  diffRules(c, RuleScope{pipe, "", pm.pipeline.o, -1}, rulesOf(ma, pm.pipeline.o, bc::kNo),
            rulesOf(mb, pm.pipeline.n, bc::kNo));
}

}  // namespace

void diffPipelines(Context& c) {
  std::vector<Pair> pairs = matchPipelines(c);
  std::vector<PipelineMatch> matches;
  for (const Pair& pp : pairs) {
    matches.push_back(matchStages(c, pp));
    // From here on the new side names matched things as the old side did, so
    // a move into a renamed stage is not a change of the rule that makes it.
    const PipelineMatch& pm = matches.back();
    c.newSide.canon.aliasPipeline(pp.n, c.oldSide.m.str(c.oldSide.m.pipelines[pp.o].name));
    for (const Pair& sp : pm.stages)
      c.newSide.canon.aliasStage(pp.n, sp.n, c.oldSide.m.str(c.oldSide.m.pipelines[pp.o].stages[sp.o].name));
  }
  std::vector<bool> oldUsed(c.oldSide.m.pipelines.size());
  size_t next = 0;
  for (size_t n = 0; n < c.newSide.m.pipelines.size(); ++n) {
    if (next < matches.size() && matches[next].pipeline.n == static_cast<int32_t>(n)) {
      oldUsed[matches[next].pipeline.o] = true;
      diffPipeline(c, matches[next++]);
      continue;
    }
    const bc::PipelineDef& p = c.newSide.m.pipelines[n];
    std::string name = c.newSide.m.str(p.name);
    Change& ch = c.add(ChangeKind::Added, "pipeline", name, "", name, quote(c.newSide.m.str(p.title)));
    for (const bc::StageDef& s : p.stages)
      ch.details.push_back(stageTitle(c.newSide.m, s) + " " + c.newSide.m.str(s.name));
  }
  for (size_t o = 0; o < c.oldSide.m.pipelines.size(); ++o) {
    if (oldUsed[o]) continue;
    const bc::PipelineDef& p = c.oldSide.m.pipelines[o];
    std::string name = c.oldSide.m.str(p.name);
    Change& ch = c.add(ChangeKind::Removed, "pipeline", name, "", name, quote(c.oldSide.m.str(p.title)));
    for (const bc::StageDef& s : p.stages)
      ch.details.push_back(stageTitle(c.oldSide.m, s) + " " + c.oldSide.m.str(s.name));
    ch.oldPipeline = static_cast<int32_t>(o);
  }
}

}  // namespace voronka::moddiff
