// The AST dump (`voronka check --emit=ast`): every field of every node, as
// ast.h lists them (VORONKA_AST_FIELDS), so a new field shows up without a
// change here. One line per node — its name (an action's keyword), its plain
// fields as `name=value` and `@line:col` — and its child nodes indented below.
// Expressions are S-expressions (print.h). A flag or `true` shows as its
// name alone; absent, empty and `false` fields are left out.
#include <fmt/format.h>

#include <cmath>

#include "compiler/ast/ast.h"
#include "compiler/ast/print.h"
#include "compiler/ast/walk.h"

namespace voronka::ast {
namespace {

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  out += '"';
  return out;
}

std::string durationText(const Duration& d) {
  if (!d.hasUnit) return fmt::format("{}?", d.seconds);
  if (d.workdays) return fmt::format("{}workdays", d.workdays);
  return fmt::format("{}s", d.seconds);
}

std::string timeText(const TimeOfDay& t) { return fmt::format("{:02}:{:02}", t.minutes / 60, t.minutes % 60); }
std::string dateText(const Date& d) { return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day); }

const char* policyName(PolicyKind k) {
  switch (k) {
    case PolicyKind::ManualForward: return "manual-forward";
    case PolicyKind::ManualBackward: return "manual-backward";
    case PolicyKind::TriggersForward: return "triggers-forward";
    case PolicyKind::TriggersBackward: return "triggers-backward";
    case PolicyKind::Calendar: return "calendar";
  }
  return "?";
}

// ── what a value is in the dump ──────────────────────────────────────────

template <typename T>
inline constexpr bool kIsBlock = std::is_same_v<T, Block>;

// Structs shown on a line of their own, with their children below.
template <typename T>
inline constexpr bool kIsLine =
    (std::is_base_of_v<Node, T> && !std::is_base_of_v<Expr, T> && !kIsBlock<T>) || std::is_same_v<T, Require> ||
    std::is_same_v<T, Policy> || std::is_same_v<T, WorkhoursSpec> || std::is_same_v<T, TeamDecl::Member> ||
    std::is_same_v<T, EnumMember> || std::is_same_v<T, EventDecl::Param> || std::is_same_v<T, LossReason> ||
    std::is_same_v<T, IfAction::Branch> || std::is_same_v<T, DateRange> || std::is_same_v<T, Decl> ||
    std::is_same_v<T, Action> || std::is_same_v<T, TestStmt>;

template <typename T>
struct Shape {  // a child (a line or a block), else a value on its parent's line
  static constexpr bool child = kIsLine<T> || kIsBlock<T>;
};
template <typename T>
struct Shape<std::vector<T>> : Shape<T> {};
template <typename T>
struct Shape<std::unique_ptr<T>> : Shape<T> {};
template <typename T>
struct Shape<std::optional<T>> : Shape<T> {};

// ── values: "" when there is nothing to show ─────────────────────────────

std::string value(const std::string& s) { return s.empty() ? "" : quote(s); }
std::string value(const Ident& i) { return i.text; }
std::string value(const Text& t) { return quote(t.value); }
std::string value(const InterpolatedText& t) { return t.parts.empty() ? "" : quote(t.display()); }
std::string value(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}
std::string value(const Duration& d) { return durationText(d); }
std::string value(const TimeOfDay& t) { return timeText(t); }
std::string value(const Date& d) { return dateText(d); }
std::string value(const ExprPtr& e) { return e ? print(*e) : ""; }
std::string value(const Path& p) { return p.joined(); }
std::string value(const WithinWorkhours& w) { return w.earlier ? "earlier" : "later"; }
std::string value(const LateClause& l) { return l.skip ? "skip" : "run"; }
std::string value(const WorkhoursSpec::Window& w) { return timeText(w.from) + "-" + timeText(w.to); }
std::string value(TaskFilter f) { return std::string(lang::keyword(f)); }
std::string value(TemplateKind k) { return std::string(lang::keyword(k)); }
std::string value(StageKind k) { return std::string(lang::keyword(k)); }
std::string value(PolicyKind k) { return policyName(k); }
std::string value(ExpectKind k) { return keyword(k); }
std::string value(SplitChoice c) { return keyword(c); }
std::string value(const EventRef& e) {
  std::string s = e.name.text;
  if (e.arg) s += "(" + (e.argIsString ? quote(e.arg->text) : e.arg->text) + ")";
  return s;
}
std::string value(const MoveTarget& t) {
  if (t.isNext) return "next";
  return t.pipeline ? t.pipeline->text + "." + t.stage.text : t.stage.text;
}
std::string value(const Assignee& a) { return a.team ? a.name.text + "(" + a.team->text + ")" : a.name.text; }
std::string value(const TypeSyntax& t) {
  if (!t.isEnum) return t.name.text;
  std::string s = "enum{";
  for (size_t i = 0; i < t.members.size(); ++i) {
    if (i) s += ' ';
    s += t.members[i].name.text;
    if (t.members[i].title) s += "=" + quote(t.members[i].title->value);
  }
  return s + "}";
}
std::string value(const FieldInit& f) { return f.path.joined() + "=" + (f.value ? print(*f.value) : ""); }
std::string value(const ResponsibleInit& r) { return r.user.text; }
std::string value(const Timing& t) {
  switch (t.kind) {
    case TimingKind::None: return "";
    case TimingKind::After: return "after " + durationText(t.delay) + (t.atTime ? " at " + timeText(*t.atTime) : "");
    case TimingKind::At: return "at " + value(t.at);
    case TimingKind::Every:
      return "every " + durationText(t.delay) + (t.whileCondition ? " while " + print(*t.whileCondition) : "");
  }
  return "";
}
std::string value(const std::vector<MapEntry>& entries) {
  if (entries.empty()) return "";
  std::string s = "{";
  for (size_t i = 0; i < entries.size(); ++i)
    s += (i ? ", " : "") + entries[i].key.text + ": " + value(entries[i].value);
  return s + "}";
}
template <typename T>
std::string value(const std::vector<T>& items) {
  if (items.empty()) return "";
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i) s += (i ? " " : "") + value(items[i]);
  return s + "]";
}
template <typename T>
std::string value(const std::optional<T>& x) {
  return x ? value(*x) : "";
}

// One `name=value` (or `name` for a flag) on a node's line.
template <typename T>
void appendField(std::string& line, std::string_view name, const T& x) {
  if constexpr (std::is_same_v<T, bool>) {
    if (x) line += fmt::format(" {}", name);
  } else if constexpr (std::is_same_v<T, std::optional<SourceRange>>) {
    if (x) line += fmt::format(" {}", name);  // a keyword that was written: `once`, `initial`…
  } else if constexpr (std::is_same_v<T, SourceRange> || std::is_same_v<T, FileId>) {
    // positions show as @line:col on the node
  } else {
    std::string v = value(x);
    if (!v.empty()) line += fmt::format(" {}={}", name, v);
  }
}

class Dumper {
 public:
  explicit Dumper(const SourceManager& sources) : sources_(sources) {}

  std::string run(const Module& m) {
    // Comments are kept for the formatter and suppressions; the dump shows the tree.
    line(0, "module " + quote(m.path));
    children(1, m.decls, "decls", false);
    return std::move(out_);
  }

 private:
  const SourceManager& sources_;
  std::string out_;

  void line(int depth, const std::string& text) {
    out_.append(static_cast<size_t>(depth) * 2, ' ');
    out_ += text;
    out_ += '\n';
  }
  std::string at(const SourceRange& r) const {
    if (!r.valid()) return "";
    LineColumn p = sources_.file(r.file).position(r.begin);
    return fmt::format(" @{}:{}", p.line, p.column);
  }

  template <typename T>
  void node(int depth, const T& x) {
    std::string head;
    if constexpr (std::is_base_of_v<Action, T>) {
      head = keyword(x.kind);
    } else {
      head = std::string(T::kNodeName);
    }
    int childFields = 0;
    forEachNamedField(x, [&](std::string_view name, const auto& field) {
      using F = std::remove_cvref_t<decltype(field)>;
      if constexpr (Shape<F>::child) {
        ++childFields;
      } else {
        appendField(head, name, field);
      }
    });
    if constexpr (std::is_base_of_v<Node, T>) head += at(x.range);
    line(depth, head);
    forEachNamedField(x, [&](std::string_view name, const auto& field) {
      using F = std::remove_cvref_t<decltype(field)>;
      if constexpr (Shape<F>::child) children(depth + 1, field, name, childFields > 1);
    });
  }

  // A child field: its lines, or a block's actions (under `name:` when the
  // node has other children, as an `if`'s else block).
  template <typename F>
  void children(int depth, const F& field, std::string_view name, bool labelBlocks) {
    if constexpr (requires { field.begin(); }) {
      for (const auto& item : field) children(depth, item, name, labelBlocks);
    } else if constexpr (requires {
                           *field;
                           bool(field);
                         }) {
      if (field) children(depth, *field, name, labelBlocks);
    } else if constexpr (detail::Polymorphic<F>) {
      withConcrete(field, [&](const auto& concrete) { node(depth, concrete); });
    } else if constexpr (kIsBlock<F>) {
      if (labelBlocks) line(depth, std::string(name) + ":");
      children(labelBlocks ? depth + 1 : depth, field.actions, name, false);
    } else {
      node(depth, field);
    }
  }
};

}  // namespace

std::string print(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Number: return value(e.as<NumberExpr>().value);
    case ExprKind::String: return quote(e.as<StringExpr>().value);
    case ExprKind::Duration: return durationText(e.as<DurationExpr>().value);
    case ExprKind::Time: return timeText(e.as<TimeExpr>().value);
    case ExprKind::Date: return dateText(e.as<DateExpr>().value);
    case ExprKind::DateTime: {
      const auto& d = e.as<DateTimeExpr>();
      return dateText(d.date) + "T" + timeText(d.time);
    }
    case ExprKind::Bool: return e.as<BoolExpr>().value ? "true" : "false";
    case ExprKind::None: return "none";
    case ExprKind::Name: return e.as<NameExpr>().name;
    case ExprKind::Member: {
      const auto& m = e.as<MemberExpr>();
      return print(*m.base) + "." + m.member.text;
    }
    case ExprKind::Call: {
      const auto& c = e.as<CallExpr>();
      std::string s = "(call " + print(*c.callee);
      for (const auto& a : c.args) s += " " + print(*a);
      return s + ")";
    }
    case ExprKind::Unary: {
      const auto& u = e.as<UnaryExpr>();
      return std::string("(") + (u.op == UnaryOp::Not ? "not " : "- ") + print(*u.operand) + ")";
    }
    case ExprKind::Binary: {
      const auto& b = e.as<BinaryExpr>();
      return std::string("(") + spelling(b.op) + " " + print(*b.lhs) + " " + print(*b.rhs) + ")";
    }
    case ExprKind::List: {
      std::string s = "[";
      const auto& l = e.as<ListExpr>();
      for (size_t i = 0; i < l.items.size(); ++i) s += (i ? " " : "") + print(*l.items[i]);
      return s + "]";
    }
    case ExprKind::If: {
      const auto& i = e.as<IfExpr>();
      std::string s = "(if";
      for (const auto& b : i.branches) s += " " + print(*b.condition) + " " + print(*b.value);
      return s + " else " + print(*i.elseValue) + ")";
    }
  }
  return "?";
}

std::string InterpolatedText::display() const {
  std::string s;
  for (const auto& p : parts) s += p.expr ? "{" + print(*p.expr) + "}" : p.literal;
  return s;
}

std::string dump(const Module& module, const SourceManager& sources) { return Dumper(sources).run(module); }

}  // namespace voronka::ast
