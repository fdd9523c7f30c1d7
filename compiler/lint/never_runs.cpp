// rule-never-fires: a rule waits for what cannot happen where it applies.
// unless-never-happens: an `unless` names an event that cannot cancel it.
#include <fmt/format.h>

#include <map>
#include <set>

#include "compiler/analysis/blocks.h"
#include "compiler/lint/context.h"

namespace voronka::lint {
namespace {

using check::kNone;
using lang::EventKind;

// What the rules of each pipeline send: questionnaires, letters, templates.
// A top-level rule sends in every pipeline.
struct Sent {
  std::map<int, std::set<std::string>> forms, emails, templates;

  explicit Sent(const LintContext& ctx) {
    for (const auto& r : ctx.program.rules) {
      std::vector<int> pipelines;
      for (size_t p = 0; p < ctx.program.pipelines.size(); ++p) {
        if (r.pipeline == kNone || r.pipeline == static_cast<int>(p)) pipelines.push_back(static_cast<int>(p));
      }
      forEachAction(r.rule->body, [&](const ast::Action& a, const ActionContext&) {
        for (int p : pipelines) {
          switch (a.kind) {
            case ast::ActionKind::Questionnaire: forms[p].insert(a.as<ast::QuestionnaireAction>().form.text); break;
            case ast::ActionKind::Email:
              emails[p].insert(a.as<ast::SendAction>().templateName.text);
              templates[p].insert(a.as<ast::SendAction>().templateName.text);
              break;
            case ast::ActionKind::Message:
            case ast::ActionKind::Sms: {
              const auto& s = a.as<ast::SendAction>();
              if (!s.templateName.text.empty()) templates[p].insert(s.templateName.text);
              break;
            }
            default: break;
          }
        }
      });
    }
  }
};

class NeverRuns {
 public:
  explicit NeverRuns(LintContext& ctx) : ctx_(ctx), sent_(ctx) {}

  void run() {
    for (const auto& r : ctx_.program.rules) {
      std::vector<StageRef> where;
      for (StageRef at : ctx_.flow.stagesOf(r)) {
        if (ctx_.flow.reachable(at)) where.push_back(at);
      }
      if (where.empty()) continue;  // unreachable-stage says it
      checkRule(r, where);
      checkUnless(r, where);
    }
  }

 private:
  // Why `ref` cannot happen to a deal in `at`, or nullopt when it can.
  std::optional<std::string> impossible(const ast::EventRef& ref, const check::EventInfo& event, StageRef at) const {
    std::string arg = ref.arg ? ref.arg->text : "";
    const std::string& pipeline = ctx_.flow.pipeline(at.pipeline).name;
    auto sentIn = [&](const std::map<int, std::set<std::string>>& table, const std::string& name) {
      for (int f : ctx_.flow.feeders(at.pipeline)) {
        auto it = table.find(f);
        if (it == table.end()) continue;
        if (name.empty() ? !it->second.empty() : it->second.count(name) > 0) return true;
      }
      return false;
    };
    switch (event.builtin) {
      case lang::EventKind::FormSubmitted:
        if (sentIn(sent_.forms, arg)) return std::nullopt;
        if (arg.empty()) {
          return fmt::format(
              "no rule in pipeline `{}` sends a questionnaire, so no form is ever submitted; "
              "send one with `questionnaire FORM -> FIELD` or remove the rule",
              pipeline);
        }
        return fmt::format(
            "no rule in pipeline `{}` sends the questionnaire `{}`, so it is never submitted; "
            "send it with `questionnaire {} -> FIELD` or remove the rule",
            pipeline, arg, arg);
      case lang::EventKind::EmailOpened:
        if (arg.empty() || sentIn(sent_.emails, arg)) return std::nullopt;
        return fmt::format(
            "no rule in pipeline `{}` sends the letter `{}`, so it is never opened; "
            "send it with `email {}` or remove the rule",
            pipeline, arg, arg);
      case lang::EventKind::LinkClicked:
        if (arg.empty() || sentIn(sent_.templates, arg)) return std::nullopt;
        return fmt::format(
            "no rule in pipeline `{}` sends the template `{}`, so its links are never clicked; "
            "send it or remove the rule",
            pipeline, arg);
      default: return std::nullopt;
    }
  }

  const check::EventInfo* eventOf(const ast::EventRef& ref) const {
    int index = check::CheckedProgram::lookup(ctx_.program.eventIndex, ref.name.text);
    return index == kNone ? nullptr : &ctx_.program.events[index];
  }

  void checkRule(const check::RuleInfo& r, const std::vector<StageRef>& where) {
    const ast::Rule& rule = *r.rule;
    if (rule.when && !ConditionAnalyzer::satisfiable(ctx_.conditions.formula(*rule.when))) {
      ctx_.sink.emit(diag::RuleNeverFires, rule.when->range,
                     "its `when` condition can never hold; fix the condition or remove the rule");
      return;
    }
    if (rule.timing.whileCondition &&
        !ConditionAnalyzer::satisfiable(ctx_.conditions.formula(*rule.timing.whileCondition))) {
      ctx_.sink.emit(diag::RuleNeverFires, rule.timing.whileCondition->range,
                     "its `while` condition can never hold; fix the condition or remove the rule");
      return;
    }
    // The rule never runs if in every stage it applies in something stops it.
    std::optional<std::string> first;
    SourceRange firstRange;
    for (StageRef at : where) {
      std::optional<std::string> why;
      SourceRange range;
      const check::EventInfo* event = ctx_.flow.event(r);
      if (rule.event && event) {
        why = impossible(*rule.event, *event, at);
        range = rule.event->range;
      }
      if (!why && rule.from) {
        int from = ctx_.flow.pipeline(at.pipeline).findStage(rule.from->text);
        if (from != kNone && !ctx_.flow.entersFrom(at, StageRef{at.pipeline, from})) {
          why = fmt::format(
              "deals never enter `{}` straight from `{}` (no rule moves them so, and managers may "
              "not); remove `from {}` or the rule",
              ctx_.flow.stage(at).name, rule.from->text, rule.from->text);
          range = rule.from->range;
        }
      }
      if (!why) return;
      if (!first) {
        first = why;
        firstRange = range;
      }
    }
    if (first) ctx_.sink.emit(diag::RuleNeverFires, firstRange, *first);
  }

  void checkUnless(const check::RuleInfo& r, const std::vector<StageRef>& where) {
    const ast::Rule& rule = *r.rule;
    if (!rule.unless || rule.timing.kind == ast::TimingKind::None) return;
    const check::EventInfo* event = eventOf(*rule.unless);
    if (!event) return;
    std::string shown = LintContext::eventText(*rule.unless);
    switch (event->builtin) {
      case lang::EventKind::Enter:
      case lang::EventKind::Create:
        ctx_.sink.emit(diag::UnlessNeverHappens, rule.unless->range, shown,
                       "while the timer waits the deal is in the stage, so it cannot enter it or be created "
                       "there; name the event that should cancel the rule");
        return;
      case lang::EventKind::Leave:
        ctx_.sink.emit(diag::UnlessNeverHappens, rule.unless->range, shown,
                       "leaving the stage cancels its timers anyway; remove the `unless`");
        return;
      default: break;
    }
    std::optional<std::string> first;
    for (StageRef at : where) {
      std::optional<std::string> why = impossible(*rule.unless, *event, at);
      if (!why) return;
      if (!first) first = why;
    }
    if (!first) return;
    // The reasons end with advice for an `on` rule; say it for `unless`.
    std::string reason = *first;
    size_t advice = reason.rfind(" or remove the rule");
    if (advice != std::string::npos) reason.replace(advice, std::string::npos, " or remove the `unless`");
    ctx_.sink.emit(diag::UnlessNeverHappens, rule.unless->range, shown, reason);
  }

  LintContext& ctx_;
  Sent sent_;
};

}  // namespace

void lintRulesThatNeverRun(LintContext& ctx) { NeverRuns(ctx).run(); }

}  // namespace voronka::lint
