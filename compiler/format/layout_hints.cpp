#include "compiler/format/layout_hints.h"

#include <algorithm>

namespace voronka::format {
namespace {

using parse::LexedToken;
using parse::TokenClass;

bool isComment(const LexedToken& t) { return t.cls == TokenClass::LineComment || t.cls == TokenClass::BlockComment; }

class HintCollector {
 public:
  HintCollector(const std::vector<LexedToken>& tokens, std::string_view text, LayoutHints& hints)
      : tokens_(tokens), text_(text), hints_(hints.tokens), chains_(hints.chains) {}

  void module(const ast::Module& m) {
    for (const auto& d : m.decls) decl(*d);
  }

 private:
  const std::vector<LexedToken>& tokens_;
  std::string_view text_;
  std::vector<TokenHint>& hints_;
  std::vector<std::vector<int>>& chains_;

  // Chains of blocks: the `{` at each given offset (or just before it, for `if` expression values).
  void chain(const std::vector<SourceRange>& braces, bool bracesBefore) {
    std::vector<int> members;
    for (const auto& r : braces) {
      if (!r.valid()) continue;
      int i = bracesBefore ? openingOf(r) : tokenAt(r.begin);
      if (i >= 0 && bracesBefore) i = previousCode(i);
      if (i < 0 || textOf(i) != "{") continue;
      members.push_back(i);
    }
    if (members.size() < 2) return;
    for (int i : members) hints_[i].chain = static_cast<int>(chains_.size());
    chains_.push_back(std::move(members));
  }
  // The token that begins at `offset`, or -1 (an offset inside a string, or a range left empty by the parser).
  int tokenAt(uint32_t offset) const {
    auto it = std::lower_bound(tokens_.begin(), tokens_.end(), offset,
                               [](const LexedToken& t, uint32_t o) { return t.begin < o; });
    if (it == tokens_.end() || it->begin != offset) return -1;
    return static_cast<int>(it - tokens_.begin());
  }
  int previousCode(int i) const {
    for (--i; i >= 0; --i) {
      if (!isComment(tokens_[i])) return i;
    }
    return -1;
  }
  // The first token of an expression as written: the AST drops parentheses,
  // so `(a + b)` begins at `a`; step back over the `(`.
  int openingOf(const SourceRange& r) const {
    int i = r.valid() ? tokenAt(r.begin) : -1;
    while (i >= 0) {
      int p = previousCode(i);
      if (p < 0 || textOf(p) != "(") break;
      i = p;
    }
    return i;
  }
  std::string_view textOf(int i) const { return text_.substr(tokens_[i].begin, tokens_[i].end - tokens_[i].begin); }

  TokenHint* at(const SourceRange& r) {
    if (!r.valid()) return nullptr;
    int i = tokenAt(r.begin);
    return i < 0 ? nullptr : &hints_[i];
  }
  void item(const SourceRange& r, AlignClass align = AlignClass::None, bool expand = false) {
    if (TokenHint* h = at(r)) {
      h->itemStart = true;
      if (align != AlignClass::None) h->align = align;
      if (expand) h->alwaysExpand = true;
    }
  }
  void element(const SourceRange& r, AlignClass align = AlignClass::None) {
    if (TokenHint* h = at(r)) {
      h->itemStart = true;
      h->listElement = true;
      h->align = align;
    }
  }
  void expressionItem(const SourceRange& r) {
    int i = openingOf(r);
    if (i >= 0) hints_[i].itemStart = true;
  }
  // An item that begins with `keyword` just before the element at `r`
  // (`timezone "…"`, `body "…"`, `fields a, b`).
  void itemAtKeyword(const SourceRange& r, std::string_view keyword) {
    if (!r.valid()) return;
    int i = tokenAt(r.begin);
    if (i < 0) return;
    int k = previousCode(i);
    if (k >= 0 && textOf(k) == keyword) hints_[k].itemStart = true;
  }

  void decl(const ast::Decl& d) {
    using K = ast::DeclKind;
    switch (d.kind) {
      case K::Use:
      case K::TaskType:
      case K::Channel:
        item(d.range);
        break;
      case K::Account:
      case K::Calendar: {
        const auto& c = d.as<ast::CalendarDecl>();
        item(d.range, AlignClass::None, /*expand=*/true);
        if (c.timezone) itemAtKeyword(c.timezone->range, "timezone");
        for (const auto& w : c.workhours) {
          itemAtKeyword(w.range, "workhours");
          for (const auto& window : w.windows) {
            int i = tokenAt(window.range.begin);
            if (i >= 0 && i + 1 < static_cast<int>(tokens_.size()) && textOf(i + 1) == "-") hints_[i + 1].tightMinus = true;
          }
        }
        for (const auto& h : c.holidays) itemAtKeyword(h.range, "holidays");
        if (c.currency) itemAtKeyword(c.currency->range, "currency");
        break;
      }
      case K::Field: {
        const auto& f = d.as<ast::FieldDecl>();
        item(d.range);
        typeSyntax(f.type);
        expr(f.defaultValue.get());
        break;
      }
      case K::Team: {
        item(d.range);
        for (const auto& m : d.as<ast::TeamDecl>().members) element(m.name.range, AlignClass::Member);
        break;
      }
      case K::Template: {
        const auto& t = d.as<ast::TemplateDecl>();
        item(d.range);
        if (t.subject) itemAtKeyword(t.subject->range, "subject");
        if (t.body) itemAtKeyword(t.body->range, "body");
        break;
      }
      case K::Form: {
        const auto& f = d.as<ast::FormDecl>();
        item(d.range);
        if (!f.fields.empty()) itemAtKeyword(f.fields.front().range, "fields");
        break;
      }
      case K::Integration: {
        const auto& in = d.as<ast::IntegrationDecl>();
        item(d.range);
        if (in.url) itemAtKeyword(in.url->range, "url");
        for (const auto& a : in.answers) itemAtKeyword(a.range, "answers");
        break;
      }
      case K::Event: {
        item(d.range);
        for (const auto& p : d.as<ast::EventDecl>().params) typeSyntax(p.type);
        break;
      }
      case K::Reasons: {
        item(d.range);
        for (const auto& r : d.as<ast::ReasonsDecl>().reasons) element(r.range);
        break;
      }
      case K::Pipeline: {
        const auto& p = d.as<ast::PipelineDecl>();
        item(d.range, AlignClass::None, /*expand=*/true);
        for (const auto& policy : p.policies) item(policy.range);
        for (const auto& s : p.stages) stage(*s);
        for (const auto& r : p.rules) rule(*r);
        break;
      }
      case K::Test: {
        item(d.range, AlignClass::None, /*expand=*/true);
        for (const auto& s : d.as<ast::TestDecl>().statements) testStmt(*s);
        break;
      }
      case K::Rule:
        rule(d.as<ast::Rule>());
        break;
    }
  }

  void typeSyntax(const ast::TypeSyntax& t) {
    for (const auto& m : t.members) element(m.name.range, AlignClass::Member);
  }

  void stage(const ast::Stage& s) {
    item(s.range, s.kind == ast::StageKind::Working ? AlignClass::Stage : AlignClass::Final);
    for (const auto& g : s.guards) {
      item(g.range);
      expr(g.condition.get());
    }
    for (const auto& r : s.rules) rule(*r);
    if (s.reasons) {
      for (const auto& r : *s.reasons) element(r.range);
    }
  }

  void rule(const ast::Rule& r) {
    item(r.range);
    expr(r.when.get());
    expr(r.timing.at.get());
    expr(r.timing.whileCondition.get());
    if (!r.arrowForm) block(r.body);  // `-> X` holds a move that is not an item of any block
  }

  void block(const ast::Block& b) {
    for (const auto& a : b.actions) action(*a);
  }

  void mapEntries(const std::vector<ast::MapEntry>& entries) {
    for (const auto& e : entries) {
      element(e.key.range);
      expr(e.value.get());
    }
  }

  void action(const ast::Action& a) {
    using K = ast::ActionKind;
    item(a.range);
    switch (a.kind) {
      case K::Task: expr(a.as<ast::TaskAction>().at.get()); break;
      case K::Analytics: expr(a.as<ast::AnalyticsAction>().label.get()); break;
      case K::Set: expr(a.as<ast::SetAction>().value.get()); break;
      case K::Webhook: mapEntries(a.as<ast::WebhookAction>().body); break;
      case K::Request: mapEntries(a.as<ast::RequestAction>().body); break;
      case K::If: {
        const auto& i = a.as<ast::IfAction>();
        std::vector<SourceRange> braces;
        for (const auto& br : i.branches) {
          expr(br.condition.get());
          block(br.block);
          braces.push_back(br.block.range);
        }
        if (i.elseBlock) {
          block(*i.elseBlock);
          braces.push_back(i.elseBlock->range);
        }
        chain(braces, false);
        break;
      }
      case K::Split: {
        const auto& s = a.as<ast::SplitAction>();
        block(s.first);
        if (s.second) {
          block(*s.second);
          chain({s.first.range, s.second->range}, false);
        }
        break;
      }
      case K::Then: block(a.as<ast::ThenAction>().block); break;
      default: break;
    }
  }

  void testStmt(const ast::TestStmt& s) {
    using K = ast::TestStmtKind;
    item(s.range);
    switch (s.kind) {
      case K::Deal:
        for (const auto& f : s.as<ast::TestDealStmt>().fields) {
          element(f.path.range);
          expr(f.value.get());
        }
        break;
      case K::Event: mapEntries(s.as<ast::TestEventStmt>().payload); break;
      case K::Set: expr(s.as<ast::TestSetStmt>().value.get()); break;
      case K::Expect: expr(s.as<ast::TestExpectStmt>().condition.get()); break;
      default: break;
    }
  }

  // Expressions nest as deep as the parser allows (bounded by --max-nesting
  // and the 1000-operand chain limit), so plain recursion is safe here.
  void expr(const ast::Expr* e) {
    if (!e) return;
    using K = ast::ExprKind;
    switch (e->kind) {
      case K::Member: expr(e->as<ast::MemberExpr>().base.get()); break;
      case K::Call: {
        const auto& c = e->as<ast::CallExpr>();
        expr(c.callee.get());
        for (const auto& a : c.args) expr(a.get());
        break;
      }
      case K::Unary: {
        const auto& u = e->as<ast::UnaryExpr>();
        if (u.op == ast::UnaryOp::Negate) {
          if (TokenHint* h = at(u.range)) h->unaryMinus = true;
        }
        expr(u.operand.get());
        break;
      }
      case K::Binary: {
        // Left-deep chains (`a + b + c`) iterate instead of recursing.
        const ast::Expr* cur = e;
        while (cur && cur->kind == K::Binary) {
          const auto& b = cur->as<ast::BinaryExpr>();
          expr(b.rhs.get());
          cur = b.lhs.get();
        }
        expr(cur);
        break;
      }
      case K::List:
        for (const auto& i : e->as<ast::ListExpr>().items) expr(i.get());
        break;
      case K::If: {
        const auto& i = e->as<ast::IfExpr>();
        std::vector<SourceRange> values;
        for (const auto& br : i.branches) {
          expr(br.condition.get());
          if (br.value) {
            expressionItem(br.value->range);
            values.push_back(br.value->range);
          }
          expr(br.value.get());
        }
        if (i.elseValue) {
          expressionItem(i.elseValue->range);
          values.push_back(i.elseValue->range);
        }
        expr(i.elseValue.get());
        chain(values, true);
        break;
      }
      default: break;
    }
  }
};

}  // namespace

LayoutHints collectHints(const ast::Module& module, const std::vector<parse::LexedToken>& tokens, std::string_view text) {
  LayoutHints hints;
  hints.tokens.resize(tokens.size());
  HintCollector(tokens, text, hints).module(module);
  return hints;
}

}  // namespace voronka::format
