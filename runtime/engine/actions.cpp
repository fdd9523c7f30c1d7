// Actions (LANGUAGE.md §6) as the VM hands them over: state changes go to
// the deal and the store, external effects to the outbox with a stable
// idempotency key.
#include <fmt/format.h>

#include <array>
#include <charconv>

#include "common/hash.h"
#include "runtime/engine/json_text.h"
#include "runtime/engine/processing.h"
#include "runtime/engine/values.h"

namespace voronka::engine {

using bc::kNo;

namespace {

// fnv1a of "deal|cause|n" as 16 hex digits, written without formatting.
std::string effectKey(std::string_view deal, std::string_view cause, int n) {
  char digits[12];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  (void)ec;
  uint64_t h = fnv1a(deal);
  h = fnv1a("|", h);
  h = fnv1a(cause, h);
  h = fnv1a("|", h);
  h = fnv1a(std::string_view(digits, static_cast<size_t>(end - digits)), h);
  std::string key(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) key[static_cast<size_t>(i)] = "0123456789abcdef"[h & 0xF];
  return key;
}

}  // namespace

std::string_view Processing::render(int32_t function) {
  if (function == kNo) return "";
  return engine_.vm_->evaluate(function, *this).textView();
}

std::string Processing::toJson(const bc::Value& v) {
  std::string out;
  if (v.tag == bc::Tag::Tags) {
    out.push_back('[');
    for (size_t i = 0; i < deal_.tags.size(); ++i) {
      if (i > 0) out.push_back(',');
      json_text::appendString(out, deal_.tags[i]);
    }
    out.push_back(']');
    return out;
  }
  json_text::appendValue(out, m_, store::FieldValue::of(v));
  return out;
}

// Only for an effect someone reads: act() drops the others before their payload is made.
void Processing::addEffect(bc::ActionKind action, json_text::Object payload, int64_t notBefore) {
  std::string_view kind = lang::effectName(lang::actionInfo(action).effect);  // actions.def, column Effect
  store::EffectRecord e;
  e.deal = deal_.id;
  e.kind = kind;
  // Stable across redelivery: the same deal, cause and position in it.
  e.key = effectKey(deal_.id, state_.cause, ++state_.effects);
  e.payload = payload.integer("line", site_.line).str();
  e.createdAt = now_;
  e.notBefore = notBefore;
  trace("effect", [&] {
    return nlohmann::json{{"kind", kind}, {"key", e.key}, {"payload", nlohmann::json::parse(e.payload)}};
  });
  state_.tx.addEffect(std::move(e));
}

void Processing::setValue(bc::SetTarget target, int32_t field, const store::FieldValue& value,
                          std::vector<int32_t>* changed) {
  auto setText = [&](std::string& slot, const char* name) {
    std::string text = value.tag == bc::Tag::Text ? value.text : "";
    if (slot == text) return;
    slot = text;
    trace("field", [&] { return nlohmann::json{{"field", name}, {"value", text}}; });
  };
  switch (target) {
    case bc::SetTarget::Field: {
      if (field < 0 || static_cast<size_t>(field) >= deal_.fields.size()) return;
      store::FieldValue& slot = deal_.fields[static_cast<size_t>(field)];
      if (slot == value) return;
      slot = value;
      if (changed) changed->push_back(field);
      trace("field", [&] {
        return nlohmann::json{{"field", m_.str(m_.fields[field].name)}, {"value", valueToJson(m_, value)}};
      });
      break;
    }
    case bc::SetTarget::DealName: setText(deal_.name, "deal.name"); break;
    case bc::SetTarget::ContactName: setText(deal_.contactName, "contact.name"); break;
    case bc::SetTarget::ContactEmail: setText(deal_.contactEmail, "contact.email"); break;
    case bc::SetTarget::ContactPhone: setText(deal_.contactPhone, "contact.phone"); break;
    case bc::SetTarget::CompanyName: setText(deal_.companyName, "company.name"); break;
  }
}

void Processing::assign(bc::AssignMode mode, int32_t user, int32_t team, store::DealRecord& target) {
  int32_t chosen = kNo;
  switch (mode) {
    case bc::AssignMode::None: return;
    case bc::AssignMode::User: chosen = user; break;
    case bc::AssignMode::RoundRobin: {
      const bc::TeamDef& t = m_.teams[team];
      if (t.members.empty()) return;
      int64_t turn = state_.tx.takeCounter("round_robin:" + m_.str(t.name));
      chosen = t.members[static_cast<size_t>(turn % static_cast<int64_t>(t.members.size()))];
      break;
    }
    case bc::AssignMode::LeastBusy: {
      const bc::TeamDef& t = m_.teams[team];
      std::vector<std::pair<int32_t, int32_t>> finals;
      for (size_t p = 0; p < m_.pipelines.size(); ++p) {
        finals.emplace_back(static_cast<int32_t>(p), m_.pipelines[p].won);
        finals.emplace_back(static_cast<int32_t>(p), m_.pipelines[p].lost);
      }
      int64_t best = INT64_MAX;
      for (int32_t member : t.members) {
        int64_t load = state_.tx.openDealsOf(member, finals);
        if (load < best) {  // ties go to the member written first
          best = load;
          chosen = member;
        }
      }
      break;
    }
  }
  if (chosen == kNo || chosen == target.responsible) return;
  target.responsible = chosen;
  trace("responsible", [&] { return nlohmann::json{{"deal", target.id}, {"user", m_.str(m_.users[chosen].name)}}; });
}

void Processing::act(const bc::ActionDesc& a, const bc::Value* r) {
  site_.line = a.line;
  int32_t self = static_cast<int32_t>(&a - m_.actions.data());
  const bc::PipelineDef& pipeline = m_.pipelines[deal_.pipeline];
  if (lang::actionInfo(a.kind).effect != lang::EffectKind::None && !engine_.keepsRecords() && !tracing("effect")) {
    // An effect nobody reads (`voronka sim`): counted for the keys of later
    // ones, its templates not even rendered. The VM cannot fail, so nothing
    // a kept effect would have shown is lost.
    ++state_.effects;
    return;
  }
  switch (a.kind) {
    case bc::ActionKind::Move: {
      if (a.isNext) {
        // The next working stage; from the last one (or a final stage) nowhere.
        if (deal_.stage + 1 >= pipeline.won) {
          trace("refused", [&] {
            return nlohmann::json{{"reason", "`next` from the last working stage"}, {"line", a.line}};
          });
          return;
        }
        pending_ = PendingMove{deal_.pipeline, deal_.stage + 1, ""};
      } else {
        pending_ = PendingMove{a.pipeline, a.stage, ""};
      }
      return;
    }
    case bc::ActionKind::Win: pending_ = PendingMove{deal_.pipeline, pipeline.won, ""}; return;
    case bc::ActionKind::Lose: {
      std::string reason = a.text != kNo                 ? m_.str(a.text)
                           : pipeline.otherReason != kNo ? m_.str(pipeline.reasons[pipeline.otherReason])
                                                         : "";
      pending_ = PendingMove{deal_.pipeline, pipeline.lost, reason};
      return;
    }
    case bc::ActionKind::Task: {
      store::TaskView t;
      t.type = a.taskType;
      t.text = r[0].textView();
      if (a.hasAt) {
        const bc::Value& at = r[1];
        if (at.tag == bc::Tag::DateTime) t.due = at.i;
        if (at.tag == bc::Tag::Date) t.due = calendar().utcOf(at.i, 0);
      } else if (a.dueSeconds || a.dueWorkdays) {
        t.due = addDuration(now_, a.dueSeconds, a.dueWorkdays);
      }
      if (t.due) t.due = shiftIntoWork(t.due, a.workhours);
      t.responsible = a.user != kNo ? a.user : deal_.responsible;
      t.createdAt = now_;
      t.epoch = deal_.epoch;
      // Views: the store keeps the text its own way, with no copy made here.
      int64_t id = state_.tx.addTaskView(deal_.id, t);
      if (tracingFacts()) {
        TraceFact fact;
        fact.kind = TraceFact::Kind::Task;
        fact.deal = deal_.id;
        fact.user = t.responsible != kNo ? t.responsible : -1;
        state_.facts.push_back(std::move(fact));
      }
      trace("task", [&] {
        nlohmann::json entry = {{"task", id}, {"text", t.text}};
        if (t.type != kNo) entry["type"] = m_.str(m_.taskTypes[t.type].name);
        if (t.due) entry["due"] = isoUtc(t.due);
        if (t.responsible != kNo) entry["responsible"] = m_.str(m_.users[t.responsible].name);
        return entry;
      });
      if (t.due && wantsOverdueTimer()) {
        // `task_overdue` when the due time passes with the task still open.
        store::TimerView timer;
        timer.deal = deal_.id;
        timer.due = t.due;
        timer.kind = store::TimerKind::TaskOverdue;
        timer.task = id;
        timer.epoch = deal_.epoch;
        timer.scheduledAt = now_;
        timer.cause = state_.cause;
        state_.tx.addTimerView(timer);
      }
      return;
    }
    case bc::ActionKind::CompleteTasks: {
      int64_t today = calendar().localDay(now_);
      // Completed after the visit, which must not use the transaction. The
      // ids of the usual few wait on the stack (no heap block per action);
      // the texts are kept for a trace only.
      constexpr size_t kFew = 8;
      std::array<int64_t, kFew> few;
      std::vector<int64_t> more;
      std::vector<std::string> texts;
      size_t matched = 0;
      bool traced = tracing("task done");
      state_.tx.forEachOpenTask(deal_.id, [&](const store::TaskView& t) {
        if (a.taskType != kNo && t.type != a.taskType) return true;
        bool match = true;
        switch (a.filter) {
          case bc::TaskFilter::Unspecified:
          case bc::TaskFilter::All: break;
          case bc::TaskFilter::Overdue: match = t.due > 0 && t.due < now_; break;
          case bc::TaskFilter::Today: match = t.due > 0 && calendar().localDay(t.due) == today; break;
          case bc::TaskFilter::Tomorrow: match = t.due > 0 && calendar().localDay(t.due) == today + 1; break;
        }
        if (!match) return true;
        if (matched < kFew)
          few[matched] = t.id;
        else
          more.push_back(t.id);
        ++matched;
        if (traced) texts.emplace_back(t.text);
        return true;
      });
      std::optional<std::string_view> comment;
      if (a.text != kNo) comment = m_.str(a.text);
      completeTasks(std::span<const int64_t>(few.data(), std::min(matched, kFew)), more, comment, texts);
      return;
    }
    case bc::ActionKind::Email:
    case bc::ActionKind::Message:
    case bc::ActionKind::Sms: {
      int64_t sendAt = shiftIntoWork(now_, a.workhours);
      json_text::Object p;
      if (a.templ != kNo) {
        const bc::TemplateDef& t = m_.templates[a.templ];
        p.text("template", m_.str(t.name));
        if (a.kind == bc::ActionKind::Email) p.text("subject", render(t.subject));
        p.text(a.kind == bc::ActionKind::Email ? "body" : "text", t.body != kNo ? render(t.body) : render(t.subject));
      } else {
        p.text("text", r[0].textView());
      }
      if (a.kind == bc::ActionKind::Email) {
        p.text("to", deal_.contactEmail);
        int32_t from = a.user != kNo ? a.user : deal_.responsible;
        if (from != kNo) p.text("from", m_.str(m_.users[from].name));
      } else {
        p.text("to", deal_.contactPhone);
        if (a.channel != kNo) p.text("channel", m_.str(m_.channels[a.channel].name));
      }
      p.text("send_at", isoUtc(sendAt));
      addEffect(a.kind, std::move(p), sendAt);
      return;
    }
    case bc::ActionKind::Webhook: {
      json_text::Object body;
      for (size_t i = 0; i < a.keys.size(); ++i) body.raw(m_.str(a.keys[i]), toJson(r[i + 1]));
      addEffect(a.kind, json_text::Object().text("url", r[0].textView()).raw("body", body.str()), now_);
      return;
    }
    case bc::ActionKind::Request: {
      const bc::IntegrationDef& integration = m_.integrations[a.integration];
      json_text::Object body;
      for (size_t i = 0; i < a.keys.size(); ++i) body.raw(m_.str(a.keys[i]), toJson(r[i]));
      std::string answers = "[";
      for (int32_t e : integration.answers) {
        if (answers.size() > 1) answers.push_back(',');
        json_text::appendString(answers, m_.str(m_.events[e].name));
      }
      answers.push_back(']');
      addEffect(a.kind,
                json_text::Object()
                    .text("integration", m_.str(integration.name))
                    .text("url", render(integration.url))
                    .raw("body", body.str())
                    .raw("answers", std::move(answers)),
                now_);
      return;
    }
    case bc::ActionKind::Analytics: {
      json_text::Object p;
      p.text("event", m_.str(a.text));
      if (a.hasLabel) p.text("label", r[0].textView());
      addEffect(a.kind, std::move(p), now_);
      return;
    }
    case bc::ActionKind::Tag: {
      const std::string& tag = m_.str(a.text);
      auto it = std::find(deal_.tags.begin(), deal_.tags.end(), tag);
      if (a.add && it == deal_.tags.end() && deal_.tags.size() >= limits::kMaxTagsPerDeal)
        throw CascadeError(tooManyTags());
      if (a.add && it == deal_.tags.end())
        deal_.tags.push_back(tag);
      else if (!a.add && it != deal_.tags.end())
        deal_.tags.erase(it);
      else
        return;
      trace("tag", [&] { return nlohmann::json{{"tag", tag}, {"added", a.add}}; });
      return;
    }
    case bc::ActionKind::Set: {
      std::vector<int32_t> changed;
      setValue(a.setTarget, a.field, store::FieldValue::of(r[0]), &changed);
      rescheduleAt(changed);  // `at FIELD ± D` follows its field
      return;
    }
    case bc::ActionKind::Assign: assign(a.assign, a.user, a.team, deal_); return;
    case bc::ActionKind::CreateDeal: {
      const bc::PipelineDef& target = m_.pipelines[a.pipeline];
      store::DealRecord child;
      child.id = fmt::format("{}-{}", deal_.id, ++deal_.childDeals);
      child.pipeline = a.pipeline;
      child.stage = a.stage != kNo ? a.stage : target.initial;
      child.contactName = deal_.contactName;
      child.contactEmail = deal_.contactEmail;
      child.contactPhone = deal_.contactPhone;
      child.companyName = deal_.companyName;
      child.name = deal_.name;
      std::vector<FieldAssignment> copied;
      for (int32_t f : a.copy) copied.push_back({bc::SetTarget::Field, f, deal_.fields[static_cast<size_t>(f)]});
      Processing created(engine_, state_, child, now_);
      created.initialize(copied, {}, deal_.responsible);
      created.assign(a.assign, a.user, a.team, created.deal());
      created.trace("created from", [&] { return nlohmann::json{{"parent", deal_.id}}; });
      created.start(-1, -1);
      created.save();
      return;
    }
    case bc::ActionKind::Questionnaire: {
      // base/form/deal, joined in place (fmt::format parses its pattern on every call).
      const std::string& base = engine_.options_.formsBaseUrl;
      const std::string& form = m_.str(m_.forms[a.form].name);
      store::FieldValue v;
      v.tag = bc::Tag::Text;
      v.text.reserve(base.size() + form.size() + deal_.id.size() + 2);
      v.text.append(base).append("/", 1).append(form).append("/", 1).append(deal_.id);
      std::vector<int32_t> changed;
      setValue(bc::SetTarget::Field, a.field, v, &changed);
      rescheduleAt(changed);
      return;
    }
    case bc::ActionKind::Note: {
      if (!engine_.keepsRecords() && !tracing("note")) return;  // nobody would read it
      std::string text(r[0].textView());
      if (engine_.keepsRecords()) state_.tx.addNote({deal_.id, now_, text});
      trace("note", [&] { return nlohmann::json{{"text", text}}; });
      return;
    }
    case bc::ActionKind::Notify: {
      std::string to = "[";
      auto recipientName = [&](int32_t user) {
        if (to.size() > 1) to.push_back(',');
        json_text::appendString(to, m_.str(m_.users[user].name));
      };
      if (a.recipient == bc::Recipient::Responsible && deal_.responsible != kNo) recipientName(deal_.responsible);
      if (a.recipient == bc::Recipient::User) recipientName(a.user);
      if (a.recipient == bc::Recipient::Team) {
        for (int32_t u : m_.teams[a.team].members) recipientName(u);
      }
      to.push_back(']');
      // Who it was meant for stays visible even when nobody is responsible yet.
      std::string recipient = a.recipient == bc::Recipient::Responsible ? "responsible"
                              : a.recipient == bc::Recipient::User      ? m_.str(m_.users[a.user].name)
                                                                        : m_.str(m_.teams[a.team].name);
      addEffect(a.kind,
                json_text::Object().raw("to", std::move(to)).text("recipient", recipient).text("text", r[0].textView()),
                now_);
      return;
    }
    case bc::ActionKind::Then: scheduleThen(site_.rule, self); return;
    case bc::ActionKind::Split: return;  // handled by the Split instruction
    case bc::ActionKind::If: return;     // compiled to jumps: the verifier admits no such descriptor
  }
}

}  // namespace voronka::engine
