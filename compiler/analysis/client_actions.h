// The client's own actions, and the rules that answer one at once.
//
// A reply to something the client has just done (written, called, sent a
// form, clicked a link) reaches someone who is awake, at any hour; what runs
// on a timer, on a manager's or another system's doing, or after a `then`
// delay does not. The lint message-outside-workhours asks this.
#pragma once

#include <optional>
#include <set>

#include "compiler/analysis/flow.h"

namespace voronka::analysis {

// Is the built-in event something the client does themselves (events.def)?
// Yes: email_opened, link_clicked, email_received, call_incoming, call_missed,
// form_submitted, chat_message. No: what managers do (call_outgoing,
// task_completed, field_changed, tags, responsible, manual moves), what the
// engine or time does (enter, create, leave, task_overdue), payments (a bank
// or payment system reports them, often in batches at night) and events
// declared with `event` (other systems; who acted is unknown).
bool isClientAction(lang::EventKind event);

class ClientReplies {
 public:
  explicit ClientReplies(const Flow& flow);

  // Does the rule run at once on the client's own action, in every stage it
  // applies in? Either its event is one, or it is an `on enter` rule of
  // stages that deals enter only at once on the client's actions (a trigger
  // on one, or an `on enter` move from such a stage): not their pipeline's
  // initial stage, not by a manager's hand, not by a timer.
  bool answersAtOnce(const check::RuleInfo& rule) const;

 private:
  // Are all the ways into `to` (from `from` only, when given) the client's?
  bool enteredOnlyByClient(StageRef to, std::optional<StageRef> from) const;
  bool entryByClient(const Transition& t) const;
  std::optional<StageRef> fromStage(const check::RuleInfo& rule, StageRef at) const;

  const Flow& flow_;
  std::set<StageRef> clientOnly_;  // reachable stages every entry into which is the client's
};

}  // namespace voronka::analysis
