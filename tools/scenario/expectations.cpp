// `expect` statements: what they look at in the store and how they say what
// they found instead. Effects count once they are due to go out; texts of
// letters, messages, SMS, notes and notifications match when they contain
// the text the test gives.
#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "tools/scenario/effect_text.h"
#include "tools/scenario/test_run.h"

namespace voronka::scenario {

using bc::kNo;

namespace {

std::string listOf(const std::vector<std::string>& items) {
  if (items.empty()) return "none";
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string inQuotes(std::string_view text) { return "\"" + shortText(text) + "\""; }

// Something sent or written for the deal, as an `expect` sees it.
struct Sent {
  std::string label;    // how "so far" lists show it: a template's name, or its text quoted
  std::string text;     // what `contains "…"` searches
  nlohmann::json data;  // the effect's payload (empty for notes)
};

// `expect [no] WHAT [… "text"]` over what was sent: those `picks` takes, whose
// text contains `text` when one is given.
std::optional<std::string> sentExpectation(bool negated, const std::string& what, const std::vector<Sent>& sent,
                                           const std::function<bool(const Sent&)>& picks,
                                           const std::optional<ast::Text>& text, const char* soFar) {
  std::vector<const Sent*> picked;
  for (const Sent& s : sent) {
    if (picks(s)) picked.push_back(&s);
  }
  auto holds = [&](const Sent* s) { return !text || s->text.find(text->value) != std::string::npos; };
  auto hit = std::find_if(picked.begin(), picked.end(), holds);
  std::string full = text ? fmt::format("{} containing \"{}\"", what, text->value) : what;
  if (negated) {
    if (hit == picked.end()) return std::nullopt;
    return fmt::format("expected no {}, but there is one: {}", full, text ? inQuotes((*hit)->text) : (*hit)->label);
  }
  if (hit != picked.end()) return std::nullopt;
  if (text && !picked.empty()) {
    std::vector<std::string> texts;
    for (const Sent* s : picked) texts.push_back(inQuotes(s->text));
    return fmt::format("expected {}, but {}: {}", full, picked.size() == 1 ? "its text is" : "their texts are",
                       listOf(texts));
  }
  std::vector<std::string> labels;
  for (const Sent& s : sent) labels.push_back(s.label);
  return fmt::format("expected {}; {} so far: {}", full, soFar, listOf(labels));
}

}  // namespace

std::optional<std::string> TestRun::expect(const ast::TestExpectStmt& e) {
  std::string dealId = e.deal ? e.deal->text : current_;
  if (e.what == ast::ExpectKind::Undeliverable) return undelivered_.expect(e.name.text, dealId);
  auto tx = store_.begin();
  std::optional<store::DealRecord> deal = tx->deal(dealId);
  if (!deal) return fmt::format("there is no deal {}", dealId);
  const bc::PipelineDef& pipeline = m_.pipelines[deal->pipeline];
  std::string where = m_.str(pipeline.name) + "." + m_.str(pipeline.stages[deal->stage].name);
  std::vector<store::EffectRecord> effects = tx->effectsOf(dealId);
  // An effect counts once it is due to go out: an email held for working
  // hours has not been sent yet on a Saturday.
  auto effectsOfKind = [&](const std::string& kind) {
    std::vector<nlohmann::json> out;
    for (const auto& ef : effects) {
      if (ef.kind == kind && ef.notBefore <= clock_.now())
        out.push_back(nlohmann::json::parse(ef.payload, nullptr, false));
    }
    return out;
  };
  auto sentOfKind = [&](const std::string& kind) {
    std::vector<Sent> out;
    for (nlohmann::json& j : effectsOfKind(kind)) {
      std::string templ = j.value("template", "");
      std::string text = effectText(kind, j);
      out.push_back({templ.empty() ? inQuotes(text) : templ, text, std::move(j)});
    }
    return out;
  };
  auto strings = [](const std::vector<nlohmann::json>& items, const char* key) {
    std::vector<std::string> out;
    for (const auto& j : items) {
      if (j.contains(key) && j[key].is_string()) out.push_back(j[key].get<std::string>());
    }
    return out;
  };
  // "expected email reviews; sent so far: articles, new_arrivals"
  auto presence = [&](bool found, const std::string& what, const std::string& soFar) -> std::optional<std::string> {
    if (found != e.negated) return std::nullopt;
    if (e.negated) return fmt::format("expected no {}, but there is one", what);
    return fmt::format("expected {}; {}", what, soFar);
  };
  auto contains = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  auto ofTemplate = [&](const Sent& s) { return e.name.text.empty() || s.data.value("template", "") == e.name.text; };

  switch (e.what) {
    case ast::ExpectKind::Stage: {
      bool here = m_.str(pipeline.stages[deal->stage].name) == e.name.text;
      if (here) return std::nullopt;
      return fmt::format("expected the deal in stage {}, but it is in {}", e.name.text, where);
    }
    case ast::ExpectKind::Won:
      if (pipeline.stages[deal->stage].kind == bc::StageKind::Won) return std::nullopt;
      return fmt::format("expected the deal won, but it is in {}", where);
    case ast::ExpectKind::Lost: {
      if (pipeline.stages[deal->stage].kind != bc::StageKind::Lost)
        return fmt::format("expected the deal lost, but it is in {}", where);
      if (e.text && deal->lostReason != e.text->value) {
        return fmt::format("expected the loss reason \"{}\", but it is \"{}\"", e.text->value, deal->lostReason);
      }
      return std::nullopt;
    }
    case ast::ExpectKind::Task: {
      std::vector<std::string> texts;
      bool found = false;
      int32_t type = e.taskType ? check::CheckedProgram::lookup(program_.taskTypeIndex, e.taskType->text) : kNo;
      for (const auto& t : tx->tasksOf(dealId)) {
        std::string label = (t.type != kNo ? m_.str(m_.taskTypes[t.type].name) + " " : "") + "\"" + t.text + "\"";
        texts.push_back(label);
        if (e.text && t.text == e.text->value && (type == kNo || t.type == type)) found = true;
      }
      std::string what =
          fmt::format("task {}\"{}\"", e.taskType ? e.taskType->text + " " : "", e.text ? e.text->value : "");
      return presence(found, what, "tasks so far: " + listOf(texts));
    }
    case ast::ExpectKind::Email:
    case ast::ExpectKind::Message:
    case ast::ExpectKind::Sms: {
      std::string kind = ast::keyword(e.what);
      std::string what = e.name.text.empty() ? "an " + kind : kind + " " + e.name.text;
      return sentExpectation(e.negated, what, sentOfKind(kind), ofTemplate, e.text, "sent");
    }
    case ast::ExpectKind::Webhook: {
      std::vector<std::string> urls = strings(effectsOfKind("webhook"), "url");
      return presence(e.text && contains(urls, e.text->value),
                      fmt::format("webhook \"{}\"", e.text ? e.text->value : ""), "called so far: " + listOf(urls));
    }
    case ast::ExpectKind::Request: {
      std::vector<std::string> called = strings(effectsOfKind("request"), "integration");
      return presence(contains(called, e.name.text), "request " + e.name.text, "requested so far: " + listOf(called));
    }
    case ast::ExpectKind::Analytics: {
      std::vector<std::string> sent = strings(effectsOfKind("analytics"), "event");
      return presence(e.text && contains(sent, e.text->value),
                      fmt::format("analytics \"{}\"", e.text ? e.text->value : ""), "sent so far: " + listOf(sent));
    }
    case ast::ExpectKind::Tag: {
      bool found = e.text && contains(deal->tags, e.text->value);
      return presence(found, fmt::format("tag \"{}\"", e.text ? e.text->value : ""), "tags: " + listOf(deal->tags));
    }
    case ast::ExpectKind::Note: {
      std::vector<Sent> notes;
      for (const auto& n : tx->notesOf(dealId)) notes.push_back({inQuotes(n.text), n.text, {}});
      return sentExpectation(
          e.negated, "a note", notes, [](const Sent&) { return true; }, e.text, "notes");
    }
    case ast::ExpectKind::Notify: {
      // By whom it was meant for (`responsible`, a team) or by who gets it (a user).
      auto toWhom = [&](const Sent& s) {
        if (e.name.text.empty() || s.data.value("recipient", "") == e.name.text) return true;
        for (const auto& to : s.data.value("to", nlohmann::json::array())) {
          if (to.is_string() && to.get<std::string>() == e.name.text) return true;
        }
        return false;
      };
      std::vector<Sent> sent = sentOfKind("notify");
      for (Sent& s : sent) s.label = fmt::format("{} {}", s.data.value("recipient", ""), inQuotes(s.text));
      std::string what = e.name.text.empty() ? "a notification" : "a notification to " + e.name.text;
      return sentExpectation(e.negated, what, sent, toWhom, e.text, "notifications");
    }
    case ast::ExpectKind::Responsible: {
      std::string who = deal->responsible >= 0 ? m_.str(m_.users[deal->responsible].name) : "nobody";
      if (who == e.name.text) return std::nullopt;
      return fmt::format("expected {} responsible, but it is {}", e.name.text, who);
    }
    case ast::ExpectKind::DealIn: {
      int32_t p = names_.pipeline(e.name.text);
      int32_t s = e.stage ? names_.stage(p, e.stage->text) : kNo;
      std::string target = e.name.text + (e.stage ? "." + e.stage->text : "");
      std::vector<std::string> others;
      std::optional<std::string> there;
      for (const auto& id : tx->dealIds()) {
        auto d = tx->deal(id);
        if (!d) continue;
        const bc::PipelineDef& dp = m_.pipelines[d->pipeline];
        others.push_back(fmt::format("{} in {}.{}", id, m_.str(dp.name), m_.str(dp.stages[d->stage].name)));
        if (!there && d->pipeline == p && (s == kNo || d->stage == s)) there = id;
      }
      if (there.has_value() != e.negated) return std::nullopt;
      if (e.negated) return fmt::format("expected no deal in {}, but deal {} is there", target, *there);
      return fmt::format("expected a deal in {}; deals: {}", target, listOf(others));
    }
    case ast::ExpectKind::Condition: {
      tx.reset();
      store::FieldValue v = evaluate(*e.condition, deal);
      if (v.tag == bc::Tag::Bool && v.i) return std::nullopt;
      std::string message = fmt::format("expected `{}` to hold", sourceText(e.condition->range));
      if (e.condition->kind == ast::ExprKind::Binary) {
        const auto& b = e.condition->as<ast::BinaryExpr>();
        if (lowered_.expressions.count(b.lhs.get())) {
          message += fmt::format(", but `{}` is {}", sourceText(b.lhs->range), show(evaluate(*b.lhs, deal)));
        }
      }
      return message;
    }
    case ast::ExpectKind::Undeliverable: break;  // answered above: it needs no deal in the store
  }
  return std::nullopt;
}

}  // namespace voronka::scenario
