// The interval/set analysis of conditions behind conflicting-triggers,
// require-never-holds and rule-never-fires.
#include <gtest/gtest.h>

#include "compiler/analysis/conditions.h"
#include "tests/unit/test_support.h"

namespace voronka {
namespace {

using analysis::ConditionAnalyzer;
using analysis::Formula;

// Compiles `require A` and `require B` guards and answers questions about them.
class Conditions : public ::testing::Test {
 protected:
  void load(const std::vector<std::string>& conditions) {
    std::string guards;
    for (const auto& c : conditions) guards += "require " + c + "\n";
    compiled_ = testing::compile(R"(
field budget: money
field paid: money
field rating: number
field source: enum { site, call, ads }
field vip: bool
field goal: text
field meeting_at: datetime
field manager: user
team sales { ivanov petrova }
)" + testing::pipeline("stage s {\n" + guards + "}"));
    ASSERT_TRUE(compiled_->program) << compiled_->ids().size();
    ASSERT_TRUE(compiled_->sink.all().empty()) << compiled_->sink.all().front().message;
    analyzer_ = std::make_unique<ConditionAnalyzer>(*compiled_->program, compiled_->sources);
  }
  Formula f(size_t i) {
    return analyzer_->formula(*compiled_->program->pipelines[0].stages[0].decl->guards[i].condition);
  }
  bool overlap(const std::string& a, const std::string& b) {
    load({a, b});
    return ConditionAnalyzer::satisfiable(analyzer_->both(f(0), f(1)));
  }
  bool possible(const std::string& a) {
    load({a});
    return ConditionAnalyzer::satisfiable(f(0));
  }
  bool alwaysTogether(const std::string& a, const std::string& b) {  // a or b is a tautology
    load({a, b});
    Formula rest = analyzer_->negate(analyzer_->either(f(0), f(1)));
    return !rest.unknown && !ConditionAnalyzer::satisfiable(rest);
  }

  std::unique_ptr<testing::Compiled> compiled_;
  std::unique_ptr<ConditionAnalyzer> analyzer_;
};

TEST_F(Conditions, NumericRanges) {
  EXPECT_TRUE(overlap("budget > 100_000", "budget > 50_000"));
  EXPECT_FALSE(overlap("budget > 100_000", "budget <= 100_000"));
  EXPECT_FALSE(overlap("budget >= 100_000", "budget < 100_000"));
  EXPECT_TRUE(overlap("budget >= 100_000", "budget <= 100_000"));  // exactly 100 000
  EXPECT_FALSE(overlap("budget > 10 and budget < 20", "budget >= 20 or budget <= 10"));
  EXPECT_TRUE(overlap("rating in [1, 2, 3]", "rating >= 3"));
  EXPECT_FALSE(overlap("rating in [1, 2]", "rating > 2"));
  EXPECT_FALSE(overlap("rating == 5", "rating != 5"));
  EXPECT_FALSE(possible("budget > 100 and budget < 50"));
  EXPECT_TRUE(possible("-budget < 5"));  // not understood: a yes/no of its own
  EXPECT_FALSE(overlap("-budget < 5", "not (-budget < 5)"));
}

TEST_F(Conditions, DatesCompareAsTime) {
  EXPECT_FALSE(overlap("meeting_at < 2026-12-01T10:00", "meeting_at >= 2026-12-01T10:00"));
  EXPECT_TRUE(overlap("meeting_at < 2026-12-02T00:00", "meeting_at > 2026-12-01T23:00"));
}

TEST_F(Conditions, EnumsBoolsUsersAndTextsAreSets) {
  EXPECT_FALSE(overlap("source in [site, ads]", "source == call"));
  EXPECT_TRUE(overlap("source in [site, ads]", "source != call"));
  EXPECT_FALSE(overlap("source == site and source == ads", "true"));
  EXPECT_FALSE(possible("source != site and source != call and source != ads"));
  EXPECT_TRUE(possible("source not in [site, call]"));
  EXPECT_FALSE(possible("source not in [site, call, ads]"));
  EXPECT_FALSE(overlap("vip", "not vip"));
  EXPECT_FALSE(overlap("vip == true", "vip == false"));
  EXPECT_FALSE(overlap("manager == ivanov", "manager == petrova"));
  EXPECT_FALSE(overlap("goal == \"диван\"", "goal == \"кресло\""));
  EXPECT_TRUE(overlap("goal != \"диван\"", "goal != \"кресло\""));
}

TEST_F(Conditions, EmptyFieldsFollowTheLanguage) {
  // Comparisons are false on an empty field; `not` turns that into true.
  EXPECT_FALSE(overlap("budget == none", "budget != none"));
  EXPECT_FALSE(overlap("budget == none", "budget > 0"));
  EXPECT_TRUE(overlap("budget == none", "not (budget > 0)"));
  EXPECT_FALSE(overlap("budget == none", "budget <= 0"));
  EXPECT_FALSE(overlap("source == none", "source != site"));
  EXPECT_TRUE(alwaysTogether("budget > 0", "not (budget > 0)"));
  EXPECT_FALSE(alwaysTogether("budget > 0", "budget <= 0"));  // an empty budget is neither
  EXPECT_TRUE(alwaysTogether("vip", "not vip"));
}

TEST_F(Conditions, TermsComparedWithEachOther) {
  EXPECT_FALSE(overlap("paid > budget", "paid <= budget"));
  EXPECT_FALSE(overlap("paid > budget", "budget > paid"));
  EXPECT_TRUE(overlap("paid >= budget", "budget >= paid"));  // equal
  EXPECT_FALSE(overlap("paid + 1 == budget", "paid + 1 != budget"));
  EXPECT_FALSE(possible("budget < budget"));
}

TEST_F(Conditions, WitnessShowsValuesForBoth) {
  load({"budget >= 100_000 and source in [site, ads]", "budget > 50_000 and source != site"});
  Formula both = analyzer_->both(f(0), f(1));
  ASSERT_TRUE(ConditionAnalyzer::satisfiable(both));
  EXPECT_EQ(analyzer_->witness(both), "budget is 100000 and source is ads");
}

TEST_F(Conditions, HugeFormulasAreUnknownNotWrong) {
  std::string big;
  // Ten independent choices: 1024 alternatives, more than the analysis expands.
  for (int i = 0; i < 10; ++i) {
    std::string n = std::to_string(i);
    big +=
        std::string(big.empty() ? "" : " and ") + "(contains(goal, \"a" + n + "\") or contains(goal, \"b" + n + "\"))";
  }
  load({big});
  Formula x = f(0);
  EXPECT_TRUE(x.unknown);
  EXPECT_TRUE(ConditionAnalyzer::satisfiable(x));
}

}  // namespace
}  // namespace voronka
