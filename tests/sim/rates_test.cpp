// A rates file's mistakes come back as FILE:LINE:COL and what is wrong.
#include <gtest/gtest.h>

#include "tests/sim/sim_support.h"
#include "tools/sim/simulation.h"

namespace voronka::testing {
namespace {

const char* kFunnel = R"(
account "A" { timezone "Europe/Moscow" }
field budget: money
field kind: enum { a "A", b "B" }
pipeline p "P" {
  stage a "A" initial { on call_missed -> b }
  stage b "B" { on payment_received { win } }
  won "Won"
  lost "Lost" reasons { "Дорого" other "Другое" }
}
)";

// The error for `text`, which must start with the file's path and `where`.
std::string errorOf(const std::string& text, const std::string& where) {
  static bc::Module m = simModule(kFunnel);
  Result<sim::Rates> r = loadText(m, "bad", text);
  if (r) return "(loaded)";
  std::string path = writeRates("bad", "");
  EXPECT_EQ(r.error().rfind(path + ":" + where, 0), 0u) << r.error();
  return r.error().substr(path.size());
}

TEST(RatesFile, AGoodFileLoads) {
  bc::Module m = simModule(kFunnel);
  Result<sim::Rates> r = loadText(m, "good", R"(
start = 2027-03-01T10:00:00
revenue = "budget"
[fields]
budget = { uniform = [100, 200] }
kind = { choose = { a = 1, b = 3 } }
[[stage.a]]
delay = "1h"
event = "call_missed"
[[stage.b]]
probability = 0.2
delay = { lognormal = "1d", p90 = "3d" }
move = "lost"
reason = "Дорого"
)");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->revenueField, 0);
  EXPECT_EQ(r->actions[0][0].size(), 1u);
  EXPECT_EQ(r->actions[0][1][0].line, 10);
  EXPECT_EQ(r->actions[0][1][0].event["reason"], "Дорого");
  EXPECT_EQ(r->fields[1].second.choices[0].second, 0.25);
}

TEST(RatesFile, MistakesNameTheirLine) {
  EXPECT_NE(errorOf("x = \n", "1:").find(":"), std::string::npos);  // TOML syntax
  EXPECT_NE(errorOf("colour = 1\n", "1:1:").find("unknown key \"colour\""), std::string::npos);
  EXPECT_NE(errorOf("[[stage.zz]]\ndelay = \"1h\"\nevent = \"call_missed\"\n", "1:").find("no stage \"zz\""),
            std::string::npos);
  EXPECT_NE(errorOf("[[stage.a]]\ndelay = \"1h\"\nevent = \"call_mised\"\n", "3:9:").find("no client event"),
            std::string::npos);
  EXPECT_NE(errorOf("[[stage.a]]\nprobability = 1.5\ndelay = \"1h\"\nevent = \"call_missed\"\n", "2:")
                .find("between 0 and 1"),
            std::string::npos);
  EXPECT_NE(errorOf("[[stage.a]]\ndelay = \"soon\"\nevent = \"call_missed\"\n", "2:").find("duration"),
            std::string::npos);
  EXPECT_NE(errorOf("[[stage.a]]\ndelay = { lognormal = \"1d\" }\nevent = \"call_missed\"\n", "2:").find("p90"),
            std::string::npos);
  EXPECT_NE(errorOf("[[stage.a]]\nevent = \"call_missed\"\n", "1:").find("no delay"), std::string::npos);
  EXPECT_NE(
      errorOf("[[stage.b]]\ndelay = \"1d\"\nmove = \"lost\"\nreason = \"Далеко\"\n", "4:").find("not a loss reason"),
      std::string::npos);
  EXPECT_NE(
      errorOf("[[stage.b]]\ndelay = \"1d\"\nmove = \"lost\"\nevent = \"call_missed\"\n", "1:").find("exactly one of"),
      std::string::npos);
  EXPECT_NE(errorOf("[[stage.a]]\nchoice = \"x\"\nprobability = 0.7\ndelay = \"1h\"\nevent = \"call_missed\"\n"
                    "[[stage.a]]\nchoice = \"x\"\nprobability = 0.4\ndelay = \"1h\"\nevent = \"call_missed\"\n",
                    "6:")
                .find("add up to more than 1"),
            std::string::npos);
  EXPECT_NE(errorOf("[fields]\nbudjet = 5\n", "2:").find("no field \"budjet\""), std::string::npos);
  EXPECT_NE(errorOf("revenue = \"kind\"\n", "1:").find("number or money"), std::string::npos);
}

// A value of the wrong type is found by the engine when the event is made:
// the error still names the rates file's line.
TEST(RatesFile, AnEventTheEngineRefusesNamesItsLine) {
  bc::Module m = simModule(kFunnel);
  Result<sim::Rates> r = loadText(m, "refused",
                                  "arrive = \"start\"\n[[stage.a]]\ndelay = \"1h\"\nevent = \"call_missed\"\n"
                                  "[[stage.b]]\ndelay = \"1h\"\nevent = \"payment_received\"\n"
                                  "payload = { amount = \"lots\" }\n");
  ASSERT_TRUE(r) << r.error();
  sim::SimOptions o;
  o.deals = 3;
  Result<sim::RunResult> run = sim::simulate(m, *r, o);
  ASSERT_FALSE(run);
  EXPECT_NE(run.error().find("refused.toml:5: the engine refused"), std::string::npos) << run.error();
}

}  // namespace
}  // namespace voronka::testing
