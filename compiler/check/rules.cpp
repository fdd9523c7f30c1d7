// Rules and actions: events and their filters, timing, moves (targets,
// direction of triggers, one move per block), and each action's references.
#include <fmt/format.h>

#include "compiler/check/checker_impl.h"
#include "compiler/check/suggest.h"

namespace voronka::check {

int Checker::checkRule(const ast::Rule& r, RuleContext ctx) {
  ctx.rule = &r;
  int eventIndex = kNone;
  if (r.event) {
    eventIndex = resolveEvent(*r.event);
    if (eventIndex != kNone) {
      ctx.event = &prog_.events[eventIndex];
      checkEventArgument(*r.event, *ctx.event);
    }
  }
  Scope scope{ctx.event, ctx.pipeline};
  bool isEnter = ctx.event && ctx.event->builtin == lang::EventKind::Enter;

  if (r.from) {
    if (!isEnter) {
      sink_.emit(diag::FromWithoutEnter, r.from->range);
    } else if (ctx.pipeline != kNone) {
      if (prog_.pipelines[ctx.pipeline].findStage(r.from->text) == kNone) {
        unknownStage(ctx.pipeline, *r.from, true, /*qualifiedAllowed=*/false);
      }
    }
  }

  switch (r.timing.kind) {
    case ast::TimingKind::None: break;
    case ast::TimingKind::After: checkDuration(r.timing.delay, "the delay of `after`"); break;
    case ast::TimingKind::Every:
      checkDuration(r.timing.delay, "the period of `every`");
      if (r.timing.whileCondition) expectBool(*r.timing.whileCondition, scope, "the condition of `while`");
      break;
    case ast::TimingKind::At: {
      Type t = checkExpr(*r.timing.at, scope);
      if (!t.isError() && !isTemporal(t)) {
        sink_.emit(diag::TypeMismatch, r.timing.at->range, "the time of `at`", "a datetime or a date", typeName(t));
      }
      break;
    }
  }
  if (ctx.event && ctx.event->builtin == lang::EventKind::Leave && r.timing.kind != ast::TimingKind::None) {
    sink_.emit(diag::TimingNotAllowed, r.timing.range,
               "`leave` rules run while the deal leaves the stage; a delayed action would be cancelled with the visit, "
               "so put it in the next stage's `on enter` instead");
  }
  if (r.unless) {
    if (r.timing.kind == ast::TimingKind::None) sink_.emit(diag::UnlessWithoutDelay, r.unless->range);
    int unlessEvent = resolveEvent(*r.unless);
    if (unlessEvent != kNone) checkEventArgument(*r.unless, prog_.events[unlessEvent]);
  }
  if (r.withinWorkhours) checkWithinWorkhours(r.withinWorkhours->range, ctx);
  if (r.late && r.timing.kind != ast::TimingKind::At) {
    sink_.emit(diag::ClauseNotAllowed, r.late->range, "a rule without `at`", "`late`")
        .note(
            "only the moment of an `at` rule can have passed when its timer is set; `after` and `every` count from "
            "the stage entry or the event");
  }
  if (r.when) expectBool(*r.when, scope, "the condition of `when`");

  // Timers are not triggers: only a rule that runs on a client's or system's
  // event at once makes trigger moves.
  ctx.trigger = ctx.event && !ctx.event->lifecycle && r.timing.kind == ast::TimingKind::None;
  // `once` rules cannot loop: the second visit does not run them.
  bool immediate = isEnter && r.timing.kind == ast::TimingKind::None && !r.when && !r.once;
  checkBlock(r.body, ctx, nullptr, immediate);
  return eventIndex;
}

const ast::Action* Checker::checkBlock(const ast::Block& block, const RuleContext& ctx, const ast::Action* priorMove,
                                       bool immediate) {
  Scope scope{ctx.event, ctx.pipeline};
  for (const auto& owned : block.actions) {
    const ast::Action& a = *owned;
    switch (a.kind) {
      case ast::ActionKind::Move:
      case ast::ActionKind::Win:
      case ast::ActionKind::Lose:
        if (priorMove) {
          sink_.emit(diag::TwoMoves, a.range).note(priorMove->range, "the first move of this block");
        } else {
          priorMove = &a;
        }
        if (a.kind == ast::ActionKind::Move) {
          const auto& move = a.as<ast::MoveAction>();
          checkMove(move.target, ctx, &move, immediate);
        }
        if (a.kind == ast::ActionKind::Lose) checkLoseReason(a.as<ast::LoseAction>(), ctx);
        break;
      case ast::ActionKind::If: {
        const auto& i = a.as<ast::IfAction>();
        const ast::Action* after = priorMove;
        for (const auto& branch : i.branches) {
          expectBool(*branch.condition, scope, "the condition of `if`");
          const ast::Action* m = checkBlock(branch.block, ctx, priorMove, false);
          if (m != priorMove && after == priorMove) after = m;
        }
        if (i.elseBlock) {
          const ast::Action* m = checkBlock(*i.elseBlock, ctx, priorMove, false);
          if (m != priorMove && after == priorMove) after = m;
        }
        priorMove = after;
        break;
      }
      case ast::ActionKind::Split: {
        const auto& s = a.as<ast::SplitAction>();
        if (s.percent < 1 || s.percent > 99) sink_.emit(diag::BadSplit, s.percentRange, fmt::format("{}", s.percent));
        const ast::Action* after = priorMove;
        const ast::Action* m = checkBlock(s.first, ctx, priorMove, false);
        if (m != priorMove) after = m;
        if (s.second) {
          m = checkBlock(*s.second, ctx, priorMove, false);
          if (m != priorMove && after == priorMove) after = m;
        }
        priorMove = after;
        break;
      }
      case ast::ActionKind::Then: {
        const auto& t = a.as<ast::ThenAction>();
        checkDuration(t.delay, "the delay of `then after`");
        if (t.withinWorkhours) checkWithinWorkhours(t.withinWorkhours->range, ctx);
        // A `then` block runs later, from a timer: its own moves, no trigger.
        RuleContext later = ctx;
        later.trigger = false;
        checkBlock(t.block, later, nullptr, false);
        break;
      }
      default: checkAction(a, ctx); break;
    }
  }
  return priorMove;
}

void Checker::checkMove(const ast::MoveTarget& target, const RuleContext& ctx, const ast::MoveAction* move,
                        bool immediate) {
  ImmediateMove edge;
  edge.pipeline = ctx.pipeline;
  edge.stage = ctx.stage;
  edge.move = move;
  if (ctx.rule && ctx.rule->from && ctx.pipeline != kNone) {
    edge.fromStage = prog_.pipelines[ctx.pipeline].findStage(ctx.rule->from->text);
  }

  if (target.isNext) {
    if (ctx.pipeline != kNone && ctx.stage != kNone) {
      const PipelineInfo& p = prog_.pipelines[ctx.pipeline];
      if (ctx.stage >= p.workingCount()) {
        sink_.emit(diag::NoNextStage, target.range, p.stages[ctx.stage].name, "final stages have no next stage");
        return;
      }
      if (ctx.stage == p.workingCount() - 1) {
        sink_.emit(diag::NoNextStage, target.range, p.stages[ctx.stage].name,
                   "it is the last working stage; move to a named stage or close the deal with `win`");
        return;
      }
    }
    edge.isNext = true;
    edge.targetPipeline = ctx.pipeline;
    if (immediate && ctx.pipeline != kNone) immediateMoves_.push_back(edge);
    return;
  }

  int pipelineIndex = ctx.pipeline;
  if (target.pipeline) {
    pipelineIndex = resolve(prog_.pipelineIndex, "pipeline", *target.pipeline);
    if (pipelineIndex == kNone) return;
  }
  if (target.stage.text == "won" || target.stage.text == "lost") {
    bool won = target.stage.text == "won";
    sink_.emit(diag::MoveToFinal, target.range, target.stage.text, won ? "win" : "lose \"reason\"");
    return;
  }
  if (pipelineIndex == kNone) {
    // A top-level rule in a program without pipelines has no stage to go to.
    unknown("stage", target.stage, {});
    return;
  }
  const PipelineInfo& p = prog_.pipelines[pipelineIndex];
  int stage = p.findStage(target.stage.text);
  if (stage == kNone) {
    unknownStage(pipelineIndex, target.stage, false);
    return;
  }
  if (ctx.trigger && ctx.stage != kNone && pipelineIndex == ctx.pipeline && stage != ctx.stage) {
    bool backward = stage < ctx.stage;
    bool allowed = backward ? p.triggersBackward : p.triggersForward;
    if (!allowed) {
      Diagnostic& d = sink_.emit(diag::BackwardTrigger, target.range, backward ? "backward" : "forward",
                                 p.stages[ctx.stage].name, p.stages[stage].name, p.name);
      d.note(p.decl->name.range,
             backward ? "add `triggers backward: allow` to this pipeline to let client events move deals back"
                      : "this pipeline has `triggers forward: deny`");
    }
  }
  // A pipeline-level trigger to the first working stage is backward (or no
  // move) from every stage it applies in.
  if (ctx.trigger && ctx.stage == kNone && pipelineIndex == ctx.pipeline && stage == 0 && !p.triggersBackward &&
      p.workingCount() > 1) {
    sink_.emit(diag::BackwardTrigger, target.range, "backward", p.stages[1].name, p.stages[0].name, p.name)
        .note(p.decl->name.range,
              "add `triggers backward: allow` to this pipeline to let client events move deals back");
  }
  edge.targetPipeline = pipelineIndex;
  edge.targetStage = stage;
  if (immediate) immediateMoves_.push_back(edge);
}

void Checker::checkLoseReason(const ast::LoseAction& lose, const RuleContext& ctx) {
  if (ctx.pipeline == kNone) return;
  const PipelineInfo& p = prog_.pipelines[ctx.pipeline];
  if (!lose.reason) {
    std::string suggestion = p.otherReason != kNone ? p.reasons[p.otherReason]
                             : !p.reasons.empty()   ? p.reasons[0]
                                                    : "Другое";
    sink_.emit(diag::LoseNeedsReason, lose.range, suggestion);
    return;
  }
  checkLossReason(ctx.pipeline, *lose.reason);
}

void Checker::checkLossReason(int pipeline, const ast::Text& reason) {
  const PipelineInfo& p = prog_.pipelines[pipeline];
  if (p.reasons.empty()) return;  // no reasons listed: any reason goes (a lint warns)
  for (const auto& r : p.reasons) {
    if (r == reason.value) return;
  }
  Diagnostic& d = sink_.emit(diag::UnknownLossReason, reason.range, reason.value, p.name);
  if (auto best = closestName(reason.value, p.reasons)) d.note(fmt::format("did you mean \"{}\"?", *best));
  std::string list;
  for (const auto& r : p.reasons) list += (list.empty() ? "\"" : ", \"") + r + "\"";
  d.note(fmt::format("the reasons are {}", list));
}

int Checker::resolveEvent(const ast::EventRef& ref) { return resolve(prog_.eventIndex, "event", ref.name); }

void Checker::checkEventArgument(const ast::EventRef& ref, const EventInfo& event) {
  if (!ref.arg) {
    if (event.argRequired) {
      sink_.emit(diag::EventArgument, ref.range,
                 fmt::format("`{}` needs a field to watch, like `{}(budget)`", event.name, event.name));
    }
    return;
  }
  const ast::Ident& arg = *ref.arg;
  if (event.builtin == lang::EventKind::Custom) {
    sink_.emit(diag::EventArgument, arg.range,
               fmt::format("`{}` is a custom event and takes no argument; its payload fields are in scope by name",
                           event.name));
    return;
  }
  if (event.arg == lang::EventArg::None) {
    sink_.emit(diag::EventArgument, arg.range, fmt::format("the event `{}` takes no argument", event.name));
    return;
  }
  if (event.arg == lang::EventArg::Tag) {
    if (!ref.argIsString) {
      sink_.emit(diag::EventArgument, arg.range,
                 fmt::format("tags are texts: write `{}(\"{}\")`", event.name, arg.text));
    }
    return;
  }
  if (ref.argIsString) {
    sink_.emit(diag::EventArgument, arg.range,
               fmt::format("write the name without quotes: `{}({})`", event.name, arg.text));
    return;
  }
  switch (event.arg) {
    case lang::EventArg::EmailTemplate: {
      int t = resolve(prog_.templateIndex, "template", arg);
      if (t != kNone && prog_.templates[t].kind != ast::TemplateKind::Email) {
        sink_.emit(diag::WrongKind, arg.range, arg.text, templateKindName(prog_.templates[t].kind),
                   "an email template (only emails are opened)");
      }
      break;
    }
    case lang::EventArg::AnyTemplate: resolve(prog_.templateIndex, "template", arg); break;
    case lang::EventArg::Form: resolve(prog_.formIndex, "form", arg); break;
    case lang::EventArg::Channel: resolve(prog_.channelIndex, "channel", arg); break;
    case lang::EventArg::TaskType: resolve(prog_.taskTypeIndex, "task type", arg); break;
    case lang::EventArg::Field: resolve(prog_.fieldIndex, "field", arg); break;
    default: break;
  }
}

int Checker::resolveUser(const ast::Ident& name, bool pickFromTeam) {
  int user = CheckedProgram::lookup(prog_.userIndex, name.text);
  if (user != kNone) return user;
  if (CheckedProgram::lookup(prog_.teamIndex, name.text) != kNone) {
    Diagnostic& d = sink_.emit(diag::WrongKind, name.range, name.text, "a team", "a user");
    if (pickFromTeam) {
      d.note(fmt::format("to pick a member of the team write `round_robin({0})` or `least_busy({0})`", name.text));
    }
    return kNone;
  }
  unknown("user", name, keys(prog_.userIndex)).note("users are declared as members of a `team`");
  return kNone;
}

void Checker::checkAssignee(const ast::Assignee& who) {
  if (!who.team) {
    resolveUser(who.name, /*pickFromTeam=*/true);
    return;
  }
  if (who.name.text != "round_robin" && who.name.text != "least_busy") {
    unknown("way to assign", who.name, {"round_robin", "least_busy"})
        .note("a team member is chosen by `round_robin(TEAM)` (in turn) or `least_busy(TEAM)` (fewest open deals)");
  }
  resolve(prog_.teamIndex, "team", *who.team);
}

void Checker::checkWithinWorkhours(SourceRange where, const RuleContext& ctx) {
  int calendar = ctx.pipeline != kNone ? prog_.pipelines[ctx.pipeline].calendar : 0;
  if (!prog_.calendars[calendar].hasWorkhours()) sink_.emit(diag::NoWorkhours, where);
}

void Checker::checkDuration(const ast::Duration& d, std::string_view what) {
  if (d.hasUnit && d.seconds == 0 && d.workdays == 0) {
    sink_.emit(diag::BadDuration, d.range, fmt::format("{} must be longer than zero", what));
  }
}

void Checker::checkTaskType(const ast::Ident& type) { resolve(prog_.taskTypeIndex, "task type", type); }

void Checker::checkText(const ast::InterpolatedText& text, const Scope& scope) {
  for (const auto& part : text.parts) {
    if (part.expr) checkExpr(*part.expr, scope);
  }
}

void Checker::checkUrl(const ast::InterpolatedText& url) {
  if (url.parts.empty() || url.parts.front().expr) return;  // starts with {…}: known only at run time
  const std::string& start = url.parts.front().literal;
  if (start.rfind("https://", 0) == 0 || start.rfind("http://", 0) == 0) return;
  sink_.emit(diag::BadUrl, url.range, url.display());
}

void Checker::checkMap(const std::vector<ast::MapEntry>& entries, const Scope& scope, std::string_view what) {
  NameTable keysSeen;
  for (size_t i = 0; i < entries.size(); ++i) {
    declare(keysSeen, fmt::format("key of {}", what), entries[i].key, static_cast<int>(i),
            [&](int k) { return entries[k].key.range; });
    if (entries[i].value) checkExpr(*entries[i].value, scope);
  }
}

std::optional<Type> Checker::settableTarget(const ast::Path& target, size_t first) {
  const auto& parts = target.parts;
  if (first >= parts.size()) return std::nullopt;
  size_t n = parts.size() - first;
  const ast::Ident& head = parts[first];
  auto fieldType = [&](const ast::Ident& name) -> std::optional<Type> {
    int field = CheckedProgram::lookup(prog_.fieldIndex, name.text);
    if (field != kNone) return prog_.fields[field].type;
    return std::nullopt;
  };
  if (n == 1) {
    if (auto t = fieldType(head)) return t;
    static const char* builtins[] = {"now", "today", "time_in_stage", "overdue_tasks", "open_tasks"};
    for (const char* b : builtins) {
      if (head.text == b) {
        sink_.emit(diag::ReadOnly, head.range, head.text, "; it is computed by the engine");
        return std::nullopt;
      }
    }
    unknown("field", head, keys(prog_.fieldIndex));
    return std::nullopt;
  }
  if (n == 2) {
    const ast::Ident& member = parts[first + 1];
    if (head.text == "deal") {
      if (auto t = fieldType(member)) return t;
      if (member.text == "name") return Type::of(TypeKind::Text);
      if (member.text == "responsible") {
        sink_.emit(diag::ReadOnly, target.range, "deal.responsible", "; change it with `assign`");
        return std::nullopt;
      }
      if (member.text == "tags") {
        sink_.emit(diag::ReadOnly, target.range, "deal.tags", "; change them with `tag + \"…\"` and `tag - \"…\"`");
        return std::nullopt;
      }
      if (member.text == "id" || member.text == "created_at") {
        sink_.emit(diag::ReadOnly, target.range, "deal." + member.text, "; the engine keeps it");
        return std::nullopt;
      }
      if (member.text == "stage" || member.text == "previous_stage" || member.text == "pipeline") {
        sink_.emit(diag::ReadOnly, target.range, "deal." + member.text, "; move the deal with `move` or `->`");
        return std::nullopt;
      }
      if (member.text == "lost_reason") {
        sink_.emit(diag::ReadOnly, target.range, "deal.lost_reason", "; `lose \"reason\"` records it");
        return std::nullopt;
      }
      unknown("field", member, keys(prog_.fieldIndex));
      return std::nullopt;
    }
    if (head.text == "contact") {
      if (member.text == "name") return Type::of(TypeKind::Text);
      if (member.text == "email") return Type::of(TypeKind::Email);
      if (member.text == "phone") return Type::of(TypeKind::Phone);
      Diagnostic& d = sink_.emit(diag::NoMember, member.range, "the contact", member.text);
      if (auto best = closestName(member.text, {"name", "email", "phone"}))
        d.note(fmt::format("did you mean `{}`?", *best));
      return std::nullopt;
    }
    if (head.text == "company") {
      if (member.text == "name") return Type::of(TypeKind::Text);
      sink_.emit(diag::NoMember, member.range, "the company", member.text);
      return std::nullopt;
    }
  }
  if (CheckedProgram::lookup(prog_.fieldIndex, head.text) == kNone && head.text != "deal" && head.text != "contact" &&
      head.text != "company") {
    unknown("field", head, keys(prog_.fieldIndex));
  } else {
    sink_.emit(diag::NoMember, parts[first + 1].range, fmt::format("`{}`", head.text), parts[first + 1].text);
  }
  return std::nullopt;
}

void Checker::checkSet(const ast::Path& target, const ast::Expr& value, const Scope& scope) {
  std::optional<Type> type = settableTarget(target, 0);
  if (!type) return;  // reported; the value would only add noise
  expectType(value, scope, *type, fmt::format("the value of `{}`", target.joined()));
}

void Checker::checkAction(const ast::Action& a, const RuleContext& ctx) {
  Scope scope{ctx.event, ctx.pipeline};
  switch (a.kind) {
    case ast::ActionKind::Task: {
      const auto& t = a.as<ast::TaskAction>();
      if (t.type) checkTaskType(*t.type);
      checkText(t.text, scope);
      if (t.due) checkDuration(*t.due, "the due time of a task");
      if (t.at) {
        Type at = checkExpr(*t.at, scope);
        if (!at.isError() && !isTemporal(at)) {
          sink_.emit(diag::TypeMismatch, t.at->range, "the time of `at`", "a datetime or a date", typeName(at));
        }
      }
      if (t.to) resolveUser(*t.to);
      if (t.withinWorkhours) checkWithinWorkhours(t.withinWorkhours->range, ctx);
      break;
    }
    case ast::ActionKind::CompleteTasks: {
      const auto& c = a.as<ast::CompleteTasksAction>();
      if (c.type) checkTaskType(*c.type);
      break;
    }
    case ast::ActionKind::Email:
    case ast::ActionKind::Message:
    case ast::ActionKind::Sms: {
      const auto& s = a.as<ast::SendAction>();
      const char* what = ast::keyword(a.kind);
      if (!s.templateName.text.empty()) {
        int t = resolve(prog_.templateIndex, "template", s.templateName);
        ast::TemplateKind want = a.kind == ast::ActionKind::Email     ? ast::TemplateKind::Email
                                 : a.kind == ast::ActionKind::Message ? ast::TemplateKind::Message
                                                                      : ast::TemplateKind::Sms;
        if (t != kNone && prog_.templates[t].kind != want) {
          sink_.emit(diag::WrongKind, s.templateName.range, s.templateName.text,
                     templateKindName(prog_.templates[t].kind), templateKindName(want));
        }
      } else {
        checkText(s.text, scope);
      }
      // Which clauses each kind takes is actions.def's operand list.
      const lang::ActionInfo& info = lang::actionInfo(a.kind);
      if (s.from) {
        if (info.takes(lang::ActionOperand::FromUser)) {
          resolveUser(*s.from);
        } else {
          sink_.emit(diag::ClauseNotAllowed, s.from->range, fmt::format("`{}`", what), "`from`");
        }
      }
      if (s.via) {
        if (info.takes(lang::ActionOperand::ViaChannel)) {
          resolve(prog_.channelIndex, "channel", *s.via);
        } else {
          sink_.emit(diag::ClauseNotAllowed, s.via->range, fmt::format("`{}`", what), "`via`");
        }
      }
      if (s.withinWorkhours) {
        checkWithinWorkhours(s.withinWorkhours->range, ctx);
        if (s.withinWorkhours->earlier) {
          // It goes out now, or later in working hours: earlier than now is the past.
          sink_
              .emit(diag::ClauseNotAllowed, s.withinWorkhours->range, fmt::format("`{}`", what),
                    "`within workhours earlier`")
              .note(fmt::format("a {} goes out at once or later; to send it before a date, shift the rule: "
                                "`at lesson_at - 1 workdays within workhours earlier {{ {} … }}`",
                                what, what));
        }
      }
      break;
    }
    case ast::ActionKind::Webhook: {
      const auto& w = a.as<ast::WebhookAction>();
      checkText(w.url, scope);
      checkUrl(w.url);
      checkMap(w.body, scope, "the webhook body");
      break;
    }
    case ast::ActionKind::Request: {
      const auto& r = a.as<ast::RequestAction>();
      resolve(prog_.integrationIndex, "integration", r.integration);
      checkMap(r.body, scope, "the request body");
      break;
    }
    case ast::ActionKind::Analytics: {
      const auto& an = a.as<ast::AnalyticsAction>();
      if (an.label) checkExpr(*an.label, scope);
      break;
    }
    case ast::ActionKind::Set: {
      const auto& s = a.as<ast::SetAction>();
      checkSet(s.target, *s.value, scope);
      break;
    }
    case ast::ActionKind::Assign: checkAssignee(a.as<ast::AssignAction>().who); break;
    case ast::ActionKind::CreateDeal: {
      const auto& c = a.as<ast::CreateDealAction>();
      int p = resolvePipeline(c.pipeline);
      if (p != kNone && c.stage) {
        const PipelineInfo& pipeline = prog_.pipelines[p];
        int stage = pipeline.findStage(c.stage->text);
        if (stage == kNone) {
          unknownStage(p, *c.stage, false);
        } else if (pipeline.stages[stage].kind != ast::StageKind::Working) {
          sink_.emit(diag::CreateInFinal, c.stage->range, c.stage->text);
        }
      }
      for (const auto& f : c.copy) resolve(prog_.fieldIndex, "field", f);
      if (c.assign) checkAssignee(*c.assign);
      break;
    }
    case ast::ActionKind::Questionnaire: {
      const auto& q = a.as<ast::QuestionnaireAction>();
      resolve(prog_.formIndex, "form", q.form);
      int field = resolve(prog_.fieldIndex, "field", q.field);
      if (field != kNone) {
        const Type& t = prog_.fields[field].type;
        if (!t.is(TypeKind::Url) && !t.is(TypeKind::Text)) {
          sink_.emit(diag::TypeMismatch, q.field.range, "the field that receives the questionnaire link", "url or text",
                     typeName(t));
        }
      }
      break;
    }
    case ast::ActionKind::Note: checkText(a.as<ast::NoteAction>().text, scope); break;
    case ast::ActionKind::Notify: {
      const auto& n = a.as<ast::NotifyAction>();
      const std::string& who = n.recipient.text;
      if (who != "responsible" && CheckedProgram::lookup(prog_.userIndex, who) == kNone &&
          CheckedProgram::lookup(prog_.teamIndex, who) == kNone) {
        std::vector<std::string> candidates = keys(prog_.userIndex);
        for (const auto& t : keys(prog_.teamIndex)) candidates.push_back(t);
        candidates.push_back("responsible");
        unknown("user or team", n.recipient, candidates);
      }
      checkText(n.text, scope);
      break;
    }
    case ast::ActionKind::Tag:
      break;  // a literal tag: nothing to resolve
    // Moves and nested blocks are checked by checkBlock, with the block's context.
    case ast::ActionKind::Move:
    case ast::ActionKind::Win:
    case ast::ActionKind::Lose:
    case ast::ActionKind::If:
    case ast::ActionKind::Split:
    case ast::ActionKind::Then: break;
  }
}

}  // namespace voronka::check
