// The statements of a test that act — deals, time, events, field changes,
// manual moves — each carried out by the production engine; and the run of
// a whole test, with what its failures show.
#include "tools/scenario/scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "runtime/engine/values.h"
#include "tools/scenario/deal_report.h"
#include "tools/scenario/test_run.h"

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

}  // namespace

TestRun::TestRun(const check::CheckedProgram& program, const lower::TestProgram& lowered, const SourceManager& sources)
    : program_(program),
      lowered_(lowered),
      sources_(sources),
      m_(lowered.module),
      names_(m_),
      clock_(0),
      engine_(m_, store_, clock_),
      vm_(m_) {
  const Calendar& start = engine_.calendar(0);
  clock_.set(start.utcOf(Calendar::daysFromCivil(kStartYear, kStartMonth, kStartDay), kStartMinutes));
}

TestResult TestRun::run(const ast::TestDecl& test) {
  TestResult result;
  result.title = test.title.value;
  result.where = test.title.range;
  auto started = std::chrono::steady_clock::now();
  std::vector<std::string> shown;  // the deal as the last failing `expect` showed it
  for (const auto& st : test.statements) {
    // An `expect` looks at one deal; say which before it runs (`on NAME` or the current one).
    std::string expected = st->kind == ast::TestStmtKind::Expect && st->as<ast::TestExpectStmt>().deal
                               ? st->as<ast::TestExpectStmt>().deal->text
                               : current_;
    std::optional<std::string> failure = statement(*st);
    {
      auto tx = store_.begin();
      undelivered_.collect(*tx, st->range);
    }
    if (!failure) continue;
    Failure f{st->range, *failure, {}};
    if (st->kind == ast::TestStmtKind::Expect) {
      auto tx = store_.begin();
      std::vector<std::string> context = describeDeal(m_, *tx, expected, account());
      // Several failing `expect`s in a row about an unchanged deal show it once.
      if (context != shown) f.context = shown = std::move(context);
    }
    result.failures.push_back(std::move(f));
    // A deal that could not be created or moved: later steps would only add noise.
    if (st->kind != ast::TestStmtKind::Expect) break;
  }
  for (Failure& f : undelivered_.unexpected()) result.failures.push_back(std::move(f));
  std::stable_sort(result.failures.begin(), result.failures.end(), [](const Failure& a, const Failure& b) {
    return std::tie(a.where.file, a.where.begin) < std::tie(b.where.file, b.where.begin);
  });
  result.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return result;
}

std::string TestRun::sourceText(SourceRange r) const {
  std::string_view text = sources_.file(r.file).text();
  return std::string(text.substr(r.begin, r.end - r.begin));
}

std::optional<store::DealRecord> TestRun::loadDeal(const std::string& id) {
  auto tx = store_.begin();
  return tx->deal(id);
}

store::FieldValue TestRun::evaluate(const ast::Expr& e, const std::optional<store::DealRecord>& deal) {
  auto it = lowered_.expressions.find(&e);
  if (it == lowered_.expressions.end()) return {};
  auto tx = store_.begin();
  store::DealRecord d = deal ? *deal : store::DealRecord{};
  d.fields.resize(m_.fields.size());
  const Calendar& cal = deal ? engine_.calendar(m_.pipelines[d.pipeline].calendar) : account();
  TestHost host(std::move(d), tx.get(), clock_.now(), cal);
  return store::FieldValue::of(vm_.evaluate(it->second, host));
}

std::string TestRun::show(const store::FieldValue& v) {
  if (v.tag == bc::Tag::None) return "none";
  nlohmann::json j = engine::valueToJson(m_, v);
  return j.is_string() ? "\"" + j.get<std::string>() + "\"" : j.dump();
}

// A `path = value` of a test (deal values, `set`): the field or property.
std::optional<FieldAssignment> TestRun::assignment(const ast::Path& path, size_t first,
                                                   const store::FieldValue& value) {
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

std::optional<std::string> TestRun::settle(const engine::Outcome& o, const std::string& what) {
  engine_.runDue(clock_.now());
  if (o.status == engine::Outcome::Status::Applied) return std::nullopt;
  return fmt::format("{} was {}: {}", what, engine::statusName(o.status), o.message);
}

std::optional<std::string> TestRun::createDeal(const ast::TestDealStmt& d) {
  engine::NewDeal spec;
  spec.id = d.name.text;
  spec.pipeline = names_.pipeline(d.pipeline.text);
  spec.stage = d.stage ? names_.stage(spec.pipeline, d.stage->text) : kNo;
  for (const auto& f : d.fields) {
    if (auto a = assignment(f.path, 0, evaluate(*f.value, std::nullopt))) spec.values.push_back(std::move(*a));
  }
  if (d.responsible) spec.responsible = names_.user(d.responsible->user.text);
  if (d.split != ast::SplitChoice::ByDeal) engine_.forceSplits(d.name.text, d.split == ast::SplitChoice::First);
  current_ = d.name.text;
  return settle(engine_.createDeal(nextId(), spec), fmt::format("creating deal {}", d.name.text));
}

std::optional<std::string> TestRun::statement(const ast::TestStmt& st) {
  switch (st.kind) {
    case ast::TestStmtKind::Deal: return createDeal(st.as<ast::TestDealStmt>());
    case ast::TestStmtKind::Advance: {
      const auto& a = st.as<ast::TestAdvanceStmt>().by;
      int64_t target = a.workdays ? account().addWorkdays(clock_.now(), a.workdays).value() : clock_.now() + a.seconds;
      engine_.runDue(target);
      clock_.set(target);
      return std::nullopt;
    }
    case ast::TestStmtKind::AdvanceTo: {
      const auto& a = st.as<ast::TestAdvanceToStmt>();
      int64_t target = account().utcOf(Calendar::daysFromCivil(a.date.year, a.date.month, a.date.day), a.time.minutes);
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

std::optional<std::string> TestRun::manualMove(const ast::TestManualMoveStmt& mv) {
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
