// message-outside-workhours: a `message` or `sms` that may go out at night.
//
// An immediate reply to the client's own action is fine at any hour: the
// client is awake (analysis/client_actions.h says which events those are, and
// which `on enter` rules count as such a reply). Steps after a `then` delay
// are not replies any more.
#include <set>

#include "compiler/analysis/blocks.h"
#include "compiler/analysis/client_actions.h"
#include "compiler/lint/context.h"

namespace voronka::lint {

void lintMessagesOutsideWorkhours(LintContext& ctx) {
  analysis::ClientReplies replies(ctx.flow);
  std::set<const ast::Action*> seen;
  for (const auto& r : ctx.program.rules) {
    const ast::Rule& rule = *r.rule;
    bool reply = replies.answersAtOnce(r);
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
