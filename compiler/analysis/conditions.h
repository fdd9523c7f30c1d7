// Conditions as sets of values: can a condition ever hold, can two hold at
// once? Used by the lints for conflicting triggers, guards that never hold and
// rules that never run.
//
// A condition is turned into a disjunction of conjunctions (DNF). Each
// conjunction constrains variables: a *term* the condition tests (a field, a
// payload field, `time_in_stage`, `len(goal)`, …, keyed by its meaning, so
// `budget` and `deal.budget` are one variable) or a *relation* between two
// terms (`paid + amount >= budget`). A constraint is the set of values the
// variable may take, `none` included or not:
//
//   numbers, money, durations, dates, datetimes: unions of intervals
//   enums, bools, users: subsets of their members
//   texts (and url, email, phone): finite sets of literals or their complements
//   relations: a subset of {<, =, >} (or {=, ≠} for unordered types)
//   `tags has "x"`, and any other bool expression: {true}, {false}
//
// Comparisons with `none` are false except `== none` (section 8.6 of the
// language reference), so `not (budget > 0)` allows `none` and `budget <= 0`
// does not. Expressions the analysis does not understand become independent
// boolean variables keyed by their text: `f(x)` and `not f(x)` exclude each
// other, `f(x)` and `g(x)` may both hold. Relations between terms are not
// combined with the terms' own ranges, so `a > b and b > 10 and a < 5` counts
// as satisfiable: the analysis errs towards "may hold" only there.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/check/program.h"

namespace voronka::analysis {

// A half-open or closed interval of the extended real line.
struct Interval {
  double low, high;
  bool lowClosed, highClosed;
};

// The values one variable may take.
struct ValueSet {
  enum class Kind : uint8_t { Numeric, Discrete };
  Kind kind = Kind::Discrete;
  bool none = false;                                   // may the variable be empty?
  std::vector<Interval> intervals;                     // Numeric: sorted, disjoint
  bool complement = false;                             // Discrete: everything but `items` (infinite universe only)
  std::set<std::string> items;                         // Discrete: the allowed values
  const std::vector<std::string>* universe = nullptr;  // Discrete: finite universe, if any

  bool empty() const;
  ValueSet intersect(const ValueSet& other) const;
  ValueSet complemented() const;
};

struct Variable {
  std::string key;      // identity: "field:3", "payload:amount", "(+ paid amount)"…
  std::string display;  // as written in the source, for messages
  std::string other;    // relations: the right-hand term as written
  check::TypeKind type = check::TypeKind::Bool;
};

// One alternative of a DNF: variable index → allowed values. An absent
// variable is unconstrained.
using Conjunct = std::map<int, ValueSet>;

struct Formula {
  std::vector<Conjunct> alternatives;  // empty: never holds
  bool unknown = false;                // too large to analyse: assume it may hold
  static Formula always() { return Formula{{Conjunct{}}, false}; }
  static Formula never() { return Formula{{}, false}; }
};

// A condition with its polarity, as collected along a path of a rule:
// `when c` gives {c, true}; the else branch of `if c` gives {c, false}.
struct Literal {
  const ast::Expr* expr = nullptr;
  bool positive = true;
};

class ConditionAnalyzer {
 public:
  ConditionAnalyzer(const check::CheckedProgram& program, const SourceManager& sources);

  Formula formula(const ast::Expr& e, bool positive = true);
  Formula conjunction(const std::vector<Literal>& literals);
  Formula both(const Formula& a, const Formula& b);
  Formula either(const Formula& a, const Formula& b);
  Formula negate(const Formula& f);
  // `deal.stage` is the given stage ("pipeline.stage"): conjoined with a
  // rule's condition, says whether the rule can run there.
  Formula dealStageIs(const std::string& qualifiedStage);

  // May the formula hold for some deal? `unknown` formulas may.
  static bool satisfiable(const Formula& f) { return f.unknown || !f.alternatives.empty(); }
  // A readable example of values that satisfy the formula ("budget is 150000
  // and source is ads"), or empty when there is nothing to say.
  std::string witness(const Formula& f) const;

  const std::vector<Variable>& variables() const { return variables_; }

 private:
  Formula atom(const ast::Expr& e, bool positive);
  Formula comparison(const ast::BinaryExpr& e, bool positive);
  Formula boolTerm(const ast::Expr& e, bool positive);
  Formula constrain(int var, ValueSet set, bool positive);
  int variable(const std::string& key, const std::string& display, check::TypeKind type);
  std::string termKey(const ast::Expr& e) const;
  std::string sourceText(const ast::Expr& e) const;
  ValueSet fullSet(const ast::Expr& term, check::TypeKind kind) const;
  const std::vector<std::string>* universeOf(const ast::Expr& term) const;
  std::string describe(int var, const ValueSet& set) const;

  const check::CheckedProgram& program_;
  const SourceManager& sources_;
  std::vector<Variable> variables_;
  std::map<std::string, int> byKey_;
  std::vector<std::unique_ptr<std::vector<std::string>>> universes_;
};

}  // namespace voronka::analysis
