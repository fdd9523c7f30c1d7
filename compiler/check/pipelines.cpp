// Pipelines: their stages in order (working, then won, then lost), the
// initial and key stages, policies, loss reasons and guards.
#include <fmt/format.h>

#include "compiler/check/checker_impl.h"

namespace voronka::check {

void Checker::declarePipeline(const ast::PipelineDecl& decl) {
  int index = static_cast<int>(prog_.pipelines.size());
  if (!declare(prog_.pipelineIndex, "pipeline", decl.name, index,
               [&](int i) { return prog_.pipelines[i].decl->name.range; })) {
    return;
  }
  PipelineInfo p;
  p.name = decl.name.text;
  p.title = decl.title ? decl.title->value : decl.name.text;
  p.decl = &decl;

  // Working stages keep their order; the finals go last even when a working
  // stage was (wrongly) written after them, so later checks see one shape.
  const ast::Stage* won = nullptr;
  const ast::Stage* lost = nullptr;
  NameTable names;
  std::vector<const ast::Stage*> working;
  for (const auto& s : decl.stages) {
    if (s->kind == ast::StageKind::Working) {
      if (won || lost) sink_.emit(diag::StageAfterFinal, s->name.range, s->name.text);
      if (declare(names, fmt::format("stage of pipeline `{}`", p.name), s->name, static_cast<int>(working.size()),
                  [&](int i) { return working[i]->name.range; })) {
        working.push_back(s.get());
      }
      continue;
    }
    const ast::Stage*& slot = s->kind == ast::StageKind::Won ? won : lost;
    if (slot) {
      sink_.emit(diag::DuplicateFinalStage, s->name.range, p.name, s->name.text)
          .note(slot->name.range, "the first one");
      continue;
    }
    slot = s.get();
  }
  auto addStage = [&](const ast::Stage* s) {
    StageInfo info;
    info.name = s->name.text;
    info.title = s->title ? s->title->value : s->name.text;
    info.kind = s->kind;
    info.decl = s;
    p.stages.push_back(std::move(info));
  };
  for (const ast::Stage* s : working) addStage(s);
  if (won) {
    p.won = static_cast<int>(p.stages.size());
    addStage(won);
  }
  if (lost) {
    p.lost = static_cast<int>(p.stages.size());
    addStage(lost);
  }
  if (working.empty()) sink_.emit(diag::NoStages, decl.name.range, p.name);
  if (!won) sink_.emit(diag::MissingFinalStage, decl.name.range, p.name, "won", "won");
  if (!lost) sink_.emit(diag::MissingFinalStage, decl.name.range, p.name, "lost", "lost");

  const ast::Stage* firstInitial = nullptr;
  const ast::Stage* firstKey = nullptr;
  for (size_t i = 0; i < working.size(); ++i) {
    const ast::Stage* s = working[i];
    if (s->initial) {
      if (firstInitial) {
        sink_.emit(diag::MultipleInitial, *s->initial, p.name).note(*firstInitial->initial, "the first one");
      } else {
        firstInitial = s;
        p.initial = static_cast<int>(i);
      }
    }
    if (s->key) {
      if (firstKey) {
        sink_.emit(diag::MultipleKey, *s->key, p.name).note(*firstKey->key, "the first one");
      } else {
        firstKey = s;
        p.stages[i].key = true;
      }
    }
  }
  if (p.initial == kNone && !working.empty()) p.initial = 0;
  if (p.initial != kNone) p.stages[p.initial].initial = true;
  prog_.pipelines.push_back(std::move(p));
}

namespace {

const char* policyName(ast::PolicyKind k) {
  switch (k) {
    case ast::PolicyKind::ManualForward: return "manual forward";
    case ast::PolicyKind::ManualBackward: return "manual backward";
    case ast::PolicyKind::TriggersForward: return "triggers forward";
    case ast::PolicyKind::TriggersBackward: return "triggers backward";
    case ast::PolicyKind::Calendar: return "calendar";
  }
  return "?";
}

}  // namespace

void Checker::collectReasons(const std::vector<ast::LossReason>& list, std::vector<std::string>& reasons, int& other) {
  std::map<std::string, SourceRange> seen;
  const ast::LossReason* firstOther = nullptr;
  for (const auto& r : list) {
    auto [it, inserted] = seen.emplace(r.text.value, r.text.range);
    if (!inserted) {
      sink_.emit(diag::DuplicateReason, r.text.range, r.text.value).note(it->second, "first listed here");
      continue;
    }
    if (r.isOther) {
      if (firstOther) {
        sink_.emit(diag::MultipleOther, r.range).note(firstOther->range, "the first one");
        continue;
      }
      firstOther = &r;
      other = static_cast<int>(reasons.size());
    }
    reasons.push_back(r.text.value);
  }
}

void Checker::checkPipelineShape(int index) {
  PipelineInfo& p = prog_.pipelines[index];
  std::map<ast::PolicyKind, SourceRange> seen;
  for (const auto& policy : p.decl->policies) {
    auto [it, inserted] = seen.emplace(policy.kind, policy.range);
    if (!inserted) {
      sink_.emit(diag::DuplicatePolicy, policy.range, policyName(policy.kind), p.name)
          .note(it->second, "first set here");
      continue;
    }
    switch (policy.kind) {
      case ast::PolicyKind::ManualForward: p.manualForward = policy.allow; break;
      case ast::PolicyKind::ManualBackward: p.manualBackward = policy.allow; break;
      case ast::PolicyKind::TriggersForward: p.triggersForward = policy.allow; break;
      case ast::PolicyKind::TriggersBackward: p.triggersBackward = policy.allow; break;
      case ast::PolicyKind::Calendar: {
        int calendar = resolve(prog_.calendarIndex, "calendar", policy.calendar);
        if (calendar != kNone) p.calendar = calendar;
        break;
      }
    }
  }

  // Reasons first: a guard may compare `deal.lost_reason` with them.
  for (const auto& stage : p.stages) {
    const ast::Stage& s = *stage.decl;
    if (s.kind != ast::StageKind::Lost) continue;
    if (s.reasons) {
      collectReasons(*s.reasons, p.reasons, p.otherReason);
    } else if (s.reasonsRef) {
      int set = resolve(prog_.reasonSetIndex, "reason list", *s.reasonsRef);
      if (set != kNone) {
        p.reasons = prog_.reasonSets[set].reasons;
        p.otherReason = prog_.reasonSets[set].other;
      }
    }
  }
  Scope inPipeline{nullptr, index};
  for (const auto& stage : p.stages) {
    const ast::Stage& s = *stage.decl;
    for (const auto& guard : s.guards) {
      if (s.kind != ast::StageKind::Working) {
        sink_.emit(diag::RequireOnFinal, SourceRange{guard.range.file, guard.range.begin, guard.range.begin + 7},
                   s.name.text);
        continue;
      }
      expectBool(*guard.condition, inPipeline, "the condition of `require`");
    }
  }
}

void Checker::checkPipelineRules(int index) {
  const PipelineInfo& p = prog_.pipelines[index];
  for (const auto& rule : p.decl->rules) {
    RuleContext ctx;
    ctx.pipeline = index;
    int event = checkRule(*rule, ctx);
    prog_.rules.push_back(RuleInfo{rule.get(), index, kNone, event});
  }
  for (size_t s = 0; s < p.stages.size(); ++s) {
    for (const auto& rule : p.stages[s].decl->rules) {
      RuleContext ctx;
      ctx.pipeline = index;
      ctx.stage = static_cast<int>(s);
      int event = checkRule(*rule, ctx);
      prog_.rules.push_back(RuleInfo{rule.get(), index, static_cast<int>(s), event});
    }
  }
}

void Checker::checkTopLevelRules() {
  // A top-level rule applies in every pipeline, so it is checked against each.
  for (const ast::Rule* rule : topLevelRules_) {
    int event = kNone;
    if (prog_.pipelines.empty()) event = checkRule(*rule, RuleContext{});
    for (size_t p = 0; p < prog_.pipelines.size(); ++p) {
      RuleContext ctx;
      ctx.pipeline = static_cast<int>(p);
      event = checkRule(*rule, ctx);
    }
    prog_.rules.push_back(RuleInfo{rule, kNone, kNone, event});
  }
}

}  // namespace voronka::check
