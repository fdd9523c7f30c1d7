#include "tools/timeline/timeline.h"

#include <fmt/format.h>

#include "runtime/engine/values.h"
#include "runtime/outbox/undeliverable.h"
#include "tools/timeline/words.h"

namespace voronka::timeline {

namespace {

std::string text(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

template <typename... Args>
std::string say(std::string_view format, Args&&... args) {
  return fmt::format(fmt::runtime(format), std::forward<Args>(args)...);
}

}  // namespace

lang::Language accountLanguage(const bc::Module& module) { return module.language; }

Timeline::Timeline(const Calendar& account, lang::Language language) : account_(account), language_(language) {}

std::string Timeline::time(const std::string& iso) const {
  std::optional<int64_t> utc = engine::parseIsoDateTime(iso, account_);
  return utc ? localTime(*utc, account_, language_) : iso;
}

// The engine's reasons are English words of its own; the known ones are translated.
std::string Timeline::why(const std::string& engineWords) const {
  const Words& w = words(language_);
  if (engineWords == "`when` is false") return std::string(w.whenFalse);
  if (engineWords == "`while` is false") return std::string(w.whileFalse);
  if (engineWords == "its field changed") return std::string(w.fieldChanged);
  return engineWords;
}

std::string Timeline::effect(const nlohmann::json& entry) const {
  const Words& w = words(language_);
  std::string kind = text(entry, "kind");
  nlohmann::json payload = entry.value("payload", nlohmann::json::object());
  std::string_view noun = kind == "email"       ? w.email
                          : kind == "message"   ? w.message
                          : kind == "sms"       ? w.sms
                          : kind == "webhook"   ? w.webhook
                          : kind == "request"   ? w.request
                          : kind == "analytics" ? w.analytics
                          : kind == "notify"    ? w.notify
                                                : std::string_view(kind);
  std::string out(noun);
  std::string templ = text(payload, "template");
  if (!templ.empty()) {
    out += " " + templ;
  } else if (payload.contains("text")) {
    out += " " + say(w.quoted, text(payload, "text"));
  } else if (payload.contains("url") && kind == "webhook") {
    out += " " + text(payload, "url");
  } else if (payload.contains("integration")) {
    out += " " + text(payload, "integration");
  } else if (payload.contains("event")) {
    out += " " + text(payload, "event");
  }
  if (kind == "notify") {
    std::string to;
    for (const auto& user : payload.value("to", nlohmann::json::array())) {
      to += (to.empty() ? "" : ", ") + (user.is_string() ? user.get<std::string>() : user.dump());
    }
    out += " → " + (to.empty() ? text(payload, "recipient") : to);
  } else if (!text(payload, "to").empty()) {
    out += " → " + text(payload, "to");
  }
  std::string sendAt = text(payload, "send_at");
  if (!sendAt.empty() && sendAt != text(entry, "at")) out += say(w.goesOutAt, time(sendAt));
  if (auto reason = outbox::undeliverableReason(kind, payload)) out += say(w.undeliverable, *reason);
  return out;
}

std::string Timeline::describe(const nlohmann::json& e) const {
  const Words& w = words(language_);
  std::string what = text(e, "what");
  if (what == "deal") return say(w.created, text(e, "pipeline") + "." + text(e, "stage"));
  if (what == "created from") return say(w.createdFrom, text(e, "parent"));
  if (what == "event") return say(w.event, text(e, "type"));
  if (what == "field") return say(w.field, text(e, "field"), text(e, "value"));
  if (what == "stage") {
    std::string how = text(e, "how");
    std::string_view howWords = how == "trigger"     ? w.howTrigger
                                : how == "automatic" ? w.howAutomatic
                                : how == "manual"    ? w.howManual
                                                     : std::string_view(how);
    std::string out = say(w.moved, text(e, "from"), text(e, "to"), howWords);
    if (e.contains("reason")) out += say(w.lostReason, text(e, "reason"));
    return out;
  }
  if (what == "refused") return say(w.refused, text(e, "to"), text(e, "reason"), text(e, "line"));
  if (what == "task") {
    std::string out = say(w.task, text(e, "text"));
    if (e.contains("type")) out += say(w.taskType, text(e, "type"));
    if (e.contains("due")) out += say(w.taskDue, time(text(e, "due")));
    if (e.contains("responsible")) out += say(w.taskFor, text(e, "responsible"));
    return out;
  }
  if (what == "task done") return say(w.taskDone, text(e, "text"));
  if (what == "task overdue") return say(w.taskOverdue, text(e, "text"));
  if (what == "timer") return say(w.timerSet, time(text(e, "due")), text(e, "line"));
  if (what == "timer fired") return say(w.timerFired, text(e, "line"));
  if (what == "timer cancelled") return say(w.timerCancelled, why(text(e, "why")));
  if (what == "timer did nothing") return say(w.timerIdle, why(text(e, "why")), text(e, "line"));
  if (what == "timer stopped") return say(w.timerStopped, why(text(e, "why")), text(e, "line"));
  if (what == "late") return say(w.timerLate, text(e, "seconds"));
  if (what == "effect") return effect(e);
  if (what == "note") return say(w.note, text(e, "text"));
  if (what == "tag") return say(e.value("added", false) ? w.tagAdded : w.tagRemoved, text(e, "tag"));
  if (what == "responsible") return say(w.responsible, text(e, "user"));
  if (what == "failed") return say(w.failed, text(e, "event"), text(e, "error"));
  // A record this timeline does not know yet: shown as the engine wrote it.
  nlohmann::json rest = e;
  for (const char* key : {"what", "deal", "at"}) rest.erase(key);
  return what + (rest.empty() ? "" : " " + rest.dump());
}

void Timeline::add(const std::string& deal, const std::string& at, const std::string& line, bool first) {
  auto [it, inserted] = lines_.try_emplace(deal);
  if (inserted) order_.push_back(deal);
  std::vector<std::string>& lines = it->second;
  auto where = lines.end();
  if (first) {  // before the lines of the same moment
    while (where != lines.begin() && std::prev(where)->compare(0, at.size(), at) == 0) --where;
  }
  lines.insert(where, fmt::format("{:<16}  {}", at, line));
}

void Timeline::record(const nlohmann::json& entry) {
  // The engine records a new deal's values before the deal itself: show its creation first.
  bool creation = text(entry, "what") == "deal";
  add(text(entry, "deal"), time(text(entry, "at")), describe(entry), creation);
}

void Timeline::outcome(const std::string& deal, int64_t at, const std::string& event, const std::string& status,
                       const std::string& message) {
  const Words& w = words(language_);
  std::string_view statusWords = status == "rejected"       ? w.rejected
                                 : status == "duplicate"    ? w.duplicate
                                 : status == "invalid"      ? w.invalid
                                 : status == "unknown deal" ? w.unknownDeal
                                 : status == "failed"       ? w.failedStatus
                                                            : std::string_view(status);
  add(deal, localTime(at, account_, language_), say(w.outcome, event, statusWords, message));
}

void Timeline::print(std::ostream& out) const {
  const Words& w = words(language_);
  out << say(w.timesIn, account_.timezone()) << "\n";
  if (order_.empty()) out << "\n" << w.nothing << "\n";
  for (const std::string& deal : order_) {
    out << "\n" << say(w.deal, deal) << "\n";
    for (const std::string& line : lines_.at(deal)) out << "  " << line << "\n";
  }
}

}  // namespace voronka::timeline
