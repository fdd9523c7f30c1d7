#include "compiler/analysis/conditions.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "compiler/analysis/values.h"
#include "compiler/ast/print.h"

namespace voronka::analysis {
namespace {

using check::TypeKind;
constexpr double kInf = std::numeric_limits<double>::infinity();
// Beyond this many alternatives a formula is not expanded further: it is
// treated as "may hold" (see conditions.h).
constexpr size_t kMaxAlternatives = 256;

const std::vector<std::string> kBoolUniverse = {"false", "true"};
const std::vector<std::string> kOrderUniverse = {"<", "=", ">"};
const std::vector<std::string> kEqualityUniverse = {"=", "≠"};

bool isOrdered(TypeKind k) {
  switch (k) {
    case TypeKind::Number:
    case TypeKind::Money:
    case TypeKind::Duration:
    case TypeKind::Date:
    case TypeKind::DateTime:
    case TypeKind::Time: return true;
    default: return false;
  }
}

bool isDiscrete(TypeKind k) {
  switch (k) {
    case TypeKind::Bool:
    case TypeKind::Enum:
    case TypeKind::User:
    case TypeKind::Text:
    case TypeKind::Url:
    case TypeKind::Email:
    case TypeKind::Phone:
    case TypeKind::Stage:
    case TypeKind::Pipeline: return true;
    default: return false;
  }
}

bool nonEmpty(const Interval& i) { return i.low < i.high || (i.low == i.high && i.lowClosed && i.highClosed); }

// Sorts and merges intervals into disjoint ones.
std::vector<Interval> normalize(std::vector<Interval> in) {
  std::vector<Interval> out;
  in.erase(std::remove_if(in.begin(), in.end(), [](const Interval& i) { return !nonEmpty(i); }), in.end());
  std::sort(in.begin(), in.end(), [](const Interval& a, const Interval& b) {
    return a.low < b.low || (a.low == b.low && a.lowClosed && !b.lowClosed);
  });
  for (const Interval& i : in) {
    if (!out.empty()) {
      Interval& last = out.back();
      bool touches = i.low < last.high || (i.low == last.high && (i.lowClosed || last.highClosed));
      if (touches) {
        if (i.high > last.high || (i.high == last.high && i.highClosed)) {
          last.high = i.high;
          last.highClosed = i.highClosed;
        }
        continue;
      }
    }
    out.push_back(i);
  }
  return out;
}

Interval intersect(const Interval& a, const Interval& b) {
  Interval r;
  if (a.low > b.low) {
    r.low = a.low, r.lowClosed = a.lowClosed;
  } else if (b.low > a.low) {
    r.low = b.low, r.lowClosed = b.lowClosed;
  } else {
    r.low = a.low, r.lowClosed = a.lowClosed && b.lowClosed;
  }
  if (a.high < b.high) {
    r.high = a.high, r.highClosed = a.highClosed;
  } else if (b.high < a.high) {
    r.high = b.high, r.highClosed = b.highClosed;
  } else {
    r.high = a.high, r.highClosed = a.highClosed && b.highClosed;
  }
  return r;
}

}  // namespace

// ───────────────────────────── value sets ─────────────────────────────────

bool ValueSet::empty() const {
  if (none) return false;
  if (kind == Kind::Numeric) return intervals.empty();
  return !complement && items.empty();
}

ValueSet ValueSet::intersect(const ValueSet& other) const {
  ValueSet r = *this;
  r.none = none && other.none;
  if (kind == Kind::Numeric) {
    std::vector<Interval> out;
    for (const auto& a : intervals) {
      for (const auto& b : other.intervals) out.push_back(analysis::intersect(a, b));
    }
    r.intervals = normalize(std::move(out));
    return r;
  }
  r.items.clear();
  if (!complement && !other.complement) {
    std::set_intersection(items.begin(), items.end(), other.items.begin(), other.items.end(),
                          std::inserter(r.items, r.items.end()));
    r.complement = false;
  } else if (complement && other.complement) {
    std::set_union(items.begin(), items.end(), other.items.begin(), other.items.end(),
                   std::inserter(r.items, r.items.end()));
    r.complement = true;
  } else {
    const ValueSet& finite = complement ? other : *this;
    const ValueSet& excluded = complement ? *this : other;
    std::set_difference(finite.items.begin(), finite.items.end(), excluded.items.begin(), excluded.items.end(),
                        std::inserter(r.items, r.items.end()));
    r.complement = false;
  }
  return r;
}

ValueSet ValueSet::complemented() const {
  ValueSet r = *this;
  r.none = !none;
  if (kind == Kind::Numeric) {
    std::vector<Interval> gaps;
    double low = -kInf;
    bool lowClosed = false;
    for (const auto& i : intervals) {
      gaps.push_back(Interval{low, i.low, lowClosed, !i.lowClosed});
      low = i.high;
      lowClosed = !i.highClosed;
    }
    gaps.push_back(Interval{low, kInf, lowClosed, false});
    // Infinite ends are never values: keep them open.
    for (auto& g : gaps) {
      if (std::isinf(g.low)) g.lowClosed = false;
      if (std::isinf(g.high)) g.highClosed = false;
    }
    r.intervals = normalize(std::move(gaps));
    return r;
  }
  if (universe) {
    r.items.clear();
    for (const auto& v : *universe) {
      if (!items.count(v)) r.items.insert(v);
    }
    r.complement = false;
  } else {
    r.complement = !complement;
  }
  return r;
}

// ───────────────────────────── the analyzer ───────────────────────────────

ConditionAnalyzer::ConditionAnalyzer(const check::CheckedProgram& program, const SourceManager& sources)
    : program_(program), sources_(sources) {}

int ConditionAnalyzer::variable(const std::string& key, const std::string& display, TypeKind type) {
  auto it = byKey_.find(key);
  if (it != byKey_.end()) return it->second;
  int index = static_cast<int>(variables_.size());
  variables_.push_back(Variable{key, display, {}, type});
  byKey_.emplace(key, index);
  return index;
}

std::string ConditionAnalyzer::sourceText(const ast::Expr& e) const {
  if (!e.range.valid()) return ast::print(e);
  return sources_.collapsedText(e.range);
}

std::string ConditionAnalyzer::termKey(const ast::Expr& e) const {
  if (const check::ExprInfo* i = program_.info(&e); i && i->name) {
    switch (*i->name) {
      case check::NameKind::Field: return fmt::format("field:{}", i->index);
      case check::NameKind::Payload: return fmt::format("payload:{}", ast::print(e));
      case check::NameKind::User: return fmt::format("user:{}", i->index);
      case check::NameKind::EnumMember: return fmt::format("member:{}:{}", i->type.enumId, i->index);
      case check::NameKind::Function: break;
      default: return fmt::format("builtin:{}", static_cast<int>(*i->name));
    }
  }
  return ast::print(e);
}

const std::vector<std::string>* ConditionAnalyzer::universeOf(const ast::Expr& term) const {
  const check::ExprInfo* i = program_.info(&term);
  if (!i) return nullptr;
  if (i->type.is(TypeKind::Bool)) return &kBoolUniverse;
  if (i->type.is(TypeKind::Enum) && i->type.enumId < program_.enums.size()) {
    return &program_.enums[i->type.enumId].members;
  }
  return nullptr;  // texts and users: an open set of values
}

Formula ConditionAnalyzer::dealStageIs(const std::string& qualifiedStage) {
  // The key and value form of `deal.stage` and of a stage constant, as
  // termKey() and values.cpp make them.
  int var =
      variable(fmt::format("builtin:{}", static_cast<int>(check::NameKind::DealStage)), "deal.stage", TypeKind::Stage);
  ValueSet set;
  set.kind = ValueSet::Kind::Discrete;
  set.items = {qualifiedStage};
  return constrain(var, std::move(set), true);
}

Formula ConditionAnalyzer::constrain(int var, ValueSet set, bool positive) {
  if (!positive) set = set.complemented();
  if (set.empty()) return Formula::never();
  Formula f;
  f.alternatives.push_back(Conjunct{{var, std::move(set)}});
  return f;
}

Formula ConditionAnalyzer::formula(const ast::Expr& e, bool positive) {
  switch (e.kind) {
    case ast::ExprKind::Bool: return e.as<ast::BoolExpr>().value == positive ? Formula::always() : Formula::never();
    case ast::ExprKind::Unary: {
      const auto& u = e.as<ast::UnaryExpr>();
      if (u.op == ast::UnaryOp::Not && u.operand) return formula(*u.operand, !positive);
      break;
    }
    case ast::ExprKind::Binary: {
      const auto& b = e.as<ast::BinaryExpr>();
      if (!b.lhs || !b.rhs) break;
      if (b.op == ast::BinaryOp::And || b.op == ast::BinaryOp::Or) {
        Formula l = formula(*b.lhs, positive);
        Formula r = formula(*b.rhs, positive);
        // not (a and b) = not a or not b; not (a or b) = not a and not b.
        bool conjunctive = (b.op == ast::BinaryOp::And) == positive;
        return conjunctive ? both(l, r) : either(l, r);
      }
      return atom(e, positive);
    }
    default: break;
  }
  return atom(e, positive);
}

Formula ConditionAnalyzer::atom(const ast::Expr& e, bool positive) {
  if (e.kind == ast::ExprKind::Binary) {
    const auto& b = e.as<ast::BinaryExpr>();
    switch (b.op) {
      case ast::BinaryOp::Eq:
      case ast::BinaryOp::Ne:
      case ast::BinaryOp::Lt:
      case ast::BinaryOp::Le:
      case ast::BinaryOp::Gt:
      case ast::BinaryOp::Ge:
      case ast::BinaryOp::In:
      case ast::BinaryOp::NotIn:
      case ast::BinaryOp::Has: return comparison(b, positive);
      default: break;
    }
  }
  return boolTerm(e, positive);
}

// A bool-valued expression the analysis sees as one variable: a bool field
// or payload field, a call such as `is_workday(today)`, or anything else.
Formula ConditionAnalyzer::boolTerm(const ast::Expr& e, bool positive) {
  ValueSet set;
  set.kind = ValueSet::Kind::Discrete;
  set.universe = &kBoolUniverse;
  set.items = {"true"};
  int var = variable(termKey(e), sourceText(e), TypeKind::Bool);
  return constrain(var, std::move(set), positive);
}

ValueSet ConditionAnalyzer::fullSet(const ast::Expr& term, TypeKind kind) const {
  ValueSet s;
  s.none = true;
  if (isOrdered(kind)) {
    s.kind = ValueSet::Kind::Numeric;
    s.intervals = {Interval{-kInf, kInf, false, false}};
  } else {
    s.kind = ValueSet::Kind::Discrete;
    s.universe = universeOf(term);
    if (s.universe) {
      s.items.insert(s.universe->begin(), s.universe->end());
    } else {
      s.complement = true;
    }
  }
  return s;
}

Formula ConditionAnalyzer::comparison(const ast::BinaryExpr& b, bool positive) {
  using Op = ast::BinaryOp;
  const ast::Expr* lhs = b.lhs.get();
  const ast::Expr* rhs = b.rhs.get();
  Op op = b.op;

  if (op == Op::Has) {
    std::optional<Constant> tag = constantOf(*rhs, program_);
    if (!tag || tag->kind != Constant::Kind::Text) return boolTerm(b, positive);
    ValueSet set;
    set.universe = &kBoolUniverse;
    set.items = {"true"};
    int var = variable("has:" + termKey(*lhs) + ":" + tag->text, sourceText(b), TypeKind::Bool);
    return constrain(var, std::move(set), positive);
  }

  if (op == Op::In || op == Op::NotIn) {
    if (rhs->kind != ast::ExprKind::List) return boolTerm(b, positive);
    std::vector<Constant> items;
    for (const auto& item : rhs->as<ast::ListExpr>().items) {
      std::optional<Constant> c = constantOf(*item, program_);
      if (!c || c->kind == Constant::Kind::None) return boolTerm(b, positive);
      items.push_back(*c);
    }
    const check::ExprInfo* info = program_.info(lhs);
    if (!info || constantOf(*lhs, program_)) return boolTerm(b, positive);
    TypeKind kind = info->type.kind;
    ValueSet set = fullSet(*lhs, kind);
    set.none = false;
    if (isOrdered(kind)) {
      set.intervals.clear();
      for (const auto& c : items) {
        if (c.kind != Constant::Kind::Number) return boolTerm(b, positive);
        set.intervals.push_back(Interval{c.number, c.number, true, true});
      }
      set.intervals = normalize(std::move(set.intervals));
    } else if (isDiscrete(kind)) {
      set.items.clear();
      set.complement = false;
      for (const auto& c : items) set.items.insert(c.text);
    } else {
      return boolTerm(b, positive);
    }
    if (op == Op::NotIn) {
      // `x not in [..]` is a comparison: false while x is empty.
      set = set.complemented();
      set.none = false;
    }
    int var = variable(termKey(*lhs), sourceText(*lhs), kind);
    return constrain(var, std::move(set), positive);
  }

  std::optional<Constant> lc = constantOf(*lhs, program_);
  std::optional<Constant> rc = constantOf(*rhs, program_);
  auto flip = [](Op o) {
    switch (o) {
      case Op::Lt: return Op::Gt;
      case Op::Le: return Op::Ge;
      case Op::Gt: return Op::Lt;
      case Op::Ge: return Op::Le;
      default: return o;
    }
  };
  if (lc && rc) {
    std::optional<bool> value = evaluate(*lc, op, *rc);
    if (!value) return boolTerm(b, positive);
    return *value == positive ? Formula::always() : Formula::never();
  }
  const check::ExprInfo* li = program_.info(lhs);
  const check::ExprInfo* ri = program_.info(rhs);
  if (!lc && !rc) {
    // A relation between two terms: one variable over {<, =, >} or {=, ≠}.
    if (!li || !ri) return boolTerm(b, positive);
    std::string lk = termKey(*lhs), rk = termKey(*rhs);
    if (lk == rk) {
      // `x == x`: true unless x is empty; `x < x`: never.
      bool reflexive = op == Op::Eq || op == Op::Le || op == Op::Ge;
      if (!reflexive) return positive ? Formula::never() : Formula::always();
      ValueSet set = fullSet(*lhs, li->type.kind);
      set.none = false;
      int var = variable(lk, sourceText(*lhs), li->type.kind);
      return constrain(var, std::move(set), positive);
    }
    std::string ld = sourceText(*lhs), rd = sourceText(*rhs);
    if (rk < lk) {
      std::swap(lk, rk);
      std::swap(ld, rd);
      op = flip(op);
    }
    bool ordered = isOrdered(li->type.kind);
    ValueSet set;
    set.universe = ordered ? &kOrderUniverse : &kEqualityUniverse;
    switch (op) {
      case Op::Eq: set.items = {"="}; break;
      case Op::Ne: set.items = ordered ? std::set<std::string>{"<", ">"} : std::set<std::string>{"≠"}; break;
      case Op::Lt: set.items = {"<"}; break;
      case Op::Le: set.items = {"<", "="}; break;
      case Op::Gt: set.items = {">"}; break;
      case Op::Ge: set.items = {">", "="}; break;
      default: return boolTerm(b, positive);
    }
    int var = variable("rel:" + lk + "|" + rk, ld + " ? " + rd, li->type.kind);
    variables_[var].display = ld;
    variables_[var].other = rd;
    return constrain(var, std::move(set), positive);
  }
  // One side is a constant: put the term on the left.
  if (lc) {
    std::swap(lhs, rhs);
    std::swap(li, ri);
    rc = lc;
    op = flip(op);
  }
  if (!li) return boolTerm(b, positive);
  TypeKind kind = li->type.kind;
  int var = variable(termKey(*lhs), sourceText(*lhs), kind);
  ValueSet set = fullSet(*lhs, kind);
  if (rc->kind == Constant::Kind::None) {
    // `x == none` holds exactly when x is empty; `x != none` when it is set.
    if (op != Op::Eq && op != Op::Ne) return boolTerm(b, positive);
    if (op == Op::Eq) {
      set.intervals.clear();
      set.items.clear();
      set.complement = false;
      set.none = true;
    } else {
      set.none = false;
    }
    return constrain(var, std::move(set), positive);
  }
  set.none = false;  // any other comparison is false while x is empty
  if (isOrdered(kind)) {
    if (rc->kind != Constant::Kind::Number) return boolTerm(b, positive);
    double c = rc->number;
    switch (op) {
      case Op::Eq: set.intervals = {Interval{c, c, true, true}}; break;
      case Op::Ne: set.intervals = {Interval{-kInf, c, false, false}, Interval{c, kInf, false, false}}; break;
      case Op::Lt: set.intervals = {Interval{-kInf, c, false, false}}; break;
      case Op::Le: set.intervals = {Interval{-kInf, c, false, true}}; break;
      case Op::Gt: set.intervals = {Interval{c, kInf, false, false}}; break;
      case Op::Ge: set.intervals = {Interval{c, kInf, true, false}}; break;
      default: return boolTerm(b, positive);
    }
    return constrain(var, std::move(set), positive);
  }
  if (isDiscrete(kind) && (op == Op::Eq || op == Op::Ne) && rc->kind != Constant::Kind::Number) {
    ValueSet single = set;
    single.items = {rc->text};
    single.complement = false;
    if (op == Op::Eq) return constrain(var, std::move(single), positive);
    ValueSet others = single.complemented();
    others.none = false;
    return constrain(var, std::move(others), positive);
  }
  return boolTerm(b, positive);
}

// ───────────────────────────── combining ──────────────────────────────────

Formula ConditionAnalyzer::both(const Formula& a, const Formula& b) {
  if ((!a.unknown && a.alternatives.empty()) || (!b.unknown && b.alternatives.empty())) return Formula::never();
  if (a.unknown || b.unknown) return Formula{{}, true};
  Formula r;
  for (const auto& x : a.alternatives) {
    for (const auto& y : b.alternatives) {
      Conjunct c = x;
      bool empty = false;
      for (const auto& [var, set] : y) {
        auto it = c.find(var);
        if (it == c.end()) {
          c.emplace(var, set);
        } else {
          it->second = it->second.intersect(set);
          if (it->second.empty()) {
            empty = true;
            break;
          }
        }
      }
      if (empty) continue;
      r.alternatives.push_back(std::move(c));
      if (r.alternatives.size() > kMaxAlternatives) return Formula{{}, true};
    }
  }
  return r;
}

Formula ConditionAnalyzer::either(const Formula& a, const Formula& b) {
  if (a.unknown || b.unknown) return Formula{{}, true};
  Formula r = a;
  r.alternatives.insert(r.alternatives.end(), b.alternatives.begin(), b.alternatives.end());
  if (r.alternatives.size() > kMaxAlternatives) return Formula{{}, true};
  return r;
}

Formula ConditionAnalyzer::negate(const Formula& f) {
  if (f.unknown) return f;
  Formula result = Formula::always();
  for (const auto& conjunct : f.alternatives) {
    // not (x ∈ A and y ∈ B) = x ∉ A or y ∉ B
    Formula any = Formula::never();
    for (const auto& [var, set] : conjunct) {
      ValueSet out = set.complemented();
      if (out.empty()) continue;
      Formula one;
      one.alternatives.push_back(Conjunct{{var, std::move(out)}});
      any = either(any, one);
    }
    result = both(result, any);
    if (result.unknown || result.alternatives.empty()) return result;
  }
  return result;
}

Formula ConditionAnalyzer::conjunction(const std::vector<Literal>& literals) {
  Formula f = Formula::always();
  for (const auto& l : literals) {
    if (!l.expr) continue;
    f = both(f, formula(*l.expr, l.positive));
  }
  return f;
}

// ───────────────────────────── examples for messages ──────────────────────

std::string ConditionAnalyzer::describe(int var, const ValueSet& set) const {
  const Variable& v = variables_[var];
  if (v.key.rfind("rel:", 0) == 0) {
    if (set.items.empty()) return "";
    std::string op = *set.items.begin();
    if (op == "≠") op = "!=";
    if (op == "=") op = "==";
    return v.display + " " + op + " " + v.other;
  }
  if (v.key.rfind("has:", 0) == 0) {
    return set.items.count("true") ? v.display : "not " + v.display;
  }
  if (set.kind == ValueSet::Kind::Numeric) {
    if (set.intervals.empty()) return set.none ? v.display + " is empty" : "";
    if (set.intervals.size() == 1 && std::isinf(set.intervals[0].low) && std::isinf(set.intervals[0].high)) {
      return "";  // unconstrained apart from being set
    }
    return v.display + " is " + showValue(samplePoint(set.intervals.front(), v.type), v.type);
  }
  if (!set.complement && !set.items.empty()) {
    if (set.universe && set.items.size() == set.universe->size()) return set.none ? "" : v.display + " is set";
    const std::string& value = *set.items.begin();
    if (v.type == TypeKind::Bool && v.key.rfind("opaque", 0) != 0) {
      return value == "true" ? v.display : "not " + v.display;
    }
    if (v.type == TypeKind::Text || v.type == TypeKind::Url || v.type == TypeKind::Email || v.type == TypeKind::Phone) {
      return v.display + " is \"" + value + "\"";
    }
    if (v.type == TypeKind::User) return v.display + " is " + value;
    return v.display + " is " + value;
  }
  if (!set.complement && set.items.empty() && set.none) return v.display + " is empty";
  return "";
}

std::string ConditionAnalyzer::witness(const Formula& f) const {
  if (f.unknown || f.alternatives.empty()) return "";
  std::string out;
  for (const auto& [var, set] : f.alternatives.front()) {
    std::string part = describe(var, set);
    if (part.empty()) continue;
    out += (out.empty() ? "" : " and ") + part;
  }
  return out;
}

}  // namespace voronka::analysis
