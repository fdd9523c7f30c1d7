// The simulation against a case with a closed form, and its determinism.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/sim/sim_support.h"
#include "tools/sim/random.h"
#include "tools/sim/report.h"
#include "tools/sim/runs.h"
#include "tools/sim/simulation.h"
#include "tools/sim/stats_rates.h"

namespace voronka::testing {
namespace {

// Two stages. In `a` the client calls back (a rule moves the deal on) with
// probability P1. In `b` a timer loses the deal after T; the client pays
// with probability P2 after an exponential delay of median M, so the deal
// is won when the payment comes first: P2 · (1 − 2^(−T/M)).
const char* kTwoStages = R"(
account "A" { timezone "Europe/Moscow" }
pipeline p "P" {
  stage a "A" initial { on call_missed -> b }
  stage b "B" {
    on payment_received { win }
    after 2d { lose "Дорого" }
  }
  won "Won"
  lost "Lost" reasons { "Дорого" other "Другое" }
}
)";
constexpr double kP1 = 0.6, kP2 = 0.5, kT = 2.0, kM = 1.0;

const char* kRates = R"(
arrive = "start"
[[stage.a]]
probability = 0.6
delay = { lognormal = "1h", p90 = "1d" }
event = "call_missed"

[[stage.b]]
probability = 0.5
delay = { exponential = "1d" }
event = "payment_received"
payload = { amount = 100 }
)";

// True when `observed` successes of `n` lie within z standard errors of p
// (the normal approximation of the binomial; z = 4: 1 in 15,000 by chance).
void expectWithinInterval(int64_t observed, int64_t n, double p, const char* what) {
  ASSERT_GT(n, 0) << what;
  double mean = static_cast<double>(observed) / static_cast<double>(n);
  double half = 4 * std::sqrt(p * (1 - p) / static_cast<double>(n));
  EXPECT_NEAR(mean, p, half) << what << ": " << observed << " of " << n;
}

class TwoStages : public ::testing::Test {
 protected:
  bc::Module module = simModule(kTwoStages);
  sim::RunResult run(uint64_t seed, int64_t deals = 4000) {
    Result<sim::Rates> rates = loadText(module, "two_stages", kRates);
    EXPECT_TRUE(rates) << rates.error();
    sim::SimOptions o;
    o.deals = deals;
    o.horizon = 60 * 86400;
    o.seed = seed;
    Result<sim::RunResult> r = sim::simulate(module, *rates, o);
    EXPECT_TRUE(r) << r.error();
    return *r;
  }
};

TEST_F(TwoStages, ConversionMatchesTheClosedForm) {
  sim::RunResult r = run(42);
  const auto& a = r.stages[0][0];
  const auto& b = r.stages[0][1];
  EXPECT_EQ(a.entered, 4000);
  EXPECT_EQ(b.entered, a.toNext);
  double inB = kP2 * (1 - std::pow(2.0, -kT / kM));
  expectWithinInterval(a.toNext, a.entered, kP1, "a → b");
  expectWithinInterval(b.toNext, b.entered, inB, "b → won");
  expectWithinInterval(a.toWon, a.entered, kP1 * inB, "a → won");
  // Every deal ends won or lost: the horizon is far beyond every delay but a few.
  EXPECT_EQ(r.won, b.toNext);
  EXPECT_EQ(r.won + r.lost + r.open, 4000);
  EXPECT_EQ(r.lostReasons["Дорого"], b.entered - b.toNext);
  EXPECT_EQ(r.refused, 0u);
}

TEST_F(TwoStages, TheSameSeedGivesTheSameReport) {
  Result<sim::Rates> rates = loadText(module, "two_stages", kRates);
  ASSERT_TRUE(rates);
  sim::SimOptions o;
  o.deals = 300;
  auto report = [&](uint64_t seed) {
    o.seed = seed;
    std::vector<sim::RunResult> runs = {*sim::simulate(module, *rates, o), *sim::simulate(module, *rates, o)};
    return sim::summarize(module, *rates, o, moscow(), runs).dump();
  };
  EXPECT_EQ(report(7), report(7));
  EXPECT_NE(report(7), report(8));
}

// Runs on several threads come back in run order, each with its own seed:
// the report is the one a single thread gives.
TEST_F(TwoStages, RunsOnSeveralThreadsGiveTheReportOfOneThread) {
  Result<sim::Rates> rates = loadText(module, "two_stages", kRates);
  ASSERT_TRUE(rates);
  sim::SimOptions o;
  o.deals = 300;
  o.seed = 11;
  Result<std::vector<sim::RunResult>> one = sim::simulateRuns(module, *rates, o, 5, 1);
  Result<std::vector<sim::RunResult>> four = sim::simulateRuns(module, *rates, o, 5, 4);
  ASSERT_TRUE(one) << one.error();
  ASSERT_TRUE(four) << four.error();
  ASSERT_EQ(four->size(), 5u);
  EXPECT_EQ(sim::summarize(module, *rates, o, moscow(), *one).dump(),
            sim::summarize(module, *rates, o, moscow(), *four).dump());
  for (size_t r = 0; r < 5; ++r) {
    sim::SimOptions own = o;
    own.seed = sim::runSeed(o.seed, r);
    EXPECT_EQ((*four)[r].wonPerWeek, sim::simulate(module, *rates, own)->wonPerWeek) << "run " << r;
  }
  EXPECT_NE((*four)[0].wonPerWeek, (*four)[1].wonPerWeek);  // each run its own seed
}

// A run the engine refuses fails the whole: its error, whatever the threads.
TEST_F(TwoStages, ARunTheEngineRefusesFailsEveryNumberOfJobs) {
  std::string text = kRates;
  text.replace(text.find("amount = 100"), 12, "amount = \"много\"");
  Result<sim::Rates> rates = loadText(module, "refused_runs", text);
  ASSERT_TRUE(rates) << rates.error();
  sim::SimOptions o;
  o.deals = 50;
  for (int jobs : {1, 3}) {
    Result<std::vector<sim::RunResult>> runs = sim::simulateRuns(module, *rates, o, 4, jobs);
    ASSERT_FALSE(runs) << jobs;
    EXPECT_NE(runs.error().find("voronka_sim_test_refused_runs.toml:8: the engine refused the event this describes"),
              std::string::npos)
        << runs.error();
  }
}

TEST_F(TwoStages, DealsArriveOverTheHorizon) {
  Result<sim::Rates> rates = loadText(module, "spread", std::string(kRates).substr(std::string(kRates).find('\n', 1)));
  ASSERT_TRUE(rates) << rates.error();
  EXPECT_FALSE(rates->arriveAtStart);
  sim::SimOptions o;
  o.deals = 500;
  o.horizon = 28 * 86400;
  sim::RunResult r = *sim::simulate(module, *rates, o);
  ASSERT_EQ(r.wonPerWeek.size(), 4u);
  for (int64_t w : r.wonPerWeek) EXPECT_GT(w, 0);  // about 1 in 4 of the wins in each week
}

// A new deal's fields are drawn in the file's order, and a later one may
// take the value drawn for an earlier one (`from`).
TEST(Simulation, ANewDealsFieldMayDrawFromAnEarlierOne) {
  bc::Module module = simModule(R"(
account "A" { timezone "Europe/Moscow" }
field a_score: number
field b_copy: number
pipeline p "P" {
  stage a "A" initial { on enter when b_copy == 500 -> b }
  stage b "B"
  won "Won"
  lost "Lost"
}
)");
  Result<sim::Rates> rates = loadText(module, "from_earlier", R"(
arrive = "start"
[fields]
a_score = 500
b_copy = { from = "a_score" }
)");
  ASSERT_TRUE(rates) << rates.error();
  sim::SimOptions o;
  o.deals = 20;
  o.horizon = 86400;
  Result<sim::RunResult> r = sim::simulate(module, *rates, o);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->stages[0][0].entered, 20);
  EXPECT_EQ(r->stages[0][0].toNext, 20);
}

// Entries of one choice exclude each other: each happens with its own
// probability, and the rest of the deals stay.
TEST_F(TwoStages, AChoiceHappensAtMostOnce) {
  Result<sim::Rates> rates = loadText(module, "choice", R"(
arrive = "start"
[[stage.a]]
choice = "answer"
probability = 0.3
delay = "1h"
move = "b"
[[stage.a]]
choice = "answer"
probability = 0.5
delay = "1h"
move = "lost"
reason = "Дорого"
)");
  ASSERT_TRUE(rates) << rates.error();
  sim::SimOptions o;
  o.deals = 4000;
  o.horizon = 86400;
  sim::RunResult r = *sim::simulate(module, *rates, o);
  const auto& a = r.stages[0][0];
  expectWithinInterval(a.toNext, a.entered, 0.3, "a → b");
  // The horizon (a day) ends before b's timer (2d): the deals in b are still open.
  expectWithinInterval(r.lost, a.entered, 0.5, "a → lost");
  expectWithinInterval(r.open - a.toNext, a.entered, 0.2, "still in a");
}

// Rates from statistics: the shares that went on and were lost come back
// as the simulated conversion.
TEST_F(TwoStages, RatesFromStatistics) {
  nlohmann::json stats = nlohmann::json::parse(R"({"pipelines": [{"pipeline": "p", "loss_reasons":
    [{"reason": "Дорого", "deals": 3}, {"reason": "Другое", "deals": 1}], "stages": [
    {"stage": "a", "kind": "working", "deals_in": 1000, "still_in": 100, "to_next": 0.45, "lost_here": 360,
     "time_in_stage": {"visits": 900, "median": 3600, "p90": 14400}},
    {"stage": "b", "kind": "working", "deals_in": 450, "still_in": 50, "to_next": 0.4, "lost_here": 220,
     "time_in_stage": {"visits": 400, "median": 3600, "p90": 7200}},
    {"stage": "won", "kind": "won", "deals_in": 180, "still_in": 180}]}]})");
  Result<sim::Rates> rates = sim::ratesFromStats(module, stats, "stats.json", 1798963200);
  ASSERT_TRUE(rates) << rates.error();
  ASSERT_EQ(rates->actions[0][0].size(), 3u);  // on to b; lost "Дорого"; lost "Другое"
  EXPECT_DOUBLE_EQ(rates->actions[0][0][0].probability, 450.0 / 900);
  EXPECT_DOUBLE_EQ(rates->actions[0][0][1].probability, 360.0 / 900 * 3 / 4);
  sim::SimOptions o;
  o.deals = 4000;
  o.horizon = 60 * 86400;
  sim::RunResult r = *sim::simulate(module, *rates, o);
  const auto& a = r.stages[0][0];
  const auto& b = r.stages[0][1];
  expectWithinInterval(a.toNext, a.entered, 0.5, "a → b");
  expectWithinInterval(b.toNext, b.entered, 180.0 / 400, "b → won");
  EXPECT_EQ(r.refused, 0u);

  nlohmann::json bad = {{"pipelines", {{{"pipeline", "nope"}}}}};
  Result<sim::Rates> wrong = sim::ratesFromStats(module, bad, "stats.json", 0);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error(), "stats.json: the funnel has no pipeline \"nope\"");
  Result<sim::Rates> notStats = sim::ratesFromStats(module, nlohmann::json::object(), "x.json", 0);
  ASSERT_FALSE(notStats);
  EXPECT_NE(notStats.error().find("not the JSON of `voronka stats --format json`"), std::string::npos);
}

TEST(Percentiles, LinearBetweenRanks) {
  nlohmann::json p = sim::percentiles({5, 1, 4, 2, 3, 6, 7, 8, 9, 10, 11});
  EXPECT_EQ(p["mean"], 6);
  EXPECT_EQ(p["p10"], 2);
  EXPECT_EQ(p["p50"], 6);
  EXPECT_EQ(p["p90"], 10);
}

TEST(Random, TheSameSeedTheSameNumbers) {
  sim::Random a(3), b(3);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.lognormal(10, 30), b.lognormal(10, 30));
  // The median of the exponential is the median asked for.
  sim::Random r(5);
  int below = 0;
  for (int i = 0; i < 10000; ++i) below += r.exponentialMedian(2.0) < 2.0;
  EXPECT_NEAR(below, 5000, 4 * std::sqrt(2500.0));
}

}  // namespace
}  // namespace voronka::testing
