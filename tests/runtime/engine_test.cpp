// The engine's semantics (LANGUAGE.md §5, §6, §8), one behaviour per test.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/runtime/engine_support.h"

namespace voronka {
namespace {

using testing::Harness;
using testing::kMoscow;
using testing::program;
constexpr int64_t kHour = 3600, kDay = 86400;

TEST(Engine, CreateRunsCreateThenEnterRules) {
  Harness h(program(kMoscow, "", R"(
    stage a "A" { on create { note "create" } on enter { note "enter" } }
    stage b "B")"));
  ASSERT_TRUE(h.create("d", "p.a").ok());
  auto notes = h.notes("d");
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0].text, "create");
  EXPECT_EQ(notes[1].text, "enter");
}

TEST(Engine, MovesRunLeaveBeforeEnterAndCascade) {
  Harness h(program(kMoscow, "", R"(
    stage a "A" { on link_clicked -> b  on leave { note "leave a" } }
    stage b "B" { on enter { note "enter b" -> c } on leave { note "leave b" } }
    stage c "C" { on enter { note "enter c" } })"));
  h.create("d", "p.a");
  ASSERT_TRUE(h.event("e1", "d", "link_clicked").ok());
  EXPECT_EQ(h.stage("d"), "c");
  std::vector<std::string> order;
  for (const auto& n : h.notes("d")) order.push_back(n.text);
  EXPECT_EQ(order, (std::vector<std::string>{"leave a", "enter b", "leave b", "enter c"}));
}

TEST(Engine, CascadeBeyondTheLimitUndoesTheWholeEvent) {
  // Conditional moves the checker cannot prove circular: at run time they are.
  Harness h(program(kMoscow, "field budget: money", R"(
    stage a "A" { on link_clicked { task "before the loop" -> b } }
    stage b "B" { on enter when budget > 0 -> c }
    stage c "C" { on enter when budget > 0 -> b })",
                    "triggers backward: allow"));
  h.create("d", "p.a", {{"budget", 10}});
  engine::Outcome o = h.event("e1", "d", "link_clicked");
  EXPECT_EQ(o.status, engine::Outcome::Status::Failed);
  EXPECT_NE(o.message.find("more than 32"), std::string::npos);
  store::DealRecord d = h.deal("d");
  EXPECT_EQ(h.stage("d"), "a");  // nothing half-applied
  EXPECT_TRUE(h.tasks("d").empty());
  EXPECT_NE(d.error.find("e1"), std::string::npos);
  // The event is remembered as failed: a redelivery does not run it again.
  EXPECT_EQ(h.event("e1", "d", "link_clicked").status, engine::Outcome::Status::Duplicate);
}

TEST(Engine, EventsAreIdempotentById) {
  Harness h(program(kMoscow, "template email hi \"Привет\" { body \"…\" }", R"(
    stage a "A" { on email_received { email hi } })"));
  h.create("d", "p.a");
  EXPECT_EQ(h.event("e1", "d", "email_received").status, engine::Outcome::Status::Applied);
  EXPECT_EQ(h.event("e1", "d", "email_received").status, engine::Outcome::Status::Duplicate);
  EXPECT_EQ(h.effects("d").size(), 1u);
}

TEST(Engine, BackwardTriggersRunWhenThePipelineAllowsThem) {
  // Without `triggers backward: allow` the checker rejects this funnel
  // (lit: check/fail_trigger-direction_pipeline_rule); with it the runtime moves back.
  Harness allowed(program(kMoscow, "", R"(
    stage a "A" { on enter { note "a" } }
    stage b "B" { on call_missed -> a })",
                          "triggers backward: allow"));
  allowed.create("d", "p.b");
  ASSERT_TRUE(allowed.event("e1", "d", "call_missed").ok());
  EXPECT_EQ(allowed.stage("d"), "a");
  ASSERT_EQ(allowed.notes("d").size(), 1u);
}

TEST(Engine, ManualMovesObeyPoliciesAndGuards) {
  Harness h(program(kMoscow, "field budget: money", R"(
    stage a "A"
    stage b "B" { require budget > 0 "Заполните бюджет" }
    stage c "C")",
                    "manual backward: deny"));
  h.create("d", "p.a");
  auto o = h.wire({{"id", "m1"}, {"deal", "d"}, {"type", "manual_move"}, {"stage", "b"}});
  EXPECT_EQ(o.status, engine::Outcome::Status::Rejected);
  EXPECT_EQ(o.message, "Заполните бюджет");
  h.wire({{"id", "f1"}, {"deal", "d"}, {"type", "field_set"}, {"fields", {{"budget", 5}}}});
  EXPECT_TRUE(h.wire({{"id", "m2"}, {"deal", "d"}, {"type", "manual_move"}, {"stage", "c"}}).ok());
  o = h.wire({{"id", "m3"}, {"deal", "d"}, {"type", "manual_move"}, {"stage", "a"}});
  EXPECT_EQ(o.status, engine::Outcome::Status::Rejected);
  // The account's language is Russian by default (LANGUAGE.md §14).
  EXPECT_NE(o.message.find("нельзя переносить назад вручную"), std::string::npos);
  // Closing as lost is always possible, with a reason (the `other` one by default).
  EXPECT_TRUE(h.wire({{"id", "m4"}, {"deal", "d"}, {"type", "manual_move"}, {"stage", "lost"}}).ok());
  EXPECT_EQ(h.deal("d").lostReason, "Другое");
}

TEST(Engine, TimersOfAnEarlierVisitNeverFire) {
  Harness h(program(kMoscow, "", R"(
    stage a "A" { after 2d { note "timer of a" } on link_clicked -> b }
    stage b "B" { on call_missed -> a })",
                    "triggers backward: allow"));
  h.create("d", "p.a");
  h.advance(kDay);
  h.event("e1", "d", "link_clicked");  // leave a: its timer is cancelled
  h.event("e2", "d", "call_missed");   // back in a: a new visit, a new timer
  h.advance(kDay + kHour);             // the first timer would have fired now
  EXPECT_TRUE(h.notes("d").empty());
  h.advance(kDay);
  ASSERT_EQ(h.notes("d").size(), 1u);
}

TEST(Engine, AfterAtTimeOfDayAndWithinWorkhours) {
  Harness h(program(kMoscow, "", R"(
    stage a "A" {
      after 1d at 10:00 { note "at ten" }
      after 4d within workhours { note "working" }
    })"));
  h.create("d", "p.a");  // Monday 09:00
  h.advance(kDay + kHour - 60);
  EXPECT_TRUE(h.notes("d").empty());
  h.advance(60);  // Tuesday 10:00
  ASSERT_EQ(h.notes("d").size(), 1u);
  // Friday 09:00 is working time: fires then.
  h.advance(3 * kDay - kHour);
  EXPECT_EQ(h.notes("d").size(), 2u);
}

TEST(Engine, WithinWorkhoursWaitsPastWeekendsAndHolidays) {
  Harness h(program(kMoscow, "", R"(
    stage a "A" { after 106h within workhours { note "next window" } })"));
  h.create("d", "p.a");  // Monday 09:00 + 4d10h = Friday 19:00: after hours
  h.advance(4 * kDay + 10 * kHour);
  EXPECT_TRUE(h.notes("d").empty());
  // Saturday, Sunday off; Monday 9 March is a holiday: Tuesday 09:00.
  h.advance(3 * kDay + 14 * kHour - 60);
  EXPECT_TRUE(h.notes("d").empty());
  h.advance(60);
  ASSERT_EQ(h.notes("d").size(), 1u);
  EXPECT_EQ(h.notes("d")[0].at, testing::kMonday0900Moscow + 8 * kDay);
}

TEST(Engine, WorkdaysCountTheCalendar) {
  Harness h(program(kMoscow, "", R"(stage a "A" { after 5 workdays { note "five" } })"));
  h.create("d", "p.a");  // Monday 2 March; 9 March is a holiday
  h.advance(8 * kDay - 60);
  EXPECT_TRUE(h.notes("d").empty());
  h.advance(60);  // Tue 3, Wed 4, Thu 5, Fri 6, Tue 10 → Tuesday 10 March 09:00
  EXPECT_EQ(h.notes("d").size(), 1u);
}

TEST(Engine, AtFieldFollowsTheField) {
  Harness h(program(kMoscow, "field meeting_at: datetime", R"(
    stage a "A" { at meeting_at - 1d { note "reminder" } })"));
  h.create("d", "p.a");
  EXPECT_TRUE(h.timers("d").empty());  // nothing while the field is empty
  h.wire({{"id", "f1"}, {"deal", "d"}, {"type", "field_set"}, {"fields", {{"meeting_at", "2026-03-06T15:00"}}}});
  ASSERT_EQ(h.timers("d").size(), 1u);
  h.wire({{"id", "f2"}, {"deal", "d"}, {"type", "field_set"}, {"fields", {{"meeting_at", "2026-03-10T15:00"}}}});
  ASSERT_EQ(h.timers("d").size(), 1u);  // rescheduled, not doubled
  h.advance(4 * kDay);                  // past the first date
  EXPECT_TRUE(h.notes("d").empty());
  h.advance(4 * kDay);  // 9 March 15:00
  EXPECT_EQ(h.notes("d").size(), 1u);
}

TEST(Engine, AtInThePastRunsAtOnce) {
  Harness h(program(kMoscow, "field due: datetime", R"(stage a "A" { at due { note "late" } })"));
  h.create("d", "p.a", {{"due", "2026-01-01T10:00"}});
  EXPECT_EQ(h.notes("d").size(), 1u);
}

TEST(Engine, UnlessCancelsThePendingRule) {
  Harness h(program(kMoscow, "", R"(stage a "A" { after 3d unless link_clicked { note "no click" } })"));
  h.create("d", "p.a");
  h.create("e", "p.a");
  h.advance(kDay);
  h.event("c1", "d", "link_clicked");
  h.advance(3 * kDay);
  EXPECT_TRUE(h.notes("d").empty());
  EXPECT_EQ(h.notes("e").size(), 1u);
}

TEST(Engine, ThenBlocksChainAfterThePreviousOne) {
  Harness h(program(kMoscow, "", R"(
    stage a "A" { on enter {
      note "0"
      then after 2d { note "2" }
      then after 1d { note "3" }
    } })"));
  h.create("d", "p.a");
  std::vector<int64_t> at;
  h.advance(10 * kDay);
  for (const auto& n : h.notes("d")) at.push_back((n.at - testing::kMonday0900Moscow) / kDay);
  EXPECT_EQ(at, (std::vector<int64_t>{0, 2, 3}));
}

TEST(Engine, EveryRepeatsWhileItsConditionHolds) {
  Harness h(program(kMoscow, "field open: bool = true", R"(
    stage a "A" { every 1d while open { note "tick" } on link_clicked { set open = false } })"));
  h.create("d", "p.a");
  h.advance(3 * kDay);
  EXPECT_EQ(h.notes("d").size(), 3u);
  h.event("c", "d", "link_clicked");
  h.advance(5 * kDay);
  EXPECT_EQ(h.notes("d").size(), 3u);
}

TEST(Engine, OnceRunsOnlyOnTheFirstVisit) {
  Harness h(program(kMoscow, "", R"(
    stage a "A" { on enter once { task "first visit" } on enter { note "every visit" } on link_clicked -> b }
    stage b "B" { on call_missed -> a })",
                    "triggers backward: allow"));
  h.create("d", "p.a");
  h.event("e1", "d", "link_clicked");
  h.event("e2", "d", "call_missed");
  EXPECT_EQ(h.tasks("d").size(), 1u);
  EXPECT_EQ(h.notes("d").size(), 2u);
}

TEST(Engine, SplitIsDeterministicPerDeal) {
  std::string src = program(kMoscow, "", R"(
    stage a "A" { on enter { split 30% { tag + "A" } else { tag + "B" } } })");
  Harness first(src), second(src);
  int inA = 0;
  for (int i = 0; i < 400; ++i) {
    std::string id = "deal-" + std::to_string(i);
    first.create(id, "p.a");
    second.create(id, "p.a");
    EXPECT_EQ(first.deal(id).tags, second.deal(id).tags);
    inA += first.deal(id).tags.front() == "A";
  }
  EXPECT_GT(inA, 90);  // 30% of 400 = 120, give or take
  EXPECT_LT(inA, 150);
}

TEST(Engine, ForcedSplitsOverrideTheBucketForOneDealOnly) {
  std::string src = program(kMoscow, "", R"(
    stage a "A" { on enter { split 50% { tag + "A" } else { tag + "B" } } })");
  Harness forced(src), plain(src);
  for (int i = 0; i < 20; ++i) {
    std::string id = "d-" + std::to_string(i);
    forced.engine.forceSplits("else-" + id, false);
    forced.engine.forceSplits("first-" + id, true);
    forced.create("else-" + id, "p.a");
    forced.create("first-" + id, "p.a");
    EXPECT_EQ(forced.deal("else-" + id).tags, std::vector<std::string>{"B"}) << id;
    EXPECT_EQ(forced.deal("first-" + id).tags, std::vector<std::string>{"A"}) << id;
    // Deals nobody forced keep their bucket, as in production.
    forced.create(id, "p.a");
    plain.create(id, "p.a");
    EXPECT_EQ(forced.deal(id).tags, plain.deal(id).tags) << id;
  }
}

// A timer that fires and does nothing says why in the trace.
TEST(Engine, TheTraceSaysWhenATimerDidNothing) {
  struct Collect : engine::Trace {
    std::vector<nlohmann::json> entries;
    void record(const nlohmann::json& e) override { entries.push_back(e); }
  } trace;
  Harness h(program(kMoscow, "field hot: bool = false\nfield going: bool = true", R"(
    stage a "A" {
      after 1h when hot { note "hot" }
      every 1d while going { note "tick" }
      on link_clicked { set going = false }
    })"));
  h.engine.setTrace(&trace);
  h.create("d", "p.a");
  h.advance(2 * kHour);
  h.event("c", "d", "link_clicked");
  h.advance(2 * kDay);
  auto find = [&](const std::string& what) {
    for (const auto& e : trace.entries) {
      if (e.value("what", "") == what) return e;
    }
    return nlohmann::json();
  };
  nlohmann::json idle = find("timer did nothing");
  EXPECT_EQ(idle.value("why", ""), "`when` is false");
  EXPECT_EQ(idle.value("line", 0), 8);
  EXPECT_EQ(find("timer stopped").value("why", ""), "`while` is false");
  EXPECT_TRUE(h.notes("d").empty());
}

// The store keeps, with each event and fired timer, the rule blocks that ran
// for it (not the ones whose `when` was false), in order, with their lines.
TEST(Engine, EachEventAndTimerKeepsTheRulesThatFired) {
  Harness h(program(kMoscow, "field hot: bool = false", R"(
    stage a "A" {
      on link_clicked when hot { note "hot" }
      on link_clicked -> b
      on leave { note "leave a" }
    }
    stage b "B" { on enter {
      note "enter b"
      then after 1d { note "a day later" }
    } })"));
  h.create("d", "p.a");
  ASSERT_TRUE(h.event("e1", "d", "link_clicked").ok());
  h.advance(2 * kDay);
  auto tx = h.store.begin();
  std::vector<std::string> fired;
  for (const store::EventRecord& e : tx->eventsOf("d")) {
    std::string line = e.type + ":";
    for (const store::FiredRule& f : e.fired) {
      line += " " + f.name;
      EXPECT_EQ(f.file, h.module.str(h.module.rules[f.rule].file));
      if (f.name.find(" then ") == std::string::npos) {
        EXPECT_EQ(f.line, h.module.rules[f.rule].line) << f.name;
      }
      EXPECT_GT(f.line, 0);
    }
    fired.push_back(line);
  }
  EXPECT_EQ(fired,
            (std::vector<std::string>{"deal_created:", "link_clicked: p.a#2 p.a#3 p.b#1", "timer: p.b#1 then 1"}));
}

TEST(Engine, TasksWithDueTimesTypesAndOverdue) {
  Harness h(program(kMoscow, "team sales { ivanov petrova }", R"(
    stage a "A" {
      on enter { task call "Позвонить" due 2h to petrova }
      on task_overdue(call) { note "overdue" }
    })"));
  h.create("d", "p.a");
  auto tasks = h.tasks("d");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].due, testing::kMonday0900Moscow + 2 * kHour);
  EXPECT_EQ(h.module.str(h.module.taskTypes[tasks[0].type].name), "call");
  EXPECT_EQ(h.module.str(h.module.users[tasks[0].responsible].name), "petrova");
  h.advance(3 * kHour);
  EXPECT_EQ(h.notes("d").size(), 1u);
}

TEST(Engine, CompleteTasksByFilter) {
  Harness h(program(kMoscow, "", R"(
    stage a "A" { on enter { task call "old" due 1h  task meeting "later" due 3d } on link_clicked { complete tasks overdue comment "Готово" } })"));
  h.create("d", "p.a");
  h.advance(2 * kHour);
  h.event("e1", "d", "link_clicked");
  auto tasks = h.tasks("d");
  EXPECT_TRUE(tasks[0].done);
  EXPECT_EQ(tasks[0].comment, "Готово");
  EXPECT_FALSE(tasks[1].done);
}

// More tasks than an action keeps on the stack (eight) are completed too,
// each once, and those of another type stay open.
TEST(Engine, CompleteTasksCompletesManyAtOnce) {
  // Twelve calls and a meeting, each with its overdue timer; the calls are
  // completed at once (more than the eight ids kept on the stack), traced or
  // not. Traced, each call's timer is cancelled just before the call is said
  // done; untraced, the timers go in one pass after the tasks.
  std::string twelve;
  for (int i = 1; i <= 12; ++i) twelve += " task call \"" + std::to_string(i) + "\" due " + std::to_string(i) + "h";
  std::string source = R"(
    stage a "A" { on enter {)" +
                       twelve + R"( task meeting "m" due 1d } on link_clicked { complete tasks call comment "Все" } })";
  struct Collect : engine::Trace {
    std::vector<std::string> whats;
    void record(const nlohmann::json& e) override {
      std::string what = e.value("what", "");
      if (what == "timer cancelled" || what == "task done") whats.push_back(what);
    }
  } trace;
  for (bool traced : {false, true}) {
    Harness h(program(kMoscow, "", source));
    if (traced) h.engine.setTrace(&trace);
    h.create("d", "p.a");
    ASSERT_TRUE(h.event("e1", "d", "link_clicked").ok());
    std::vector<store::TaskRecord> tasks = h.tasks("d");
    ASSERT_EQ(tasks.size(), 13u);
    for (size_t i = 0; i < 12; ++i) {
      EXPECT_TRUE(tasks[i].done) << tasks[i].text;
      EXPECT_EQ(tasks[i].comment, "Все") << tasks[i].text;
    }
    EXPECT_FALSE(tasks[12].done);
    std::vector<int64_t> overdue;
    for (const store::TimerRecord& t : h.timers("d")) {
      if (t.kind == store::TimerKind::TaskOverdue) overdue.push_back(t.task);
    }
    EXPECT_EQ(overdue, std::vector<int64_t>{tasks[12].id}) << "traced: " << traced;
  }
  ASSERT_EQ(trace.whats.size(), 24u);
  for (size_t i = 0; i < trace.whats.size(); i += 2) {
    EXPECT_EQ(trace.whats[i], "timer cancelled") << i;
    EXPECT_EQ(trace.whats[i + 1], "task done") << i;
  }
}

// A done task never becomes overdue: completing it (by the event or by
// `complete tasks`) cancels its overdue timer, so nothing fires for it later
// (no transaction, no event); an open task's timer still fires.
TEST(Engine, CompletingATaskCancelsItsOverdueTimer) {
  Harness h(program(kMoscow, "", R"(
    stage a "A" {
      on enter { task call "Позвонить" due 2h  task meeting "Встреча" due 3h  task call "Перезвонить" due 4h }
      on link_clicked { complete tasks meeting }
      on task_overdue(call) { note "call overdue" }
      on task_overdue(meeting) { note "meeting overdue" }
    })"));
  h.create("d", "p.a");
  auto overdueTimers = [&] {
    std::vector<int64_t> tasks;
    for (const store::TimerRecord& t : h.timers("d")) {
      if (t.kind == store::TimerKind::TaskOverdue) tasks.push_back(t.task);
    }
    return tasks;
  };
  std::vector<store::TaskRecord> tasks = h.tasks("d");
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_EQ(overdueTimers(), (std::vector<int64_t>{tasks[0].id, tasks[1].id, tasks[2].id}));
  ASSERT_TRUE(h.event("e1", "d", "task_completed", {{"arg", "call"}}).ok());  // the oldest call
  ASSERT_TRUE(h.event("e2", "d", "link_clicked").ok());                       // the meeting
  EXPECT_EQ(overdueTimers(), std::vector<int64_t>{tasks[2].id});
  uint64_t firedBefore = h.engine.stats().timersFired;
  h.advance(5 * kHour);
  EXPECT_EQ(h.engine.stats().timersFired, firedBefore + 1);
  std::vector<std::string> notes;
  for (const store::NoteRecord& n : h.notes("d")) notes.push_back(n.text);
  EXPECT_EQ(notes, std::vector<std::string>{"call overdue"});
  EXPECT_TRUE(overdueTimers().empty());
}

TEST(Engine, EmailsRenderTheirTemplatesIntoTheOutbox) {
  Harness h(program(
      kMoscow,
      "field budget: money\ntemplate email offer \"Предложение для {contact.name}\" { body \"Бюджет {budget} ₽\" }",
      R"(stage a "A" { on enter { email offer } })"));
  h.wire({{"id", "c1"},
          {"deal", "d"},
          {"type", "deal_created"},
          {"pipeline", "p"},
          {"fields", {{"budget", 1250000}}},
          {"contact", {{"name", "Анна"}, {"email", "anna@example.ru"}}}});
  auto effects = h.effects("d");
  ASSERT_EQ(effects.size(), 1u);
  auto p = nlohmann::json::parse(effects[0].payload);
  EXPECT_EQ(p["subject"], "Предложение для Анна");
  EXPECT_EQ(p["body"], "Бюджет 1 250 000 ₽");
  EXPECT_EQ(p["to"], "anna@example.ru");
  EXPECT_EQ(effects[0].key.size(), 16u);
}

TEST(Engine, IdempotencyKeysAreStableAcrossRuns) {
  std::string src =
      program(kMoscow, "",
              R"(stage a "A" { on email_received { webhook "https://hooks.example.ru/x" with { id: deal.id } } })");
  std::string keys[2];
  for (auto& key : keys) {
    Harness h(src);
    h.create("d", "p.a");
    h.event("e-7", "d", "email_received");
    key = h.effects("d").at(0).key;
  }
  EXPECT_EQ(keys[0], keys[1]);
}

TEST(Engine, WebhookBodiesAndTagsAndSets) {
  Harness h(program(kMoscow, "field source: enum { site, ads }\nfield budget: money", R"(
    stage a "A" { on enter {
      tag + "VIP"
      set source = ads
      set budget = budget * 2
      webhook "https://hooks.example.ru/deal" with { source: source, budget: budget, vip: deal.tags has "VIP" }
    } })"));
  h.create("d", "p.a", {{"budget", 50}});
  auto body = nlohmann::json::parse(h.effects("d").at(0).payload)["body"];
  EXPECT_EQ(body["source"], "ads");
  EXPECT_EQ(body["budget"], 100);
  EXPECT_EQ(body["vip"], true);
}

TEST(Engine, RoundRobinAndLeastBusy) {
  Harness h(program(kMoscow, "team sales { ivanov petrova sidorov }", R"(
    stage a "A" { on enter { assign round_robin(sales) } }
    stage b "B" { on enter { assign least_busy(sales) } })"));
  std::vector<std::string> order;
  for (int i = 0; i < 4; ++i) {
    h.create("d" + std::to_string(i), "p.a");
    order.push_back(h.module.str(h.module.users[h.deal("d" + std::to_string(i)).responsible].name));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"ivanov", "petrova", "sidorov", "ivanov"}));
  h.create("x", "p.b");  // ivanov has 2 open deals, the others 1: petrova is first of the least busy
  EXPECT_EQ(h.module.str(h.module.users[h.deal("x").responsible].name), "petrova");
}

TEST(Engine, LostDealsGoToAnotherPipelineWithCopiedFields) {
  Harness h(R"(account "A" { timezone "Europe/Moscow" }
    field budget: money
    team retention { sidorov }
    pipeline sales { stage a "A" { on call_missed { lose "Дорого" } }
      won "W" lost "L" reasons { "Дорого" other "Другое" } { on enter { create deal in reactivation.warmup copy budget assign round_robin(retention) } } }
    pipeline reactivation { stage warmup "W" { on enter { note "warming {budget}" } } won "W" lost "L" })");
  h.create("d", "sales.a", {{"budget", 70000}});
  h.event("e1", "d", "call_missed");
  EXPECT_EQ(h.stage("d"), "lost");
  EXPECT_EQ(h.deal("d").lostReason, "Дорого");
  store::DealRecord child = h.deal("d-1");
  EXPECT_EQ(h.module.str(h.module.pipelines[child.pipeline].name), "reactivation");
  EXPECT_EQ(h.field("d-1", "budget"), 70000);
  EXPECT_EQ(h.module.str(h.module.users[child.responsible].name), "sidorov");
  EXPECT_EQ(h.notes("d-1").at(0).text, "warming 70 000");
}

TEST(Engine, QuestionnaireLinkAndFormSubmission) {
  Harness h(program(kMoscow, "field link: url\nfield goal: text\nform brief { fields goal }", R"(
    stage a "A" { on enter { questionnaire brief -> link } on form_submitted(brief) -> b }
    stage b "B" { on enter { note "goal: {goal}" } })"));
  h.create("d", "p.a");
  EXPECT_EQ(h.field("d", "link"), "https://forms.voronka.local/brief/d");
  h.event("s1", "d", "form_submitted", {{"arg", "brief"}, {"payload", {{"goal", "диван"}}}});
  EXPECT_EQ(h.stage("d"), "b");
  EXPECT_EQ(h.notes("d").at(0).text, "goal: диван");
}

TEST(Engine, CustomEventsCarryTheirPayload) {
  Harness h(program(kMoscow, "event kyc_checked(passed: bool, score: number)", R"(
    stage a "A" { on kyc_checked when passed and score >= 0.7 -> b  on kyc_checked when not passed { lose "Дорого" } }
    stage b "B")"));
  h.create("d", "p.a");
  h.create("e", "p.a");
  h.event("k1", "d", "kyc_checked", {{"payload", {{"passed", true}, {"score", 0.9}}}});
  h.event("k2", "e", "kyc_checked", {{"payload", {{"passed", false}, {"score", 0.1}}}});
  EXPECT_EQ(h.stage("d"), "b");
  EXPECT_EQ(h.stage("e"), "lost");
}

// An event's id, deal and type are strings it must have: each missing, null
// or of another type is refused by name, and nothing is applied.
TEST(Engine, AWireEventWithoutItsIdDealOrTypeIsRefusedByName) {
  Harness h(program(kMoscow, "", R"(stage a "A")"));
  const nlohmann::json whole = {{"id", "c-d"}, {"deal", "d"}, {"type", "deal_created"}, {"pipeline", "p"}};
  for (const char* key : {"id", "deal", "type"}) {
    nlohmann::json missing = whole;
    missing.erase(key);
    EXPECT_EQ(h.wire(missing).message, fmt::format("\"{}\" is missing", key));
    nlohmann::json null = whole;
    null[key] = nullptr;
    EXPECT_EQ(h.wire(null).message, fmt::format("\"{}\" is missing", key));
    nlohmann::json number = whole;
    number[key] = 5;
    EXPECT_EQ(h.wire(number).message, fmt::format("\"{}\" must be a string", key));
  }
  EXPECT_TRUE(h.wire(whole).ok());
  EXPECT_EQ(h.stage("d"), "a");
}

// Events are decoded into room kept from one to the next: nothing of an
// event's fields, tags, contact or payload may stay for the next one.
TEST(Engine, AWireEventKeepsNothingOfTheEventBeforeIt) {
  Harness h(program(kMoscow, "field budget: money\nevent kyc(score: number)", R"(
    stage a "A" { on kyc when score != none -> b }
    stage b "B")"));
  ASSERT_TRUE(h.create("rich", "p.a", {{"budget", 100}}).ok());
  ASSERT_TRUE(h.wire({{"id", "c-rich2"},
                      {"deal", "rich2"},
                      {"type", "deal_created"},
                      {"pipeline", "p"},
                      {"tags", {"vip"}},
                      {"contact", {{"name", "Анна"}}},
                      {"fields", {{"budget", 5}}}})
                  .ok());
  ASSERT_TRUE(h.create("bare", "p.a").ok());
  store::DealRecord bare = h.deal("bare");
  EXPECT_TRUE(bare.tags.empty());
  EXPECT_EQ(bare.contactName, "");
  EXPECT_EQ(h.field("bare", "budget"), nullptr);
  ASSERT_TRUE(h.event("k1", "rich", "kyc", {{"payload", {{"score", 0.9}}}}).ok());
  ASSERT_TRUE(h.event("k2", "bare", "kyc").ok());
  EXPECT_EQ(h.stage("rich"), "b");
  EXPECT_EQ(h.stage("bare"), "a");  // no score of its own
}

// `contact` and `company` of deal_created are read as the fields contact.*
// and company.name, and are refused by those names.
TEST(Engine, ContactAndCompanyOfANewDealAreReadAsTheirFields) {
  Harness h(program(kMoscow, "field budget: money", R"(stage a "A")"));
  auto created = [&](const std::string& id, nlohmann::json extra) {
    nlohmann::json e = {{"id", "c-" + id}, {"deal", id}, {"type", "deal_created"}, {"pipeline", "p"}};
    e.update(extra);
    return h.wire(e);
  };
  ASSERT_TRUE(created("d", {{"contact", {{"name", "Вера"}, {"email", "v@x.ru"}, {"phone", "+7 900"}}},
                            {"company", {{"name", "ООО «Х»"}}},
                            {"fields", {{"budget", 5000}}}})
                  .ok());
  store::DealRecord d = h.deal("d");
  EXPECT_EQ(d.contactName, "Вера");
  EXPECT_EQ(d.contactEmail, "v@x.ru");
  EXPECT_EQ(d.contactPhone, "+7 900");
  EXPECT_EQ(d.companyName, "ООО «Х»");
  EXPECT_EQ(created("e", {{"contact", {{"name", 5}}}}).message, "\"fields\".\"contact.name\" must be a string");
  EXPECT_EQ(created("e", {{"contact", {{"age", 30}}}}).message, "\"fields\": there is no field \"contact.age\"");
  EXPECT_EQ(created("e", {{"company", {{"inn", "7700"}}}}).message, "\"fields\": there is no field \"company.inn\"");
  EXPECT_EQ(created("e", {{"company", "ООО"}}).message, "\"company\" must be an object");
  EXPECT_EQ(created("e", {{"fields", {{"contact.name", "Ира"}}}, {"contact", {{"email", "i@x.ru"}}}}).status,
            engine::Outcome::Status::Applied);
  EXPECT_EQ(h.deal("e").contactName, "Ира");
  EXPECT_EQ(h.deal("e").contactEmail, "i@x.ru");
}

// A shape decoded once, then copies with their own id, deal and values (as
// `voronka sim` makes its events), do what the same events as JSON do.
TEST(Engine, ADecodedEventShapeWithValuesAddedActsAsTheWholeEvent) {
  const std::string source = program(kMoscow, "event kyc_checked(passed: bool, score: number)\nfield budget: money", R"(
    stage a "A" { on kyc_checked when passed and score >= 0.7 and budget > 1000 -> b }
    stage b "B")");
  Harness byJson(source), byShape(source);
  byJson.create("d", "p.a", {{"budget", 5000}});
  byJson.event("k1", "d", "kyc_checked", {{"payload", {{"passed", true}, {"score", 0.9}}}});

  auto shape = [&](nlohmann::json e) {
    engine::WireCall call;
    Result<void> decoded = engine::decodeWireEvent(byShape.engine, byShape.names, e, call);
    EXPECT_TRUE(decoded) << (decoded ? "" : decoded.error());
    return call;
  };
  engine::WireCall created = shape({{"id", ""}, {"deal", ""}, {"type", "deal_created"}, {"pipeline", "p"}});
  engine::WireCall kyc = shape({{"id", ""}, {"deal", ""}, {"type", "kyc_checked"}});
  for (const std::string deal : {"d", "e"}) {
    engine::WireCall c = created;
    c.id = "create-" + deal;
    c.deal = c.created.id = deal;
    ASSERT_TRUE(engine::addWireValues(byShape.engine, byShape.names, c, {{"budget", deal == "d" ? 5000 : 10}}));
    EXPECT_TRUE(engine::applyWireCall(byShape.engine, c).ok());
    engine::WireCall k = kyc;
    k.id = "k-" + deal;
    k.deal = deal;
    ASSERT_TRUE(engine::addWireValues(byShape.engine, byShape.names, k, {{"passed", true}, {"score", 0.9}}));
    EXPECT_TRUE(engine::applyWireCall(byShape.engine, k).ok());
  }
  EXPECT_EQ(byJson.stage("d"), "b");
  EXPECT_EQ(byShape.stage("d"), "b");
  EXPECT_EQ(byShape.stage("e"), "a");  // its budget is too small

  // Values a shape cannot take fail as the same event in JSON is refused.
  engine::WireCall k = kyc;
  Result<void> wrong = engine::addWireValues(byShape.engine, byShape.names, k, {{"passed", "yes"}});
  ASSERT_FALSE(wrong);
  engine::Outcome refused =
      byJson.wire({{"id", "k2"}, {"deal", "d"}, {"type", "kyc_checked"}, {"payload", {{"passed", "yes"}}}});
  EXPECT_EQ(refused.status, engine::Outcome::Status::Invalid);
  EXPECT_EQ(wrong.error(), refused.message);
  Result<void> unknown = engine::addWireValues(byShape.engine, byShape.names, k, {{"mood", 1}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error(), "\"payload\": event kyc_checked has no field \"mood\"");
  engine::WireCall unused;
  Result<void> bad =
      engine::decodeWireEvent(byShape.engine, byShape.names, {{"id", ""}, {"deal", ""}, {"type", "no_such"}}, unused);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("unknown event \"no_such\""), std::string::npos) << bad.error();
}

// Values put one by one through their slots, worked out once per shape (as
// `voronka sim` puts them), make the call addWireValues makes of the same
// values as one JSON object, and fail with its messages.
TEST(Engine, WireValueSlotsFillACallAsAddWireValuesDoes) {
  const std::string source = program(kMoscow,
                                     "event kyc_checked(passed: bool, score: number)\nfield budget: money\n"
                                     "field rooms: number\nform quiz \"Анкета\" { fields rooms }",
                                     R"(stage a "A")");
  Harness h(source);
  auto decoded = [&](nlohmann::json e) {
    engine::WireCall call;
    e["id"] = "";
    e["deal"] = "";
    Result<void> ok = engine::decodeWireEvent(h.engine, h.names, e, call);
    EXPECT_TRUE(ok) << (ok ? "" : ok.error());
    return call;
  };
  // The values in the order of their names, through slots, and as one object.
  auto bothWays = [&](const engine::WireCall& shape, const nlohmann::json& values) {
    engine::WireCall bySlots = shape, byObject = shape;
    for (const auto& [name, value] : values.items()) {
      Result<engine::WireValueSlot> slot = engine::wireValueSlot(h.engine, h.names, bySlots, name);
      EXPECT_TRUE(slot) << (slot ? "" : slot.error());
      if (!slot) continue;
      Result<store::FieldValue> v = engine::readWireValue(h.engine, *slot, name, value);
      EXPECT_TRUE(v) << (v ? "" : v.error());
      if (v) engine::putWireValue(h.engine, bySlots, *slot, std::move(*v));
    }
    EXPECT_TRUE(engine::addWireValues(h.engine, h.names, byObject, values));
    return std::pair{bySlots, byObject};
  };
  auto assignmentsEqual = [](const std::vector<engine::FieldAssignment>& a,
                             const std::vector<engine::FieldAssignment>& b) {
    EXPECT_EQ(a.size(), b.size());
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      EXPECT_EQ(a[i].target, b[i].target) << i;
      EXPECT_EQ(a[i].field, b[i].field) << i;
      EXPECT_TRUE(a[i].value == b[i].value) << i;
    }
  };

  engine::WireCall created = decoded({{"type", "deal_created"}, {"pipeline", "p"}});
  auto [c1, c2] = bothWays(created, {{"budget", 5000}, {"contact.name", "Вера"}, {"name", "Диван"}});
  assignmentsEqual(c1.created.values, c2.created.values);
  ASSERT_EQ(c1.created.values.size(), 3u);
  EXPECT_EQ(c1.created.values[1].target, bc::SetTarget::ContactName);

  engine::WireCall set = decoded({{"type", "field_set"}, {"fields", nlohmann::json::object()}});
  auto [s1, s2] = bothWays(set, {{"rooms", 3}, {"budget", 10}});
  assignmentsEqual(s1.values, s2.values);
  EXPECT_EQ(s1.values.size(), 2u);

  engine::WireCall kyc = decoded({{"type", "kyc_checked"}});
  auto [k1, k2] = bothWays(kyc, {{"passed", true}, {"score", 0.9}});
  ASSERT_EQ(k1.event.payload.size(), 2u);
  EXPECT_TRUE(k1.event.payload == k2.event.payload);
  EXPECT_EQ(k1.event.payload[0].tag, bc::Tag::Bool);

  engine::WireCall form = decoded({{"type", "form_submitted"}, {"arg", "quiz"}});
  auto [f1, f2] = bothWays(form, {{"rooms", 4}});
  ASSERT_FALSE(f1.event.formValues.empty());
  EXPECT_TRUE(f1.event.formValues == f2.event.formValues);
  Result<engine::WireValueSlot> rooms = engine::wireValueSlot(h.engine, h.names, form, "rooms");
  ASSERT_TRUE(rooms);
  EXPECT_EQ(rooms->place, engine::WireValueSlot::Place::FormValue);

  // The same messages as addWireValues.
  Result<engine::WireValueSlot> mood = engine::wireValueSlot(h.engine, h.names, kyc, "mood");
  ASSERT_FALSE(mood);
  EXPECT_EQ(mood.error(), "\"payload\": event kyc_checked has no field \"mood\"");
  engine::WireCall k = kyc;
  Result<void> wrong = engine::addWireValues(h.engine, h.names, k, {{"passed", "yes"}});
  ASSERT_FALSE(wrong);
  Result<engine::WireValueSlot> passed = engine::wireValueSlot(h.engine, h.names, kyc, "passed");
  ASSERT_TRUE(passed);
  Result<store::FieldValue> yes = engine::readWireValue(h.engine, *passed, "passed", "yes");
  ASSERT_FALSE(yes);
  EXPECT_EQ(yes.error(), wrong.error());
  Result<engine::WireValueSlot> contact = engine::wireValueSlot(h.engine, h.names, created, "contact.name");
  ASSERT_TRUE(contact);
  Result<store::FieldValue> five = engine::readWireValue(h.engine, *contact, "contact.name", 5);
  ASSERT_FALSE(five);
  EXPECT_EQ(five.error(), "\"fields\".\"contact.name\" must be a string");
  engine::WireCall move = decoded({{"type", "manual_move"}, {"stage", "a"}});
  Result<engine::WireValueSlot> none = engine::wireValueSlot(h.engine, h.names, move, "budget");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), "a manual move carries no values");
}

TEST(Engine, DelayedRulesOnEventsKeepThePayload) {
  Harness h(program(kMoscow, "", R"(stage a "A" { on payment_received after 2d { note "paid {amount}" } })"));
  h.create("d", "p.a");
  h.event("pay", "d", "payment_received", {{"payload", {{"amount", 1500}}}});
  h.advance(2 * kDay);
  ASSERT_EQ(h.notes("d").size(), 1u);
  EXPECT_EQ(h.notes("d")[0].text, "paid 1 500");
}

TEST(Engine, BadWireEventsChangeNothing) {
  Harness h(program(kMoscow, "field budget: money", R"(stage a "A")"));
  h.create("d", "p.a");
  EXPECT_EQ(h.wire({{"id", "x"}, {"deal", "d"}, {"type", "nope"}}).status, engine::Outcome::Status::Invalid);
  EXPECT_EQ(h.wire({{"id", "x"}, {"deal", "zz"}, {"type", "email_received"}}).status,
            engine::Outcome::Status::UnknownDeal);
  auto o = h.wire({{"id", "x"}, {"deal", "d"}, {"type", "field_set"}, {"fields", {{"budget", "много"}}}});
  EXPECT_EQ(o.status, engine::Outcome::Status::Invalid);
  EXPECT_NE(o.message.find("budget"), std::string::npos);
  EXPECT_EQ(h.field("d", "budget"), nullptr);
  // None of the rejected requests was remembered: the id is still free.
  EXPECT_EQ(h.wire({{"id", "x"}, {"deal", "d"}, {"type", "email_received"}}).status, engine::Outcome::Status::Applied);
}

TEST(Engine, NoneComparisonsAreFalse) {
  Harness h(program(kMoscow, "field budget: money", R"(
    stage a "A" { on enter {
      if budget > 5 { note "gt" }
      if budget != 5 { note "ne" }
      if budget == none { note "unset" }
      if not (budget != none) { note "not set" }
    } })"));
  h.create("d", "p.a");
  std::vector<std::string> notes;
  for (const auto& n : h.notes("d")) notes.push_back(n.text);
  EXPECT_EQ(notes, (std::vector<std::string>{"unset", "not set"}));
}

TEST(Engine, ATimerThatFellDueWhileDownFiresOnceLateAndSaysHowLate) {
  Harness h(program(kMoscow, "", R"(
    stage a "A" { after 1h { note "reminder at {now}" } })"));
  h.create("d", "p.a");  // Monday 09:00; due 10:00
  auto timers = h.timers("d");
  ASSERT_EQ(timers.size(), 1u);
  int64_t id = timers[0].id;
  // The runtime was down: the clock jumps past the due time before runDue.
  h.clock.set(h.clock.now() + 5 * 3600);
  EXPECT_EQ(h.engine.runDue(h.clock.now()), 1u);
  EXPECT_EQ(h.engine.runDue(h.clock.now()), 0u);  // once
  auto notes = h.notes("d");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].text, "reminder at 02.03.2026 14:00");  // it ran now, not in the past
  auto tx = h.store.begin();
  auto record = tx->event("timer:" + std::to_string(id));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->outcome, "fired 14400s late");
  EXPECT_EQ(h.engine.stats().timersLate, 1u);
  EXPECT_EQ(h.engine.stats().maxLatenessSeconds, 14400);
}

}  // namespace
}  // namespace voronka
