// Test blocks: the deals they create, the events they send and what they
// expect, resolved against the program under test.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/language/effects.h"
#include "compiler/ast/print.h"
#include "compiler/check/checker_impl.h"

namespace voronka::check {
namespace {

struct TestDeal {
  int pipeline = kNone;
};

// `responsible = ivanov` in a test deal's values (the builder takes a plain
// user name out of the values; what is left here is something else).
bool isResponsible(const ast::Path& path) {
  std::string target = path.joined();
  return target == "responsible" || target == "deal.responsible";
}

}  // namespace

void Checker::notAUserName(const ast::Expr& value) {
  sink_.emit(diag::WrongKind, value.range, ast::print(value), "an expression", "a user's name")
      .note("name a user declared in a `team`, as it is written there: `responsible = ivanov`");
}

// `expect undeliverable KIND`: an effect kind that the outbox can refuse for
// what it carries (effects.def, column `needs`).
void Checker::checkUndeliverableKind(const ast::Ident& kind) {
  std::vector<std::string> refusable;
  for (std::string_view name : lang::kEffectNames) {
    if (!lang::effectNeeds(*lang::effectNamed(name)).empty()) refusable.emplace_back(name);
  }
  std::optional<lang::EffectKind> effect = lang::effectNamed(kind.text);
  if (!effect) {
    unknown("effect", kind, refusable)
        .note(fmt::format("effects that can be undeliverable: {}", fmt::join(refusable, ", ")));
    return;
  }
  if (lang::effectNeeds(*effect).empty()) {
    sink_
        .emit(diag::WrongKind, kind.range, kind.text, "an effect the outbox never refuses for what it carries",
              "one that may lack its address")
        .note(fmt::format("effects that can be undeliverable: {}", fmt::join(refusable, ", ")));
  }
}

void Checker::checkTests() {
  std::map<std::string, SourceRange> titles;
  for (const ast::TestDecl* t : prog_.tests) {
    auto [it, inserted] = titles.emplace(t->title.value, t->title.range);
    if (!inserted) sink_.emit(diag::DuplicateTest, t->title.range, t->title.value).note(it->second, "the first one");
    checkTest(*t);
  }
}

void Checker::checkTest(const ast::TestDecl& test) {
  std::map<std::string, TestDeal> deals;
  NameTable dealNames;
  std::vector<SourceRange> dealRanges;
  std::string current;
  Scope none;

  auto findDeal = [&](const ast::Ident& name, bool makeCurrent = true) -> TestDeal* {
    auto it = deals.find(name.text);
    if (it != deals.end()) {
      if (makeCurrent) current = name.text;
      return &it->second;
    }
    unknown("deal", name, keys(dealNames)).note("declare it first: `deal NAME in PIPELINE.STAGE`");
    return nullptr;
  };
  // `event … on NAME` makes NAME the current deal; `expect … on NAME` only looks at it.
  auto currentDeal = [&](const std::optional<ast::Ident>& on, SourceRange where, std::string_view what,
                         bool makeCurrent) -> TestDeal* {
    if (on) return findDeal(*on, makeCurrent);
    if (current.empty()) {
      sink_.emit(diag::TestNoDeal, where, what);
      return nullptr;
    }
    return &deals[current];
  };
  auto stageIn = [&](int pipeline, const ast::Ident& stage) -> int {
    int index = prog_.pipelines[pipeline].findStage(stage.text);
    if (index == kNone) unknownStage(pipeline, stage, true);
    return index;
  };

  for (const auto& owned : test.statements) {
    const ast::TestStmt& st = *owned;
    switch (st.kind) {
      case ast::TestStmtKind::Deal: {
        const auto& d = st.as<ast::TestDealStmt>();
        TestDeal deal;
        deal.pipeline = resolvePipeline(d.pipeline);
        if (deal.pipeline != kNone && d.stage) {
          int stage = stageIn(deal.pipeline, *d.stage);
          if (stage != kNone && prog_.pipelines[deal.pipeline].stages[stage].kind != ast::StageKind::Working) {
            sink_.emit(diag::CreateInFinal, d.stage->range, d.stage->text);
          }
        }
        if (d.responsible) resolveUser(d.responsible->user);
        for (const auto& init : d.fields) {
          if (isResponsible(init.path)) {
            notAUserName(*init.value);
            continue;
          }
          std::optional<Type> type = settableTarget(init.path, 0);
          if (type) {
            expectType(*init.value, none, *type, fmt::format("the value of `{}`", init.path.joined()));
          } else {
            checkExpr(*init.value, none);
          }
        }
        int index = static_cast<int>(dealRanges.size());
        if (declare(dealNames, "deal", d.name, index, [&](int i) { return dealRanges[i]; })) {
          dealRanges.push_back(d.name.range);
          deals[d.name.text] = deal;
        }
        current = d.name.text;
        break;
      }
      case ast::TestStmtKind::Advance: checkDuration(st.as<ast::TestAdvanceStmt>().by, "`advance`"); break;
      case ast::TestStmtKind::AdvanceTo: break;
      case ast::TestStmtKind::Event: {
        const auto& e = st.as<ast::TestEventStmt>();
        currentDeal(e.deal, st.range, "event", true);
        int index = resolveEvent(e.event);
        if (index == kNone) break;
        const EventInfo& event = prog_.events[index];
        if (event.lifecycle) {
          sink_
              .emit(diag::WrongKind, e.event.name.range, event.name, "raised by the engine itself",
                    "an event from a client or another system")
              .note("a test reaches a stage with `deal … in PIPELINE.STAGE` or `manual move`");
          break;
        }
        checkEventArgument(e.event, event);
        NameTable seen;
        for (size_t i = 0; i < e.payload.size(); ++i) {
          const auto& entry = e.payload[i];
          declare(seen, "payload field", entry.key, static_cast<int>(i), [&](int k) { return e.payload[k].key.range; });
          const EventParam* param = event.param(entry.key.text);
          if (!param) {
            std::vector<std::string> names;
            for (const auto& p : event.params) names.push_back(p.name);
            unknown("payload field", entry.key, names, fmt::format(" of event `{}`", event.name));
            checkExpr(*entry.value, none);
            continue;
          }
          expectType(*entry.value, none, param->type, fmt::format("the payload field `{}`", param->name));
        }
        break;
      }
      case ast::TestStmtKind::Set: {
        const auto& s = st.as<ast::TestSetStmt>();
        if (s.target.parts.size() < 2) {
          sink_.emit(diag::TestNoDeal, s.target.range, "set")
              .note(fmt::format("name the deal: `set d.{} = …`", s.target.joined()));
          checkExpr(*s.value, none);
          break;
        }
        if (!findDeal(s.target.parts[0])) {
          checkExpr(*s.value, none);
          break;
        }
        std::optional<Type> type = settableTarget(s.target, 1);
        if (type) {
          expectType(*s.value, none, *type, fmt::format("the value of `{}`", s.target.joined()));
        } else {
          checkExpr(*s.value, none);
        }
        break;
      }
      case ast::TestStmtKind::ManualMove: {
        const auto& m = st.as<ast::TestManualMoveStmt>();
        TestDeal* deal = findDeal(m.deal);
        if (!deal || deal->pipeline == kNone) break;
        int pipeline = deal->pipeline;
        if (m.target.pipeline) {
          pipeline = resolvePipeline(*m.target.pipeline);
          if (pipeline == kNone) break;
        }
        if (m.target.isNext) break;
        int stage = stageIn(pipeline, m.target.stage);
        if (stage == kNone) break;
        bool toLost = prog_.pipelines[pipeline].stages[stage].kind == ast::StageKind::Lost;
        if (m.reason) {
          if (!toLost) {
            sink_.emit(diag::ClauseNotAllowed, m.reason->range, "a manual move to a stage other than `lost`",
                       "a loss reason");
          } else {
            checkLossReason(pipeline, *m.reason);
          }
        }
        deal->pipeline = pipeline;
        break;
      }
      case ast::TestStmtKind::Expect: {
        const auto& e = st.as<ast::TestExpectStmt>();
        TestDeal* deal = currentDeal(e.deal, st.range, "expect", false);
        int pipeline = deal ? deal->pipeline : kNone;
        switch (e.what) {
          case ast::ExpectKind::Stage: {
            if (pipeline == kNone) break;
            // The deal may have moved to another pipeline: look there too.
            if (prog_.pipelines[pipeline].findStage(e.name.text) != kNone) break;
            bool elsewhere = false;
            for (const auto& p : prog_.pipelines) elsewhere = elsewhere || p.findStage(e.name.text) != kNone;
            if (!elsewhere) stageIn(pipeline, e.name);
            break;
          }
          case ast::ExpectKind::Task:
            if (e.taskType) checkTaskType(*e.taskType);
            break;
          case ast::ExpectKind::Email:
          case ast::ExpectKind::Message:
          case ast::ExpectKind::Sms: {
            if (e.what == ast::ExpectKind::Sms && e.name.text.empty()) break;  // `expect sms ["text"]`: any SMS
            int t = resolve(prog_.templateIndex, "template", e.name);
            auto want = e.what == ast::ExpectKind::Email     ? ast::TemplateKind::Email
                        : e.what == ast::ExpectKind::Message ? ast::TemplateKind::Message
                                                             : ast::TemplateKind::Sms;
            if (t != kNone && prog_.templates[t].kind != want) {
              sink_.emit(diag::WrongKind, e.name.range, e.name.text, templateKindName(prog_.templates[t].kind),
                         templateKindName(want));
            }
            break;
          }
          case ast::ExpectKind::Request: resolve(prog_.integrationIndex, "integration", e.name); break;
          case ast::ExpectKind::Responsible: resolveUser(e.name); break;
          case ast::ExpectKind::Notify: {
            const std::string& who = e.name.text;
            if (!who.empty() && who != "responsible" && CheckedProgram::lookup(prog_.userIndex, who) == kNone &&
                CheckedProgram::lookup(prog_.teamIndex, who) == kNone) {
              unknown("user or team", e.name, keys(prog_.userIndex));
            }
            break;
          }
          case ast::ExpectKind::DealIn: {
            int p = resolvePipeline(e.name);
            if (p != kNone && e.stage) stageIn(p, *e.stage);
            break;
          }
          case ast::ExpectKind::Lost:
            if (pipeline != kNone && e.text) checkLossReason(pipeline, *e.text);
            break;
          case ast::ExpectKind::Condition: expectBool(*e.condition, none, "an `expect` condition"); break;
          case ast::ExpectKind::Undeliverable: checkUndeliverableKind(e.name); break;
          default: break;
        }
        break;
      }
    }
  }
}

}  // namespace voronka::check
