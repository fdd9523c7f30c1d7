// message-outside-workhours: a `message` or `sms` that may go out at night.
#include <set>

#include "compiler/analysis/blocks.h"
#include "compiler/lint/context.h"

namespace voronka::lint {
namespace {

using lang::EventKind;

// Events the client raises: an immediate answer to them is expected at any hour.
bool raisedByClient(lang::EventKind e) {
  switch (e) {
    case lang::EventKind::EmailReceived:
    case lang::EventKind::CallIncoming:
    case lang::EventKind::CallMissed:
    case lang::EventKind::ChatMessage:
    case lang::EventKind::FormSubmitted:
    case lang::EventKind::LinkClicked:
    case lang::EventKind::EmailOpened: return true;
    default: return false;
  }
}

}  // namespace

void lintMessagesOutsideWorkhours(LintContext& ctx) {
  std::set<const ast::Action*> seen;
  for (const auto& r : ctx.program.rules) {
    const ast::Rule& rule = *r.rule;
    const check::EventInfo* event = ctx.flow.event(r);
    bool reply = event && rule.timing.kind == ast::TimingKind::None && raisedByClient(event->builtin);
    forEachAction(rule.body, [&](const ast::Action& a, const ActionContext& where) {
      if (a.kind != ast::ActionKind::Message && a.kind != ast::ActionKind::Sms) return;
      const auto& send = a.as<ast::SendAction>();
      if (send.withinWorkhours || rule.withinWorkhours || where.withinWorkhours) return;
      if (reply && !where.inThen) return;
      if (!seen.insert(&a).second) return;
      bool sms = a.kind == ast::ActionKind::Sms;
      SourceRange keyword{a.range.file, a.range.begin, a.range.begin + (sms ? 3u : 7u)};
      ctx.sink.emit(diag::MessageOutsideWorkhours, keyword, sms ? "SMS" : "message");
    });
  }
}

}  // namespace voronka::lint
