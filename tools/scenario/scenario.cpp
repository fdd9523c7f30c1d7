#include "tools/scenario/scenario.h"

#include <fmt/format.h>

#include <map>

#include "runtime/engine/engine.h"
#include "runtime/engine/names.h"
#include "runtime/engine/values.h"
#include "runtime/store/memory_store.h"

namespace voronka::scenario {

using bc::kNo;
using engine::FieldAssignment;

namespace {

// Reads one deal for expressions evaluated by a test (field values, `expect`).
class TestHost : public vm::Host {
 public:
  TestHost(store::DealRecord deal, store::Transaction* tx, int64_t now, const Calendar& calendar)
      : deal_(std::move(deal)), tx_(tx), now_(now), calendar_(calendar) {}
  bc::Value field(int32_t index) override {
    if (index < 0 || static_cast<size_t>(index) >= deal_.fields.size()) return {};
    return deal_.fields[static_cast<size_t>(index)].view();
  }
  bc::Value builtin(bc::BuiltinValue which) override {
    if (!tx_) return {};
    return engine::dealBuiltin(which, deal_, *tx_, now_, calendar_);
  }
  bc::Value payload(int32_t) override { return {}; }
  const Calendar& calendar() override { return calendar_; }
  void act(const bc::ActionDesc&, const bc::Value*) override {}
  bool splitFirst(const bc::ActionDesc&) override { return false; }

 private:
  store::DealRecord deal_;
  store::Transaction* tx_;
  int64_t now_;
  const Calendar& calendar_;
};

class TestRun {
 public:
  TestRun(const check::CheckedProgram& program, const lower::TestProgram& lowered, const SourceManager& sources)
      : program_(program),
        lowered_(lowered),
        sources_(sources),
        m_(lowered.module),
        names_(m_),
        clock_(0),
        engine_(m_, store_, clock_),
        vm_(m_) {
    const Calendar& account = engine_.calendar(0);
    clock_.set(account.utcOf(Calendar::daysFromCivil(kStartYear, kStartMonth, kStartDay), kStartMinutes));
  }

  TestResult run(const ast::TestDecl& test) {
    TestResult result;
    result.title = test.title.value;
    result.where = test.title.range;
    auto started = std::chrono::steady_clock::now();
    for (const auto& st : test.statements) {
      std::optional<std::string> failure = statement(*st);
      if (failure) {
        result.failures.push_back({st->range, *failure});
        // A deal that could not be created or moved: later steps would only add noise.
        if (st->kind != ast::TestStmtKind::Expect) break;
      }
    }
    result.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    return result;
  }

 private:
  const check::CheckedProgram& program_;
  const lower::TestProgram& lowered_;
  const SourceManager& sources_;
  const bc::Module& m_;
  engine::Names names_;
  store::MemoryStore store_;
  engine::VirtualClock clock_;
  engine::Engine engine_;
  vm::Vm vm_;
  std::string current_;  // the current deal (LANGUAGE.md §13)
  int requests_ = 0;

  std::string sourceText(SourceRange r) const {
    std::string_view text = sources_.file(r.file).text();
    return std::string(text.substr(r.begin, r.end - r.begin));
  }

  std::string nextId() { return fmt::format("test-{}", ++requests_); }
  const Calendar& account() { return engine_.calendar(0); }

  std::optional<store::DealRecord> loadDeal(const std::string& id) {
    auto tx = store_.begin();
    return tx->deal(id);
  }

  // The value of a test expression, evaluated against `deal` (or no deal).
  store::FieldValue evaluate(const ast::Expr& e, const std::optional<store::DealRecord>& deal) {
    auto it = lowered_.expressions.find(&e);
    if (it == lowered_.expressions.end()) return {};
    auto tx = store_.begin();
    store::DealRecord d = deal ? *deal : store::DealRecord{};
    d.fields.resize(m_.fields.size());
    const Calendar& cal = deal ? engine_.calendar(m_.pipelines[d.pipeline].calendar) : account();
    TestHost host(std::move(d), tx.get(), clock_.now(), cal);
    return store::FieldValue::of(vm_.evaluate(it->second, host));
  }

  std::string show(const store::FieldValue& v) {
    if (v.tag == bc::Tag::None) return "none";
    nlohmann::json j = engine::valueToJson(m_, v);
    return j.is_string() ? "\"" + j.get<std::string>() + "\"" : j.dump();
  }

  // A `path = value` of a test (deal values, `set`): the field or property.
  std::optional<FieldAssignment> assignment(const ast::Path& path, size_t first, const store::FieldValue& value) {
    const auto& parts = path.parts;
    if (first >= parts.size()) return std::nullopt;
    std::string head = parts[first].text;
    std::string member = first + 1 < parts.size() ? parts[first + 1].text : "";
    FieldAssignment a;
    a.value = value;
    if (head == "contact") {
      a.target = member == "name"    ? bc::SetTarget::ContactName
                 : member == "email" ? bc::SetTarget::ContactEmail
                                     : bc::SetTarget::ContactPhone;
    } else if (head == "company") {
      a.target = bc::SetTarget::CompanyName;
    } else {
      std::string name = head == "deal" ? member : head;
      a.field = names_.field(name);
      if (a.field == kNo && name == "name") {
        a.target = bc::SetTarget::DealName;
      } else if (a.field == kNo) {
        return std::nullopt;
      }
    }
    return a;
  }

  std::optional<std::string> settle(const engine::Outcome& o, const std::string& what) {
    engine_.runDue(clock_.now());
    if (o.status == engine::Outcome::Status::Applied) return std::nullopt;
    return fmt::format("{} was {}: {}", what, engine::statusName(o.status), o.message);
  }

  std::optional<std::string> statement(const ast::TestStmt& st) {
    switch (st.kind) {
      case ast::TestStmtKind::Deal: {
        const auto& d = st.as<ast::TestDealStmt>();
        engine::NewDeal spec;
        spec.id = d.name.text;
        spec.pipeline = names_.pipeline(d.pipeline.text);
        spec.stage = d.stage ? names_.stage(spec.pipeline, d.stage->text) : kNo;
        for (const auto& f : d.fields) {
          if (auto a = assignment(f.path, 0, evaluate(*f.value, std::nullopt))) spec.values.push_back(std::move(*a));
        }
        current_ = d.name.text;
        return settle(engine_.createDeal(nextId(), spec), fmt::format("creating deal {}", d.name.text));
      }
      case ast::TestStmtKind::Advance: {
        const auto& a = st.as<ast::TestAdvanceStmt>().by;
        int64_t target = a.workdays ? account().addWorkdays(clock_.now(), a.workdays) : clock_.now() + a.seconds;
        engine_.runDue(target);
        clock_.set(target);
        return std::nullopt;
      }
      case ast::TestStmtKind::AdvanceTo: {
        const auto& a = st.as<ast::TestAdvanceToStmt>();
        int64_t target =
            account().utcOf(Calendar::daysFromCivil(a.date.year, a.date.month, a.date.day), a.time.minutes);
        if (target < clock_.now()) {
          return fmt::format("`advance to` goes back in time: the test clock is at {} already",
                             account().formatDateTime(clock_.now()));
        }
        engine_.runDue(target);
        clock_.set(target);
        return std::nullopt;
      }
      case ast::TestStmtKind::Event: {
        const auto& e = st.as<ast::TestEventStmt>();
        if (e.deal) current_ = e.deal->text;
        engine::EventIn in;
        in.event = names_.event(e.event.name.text);
        if (in.event == kNo) return fmt::format("unknown event {}", e.event.name.text);
        const bc::EventDef& def = m_.events[in.event];
        if (e.event.arg) {
          if (def.arg == bc::ArgKind::Tag) {
            in.tag = e.event.arg->text;
          } else {
            in.arg = names_.argument(in.event, e.event.arg->text).value_or(kNo);
          }
        }
        in.payload.resize(def.params.size());
        for (const auto& p : e.payload) {
          store::FieldValue v = evaluate(*p.value, std::nullopt);
          for (size_t i = 0; i < def.params.size(); ++i) {
            if (m_.str(def.params[i].name) == p.key.text) in.payload[i] = v;
          }
        }
        return settle(engine_.handleEvent(nextId(), current_, in), fmt::format("event {}", e.event.name.text));
      }
      case ast::TestStmtKind::Set: {
        const auto& s = st.as<ast::TestSetStmt>();
        current_ = s.target.parts[0].text;
        auto deal = loadDeal(current_);
        auto a = assignment(s.target, 1, evaluate(*s.value, deal));
        if (!a) return fmt::format("cannot set {}", s.target.joined());
        return settle(engine_.setFields(nextId(), current_, {*a}), fmt::format("set {}", s.target.joined()));
      }
      case ast::TestStmtKind::ManualMove: return manualMove(st.as<ast::TestManualMoveStmt>());
      case ast::TestStmtKind::Expect: return expect(st.as<ast::TestExpectStmt>());
    }
    return std::nullopt;
  }

  std::optional<std::string> manualMove(const ast::TestManualMoveStmt& mv) {
    current_ = mv.deal.text;
    engine::MoveTarget target;
    if (mv.target.pipeline) target.pipeline = mv.target.pipeline->text;
    target.stage = mv.target.stage.text;
    target.next = mv.target.isNext;
    // The engine resolves the target (`next` above all) against the deal in its transaction.
    engine::MoveOutcome moved = engine_.manualMove(nextId(), current_, target, mv.reason ? mv.reason->value : "");
    const engine::Outcome& o = moved.outcome;
    if (o.status == engine::Outcome::Status::UnknownDeal) return fmt::format("there is no deal {}", current_);
    if (!moved.target) return "the deal has no next stage";
    engine_.runDue(clock_.now());
    auto [pipeline, stage] = *moved.target;
    std::string targetName = m_.str(m_.pipelines[pipeline].stages[stage].name);
    if (mv.expectRejected) {
      if (o.status != engine::Outcome::Status::Rejected) {
        return fmt::format("expected the move to {} to be rejected, but it {}", targetName,
                           o.status == engine::Outcome::Status::Applied
                               ? "went through"
                               : std::string("was ") + engine::statusName(o.status));
      }
      if (mv.rejectedMessage && o.message.find(mv.rejectedMessage->value) == std::string::npos) {
        return fmt::format("expected the move to be rejected with \"{}\", but the reason was \"{}\"",
                           mv.rejectedMessage->value, o.message);
      }
      return std::nullopt;
    }
    if (o.status != engine::Outcome::Status::Applied) {
      return fmt::format("the manual move to {} was {}: {}", targetName, engine::statusName(o.status), o.message);
    }
    return std::nullopt;
  }

  static std::string listOf(const std::vector<std::string>& items) {
    if (items.empty()) return "none";
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
  }

  std::optional<std::string> expect(const ast::TestExpectStmt& e) {
    std::string dealId = e.deal ? e.deal->text : current_;
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
      case ast::ExpectKind::Message: {
        const char* kind = e.what == ast::ExpectKind::Email ? "email" : "message";
        std::vector<std::string> sent = strings(effectsOfKind(kind), "template");
        return presence(contains(sent, e.name.text), fmt::format("{} {}", kind, e.name.text),
                        "sent so far: " + listOf(sent));
      }
      case ast::ExpectKind::Sms: {
        std::vector<std::string> sent = strings(effectsOfKind("sms"), "text");
        bool found = e.text ? contains(sent, e.text->value) : !sent.empty();
        return presence(found, e.text ? fmt::format("sms \"{}\"", e.text->value) : "an sms",
                        "sent so far: " + listOf(sent));
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
        std::vector<std::string> notes;
        for (const auto& n : tx->notesOf(dealId)) notes.push_back("\"" + n.text + "\"");
        bool found = e.text && contains(notes, "\"" + e.text->value + "\"");
        return presence(found, fmt::format("note \"{}\"", e.text ? e.text->value : ""),
                        "notes so far: " + listOf(notes));
      }
      case ast::ExpectKind::Notify: {
        std::vector<std::string> seen;
        bool found = false;
        for (const auto& j : effectsOfKind("notify")) {
          std::string text = j.value("text", "");
          std::string recipient = j.value("recipient", "");
          bool person = recipient == e.name.text;
          for (const auto& to : j.value("to", nlohmann::json::array())) {
            person = person || (to.is_string() && to.get<std::string>() == e.name.text);
          }
          seen.push_back(fmt::format("{} \"{}\"", recipient, text));
          if (person && (!e.text || text == e.text->value)) found = true;
        }
        return presence(found,
                        fmt::format("a notification to {}{}", e.name.text, e.text ? " \"" + e.text->value + "\"" : ""),
                        "notifications so far: " + listOf(seen));
      }
      case ast::ExpectKind::Responsible: {
        std::string who = deal->responsible >= 0 ? m_.str(m_.users[deal->responsible].name) : "nobody";
        if (who == e.name.text) return std::nullopt;
        return fmt::format("expected {} responsible, but it is {}", e.name.text, who);
      }
      case ast::ExpectKind::DealIn: {
        int32_t p = names_.pipeline(e.name.text);
        int32_t s = e.stage ? names_.stage(p, e.stage->text) : kNo;
        std::vector<std::string> others;
        for (const auto& id : tx->dealIds()) {
          auto d = tx->deal(id);
          if (!d) continue;
          const bc::PipelineDef& dp = m_.pipelines[d->pipeline];
          others.push_back(fmt::format("{} in {}.{}", id, m_.str(dp.name), m_.str(dp.stages[d->stage].name)));
          if (d->pipeline == p && (s == kNo || d->stage == s)) return std::nullopt;
        }
        return fmt::format("expected a deal in {}{}; deals: {}", e.name.text, e.stage ? "." + e.stage->text : "",
                           listOf(others));
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
    }
    return std::nullopt;
  }
};

}  // namespace

std::vector<TestResult> runTests(const check::CheckedProgram& program, const lower::TestProgram& lowered,
                                 const SourceManager& sources) {
  std::vector<TestResult> results;
  for (const ast::TestDecl* test : program.tests) {
    TestRun run(program, lowered, sources);  // every test starts from nothing
    results.push_back(run.run(*test));
  }
  return results;
}

}  // namespace voronka::scenario
