#include "compiler/format/layout_hints.h"

#include <algorithm>

#include "compiler/ast/walk.h"

namespace voronka::format {
namespace {

using parse::LexedToken;
using parse::TokenClass;

bool isComment(const LexedToken& t) { return t.cls == TokenClass::LineComment || t.cls == TokenClass::BlockComment; }

class HintCollector {
 public:
  HintCollector(const std::vector<LexedToken>& tokens, std::string_view text, LayoutHints& hints)
      : tokens_(tokens), text_(text), hints_(hints.tokens), chains_(hints.chains) {}

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
  int nextCode(int i) const {
    for (++i; i < static_cast<int>(tokens_.size()); ++i) {
      if (!isComment(tokens_[i])) return i;
    }
    return -1;
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
  // (`timezone "…"`, `body "…"`, `fields a, b`). The token is the keyword
  // because the AST puts it there: the same word elsewhere may be a name.
  void itemAtKeyword(const SourceRange& r, std::string_view keyword, bool hangingList = false) {
    if (!r.valid()) return;
    int i = tokenAt(r.begin);
    if (i < 0) return;
    int k = previousCode(i);
    if (k >= 0 && textOf(k) == keyword) {
      hints_[k].itemStart = true;
      hints_[k].hangingList = hangingList;
    }
  }

 public:
  // ── what each node means for the layout; ast::walk reaches them all ──────

  bool enter(const ast::Decl& d) {  // use, field, team, template, form, …: one item each
    item(d.range);
    return true;
  }
  bool enter(const ast::CalendarDecl& c) {
    item(c.range, AlignClass::None, /*expand=*/true);
    if (c.timezone) itemAtKeyword(c.timezone->range, "timezone");
    for (const auto& w : c.workhours) {
      itemAtKeyword(w.range, "workhours", /*hangingList=*/true);
      for (const auto& window : w.windows) {
        int i = tokenAt(window.range.begin);
        if (i >= 0 && i + 1 < static_cast<int>(tokens_.size()) && textOf(i + 1) == "-") hints_[i + 1].tightMinus = true;
      }
    }
    for (const auto& h : c.holidays) itemAtKeyword(h.range, "holidays", /*hangingList=*/true);
    if (c.currency) itemAtKeyword(c.currency->range, "currency");
    if (c.language) itemAtKeyword(c.language->range, "language");
    return true;
  }
  bool enter(const ast::TemplateDecl& t) {
    item(t.range);
    if (t.subject) itemAtKeyword(t.subject->range, "subject");
    if (t.body) itemAtKeyword(t.body->range, "body");
    return true;
  }
  bool enter(const ast::FormDecl& f) {
    item(f.range);
    if (!f.fields.empty()) itemAtKeyword(f.fields.front().range, "fields", /*hangingList=*/true);
    return true;
  }
  bool enter(const ast::IntegrationDecl& in) {
    item(in.range);
    if (in.url) itemAtKeyword(in.url->range, "url");
    for (const auto& a : in.answers) itemAtKeyword(a.range, "answers", /*hangingList=*/true);
    return true;
  }
  // `event x(a: text, b: number)`: the parameters are the elements of a list
  // that spans lines like a block when its author wrote it over lines.
  bool enter(const ast::EventDecl& e) {
    item(e.range);
    if (e.params.empty()) return true;
    int name = tokenAt(e.name.range.begin);
    int open = name < 0 ? -1 : nextCode(name);
    if (open >= 0 && textOf(open) == "(") hints_[open].parameterList = true;
    for (const auto& p : e.params) element(p.name.range);
    return true;
  }
  bool enter(const ast::PipelineDecl& p) {
    item(p.range, AlignClass::None, /*expand=*/true);
    return true;
  }
  bool enter(const ast::TestDecl& t) {
    item(t.range, AlignClass::None, /*expand=*/true);
    return true;
  }
  void enter(const ast::TeamDecl::Member& m) { element(m.name.range, AlignClass::Member); }
  void enter(const ast::EnumMember& m) { element(m.name.range, AlignClass::Member); }
  void enter(const ast::LossReason& r) { element(r.range); }
  void enter(const ast::Policy& p) { item(p.range); }
  void enter(const ast::Require& g) { item(g.range); }
  void enter(const ast::MapEntry& e) { element(e.key.range); }    // webhook, request and test event bodies
  void enter(const ast::FieldInit& f) { element(f.path.range); }  // a test deal's fields
  void enter(const ast::ResponsibleInit& r) { element(r.path.range); }
  void enter(const ast::Stage& s) {
    item(s.range, s.kind == ast::StageKind::Working ? AlignClass::Stage : AlignClass::Final);
  }

  bool enter(const ast::Rule& r) {
    item(r.range);
    if (!r.arrowForm) return true;
    // `-> X` holds a move that is not an item of any block.
    ast::walk(*this, r.when);
    ast::walk(*this, r.timing);
    return false;
  }

  void enter(const ast::Action& a) { item(a.range); }
  // Chains are recorded after the blocks inside them, as they are found.
  void enter(const ast::IfAction& i) { item(i.range); }
  void leave(const ast::IfAction& i) {
    std::vector<SourceRange> braces;
    for (const auto& br : i.branches) braces.push_back(br.block.range);
    if (i.elseBlock) braces.push_back(i.elseBlock->range);
    chain(braces, false);
  }
  void enter(const ast::SplitAction& s) { item(s.range); }
  void leave(const ast::SplitAction& s) {
    if (s.second) chain({s.first.range, s.second->range}, false);
  }

  void enter(const ast::TestStmt& s) { item(s.range); }

  // Expressions nest as deep as the parser allows (bounded by --max-nesting
  // and the 1000-operand chain limit), so the walk's recursion is safe.
  void enter(const ast::UnaryExpr& u) {
    if (u.op != ast::UnaryOp::Negate) return;
    if (TokenHint* h = at(u.range)) h->unaryMinus = true;
  }
  void enter(const ast::IfExpr& i) {
    for (const auto& br : i.branches) {
      if (br.value) expressionItem(br.value->range);
    }
    if (i.elseValue) expressionItem(i.elseValue->range);
  }
  void leave(const ast::IfExpr& i) {
    std::vector<SourceRange> values;
    for (const auto& br : i.branches) {
      if (br.value) values.push_back(br.value->range);
    }
    if (i.elseValue) values.push_back(i.elseValue->range);
    chain(values, true);
  }
};

}  // namespace

LayoutHints collectHints(const ast::Module& module, const std::vector<parse::LexedToken>& tokens,
                         std::string_view text) {
  LayoutHints hints;
  hints.tokens.resize(tokens.size());
  HintCollector collector(tokens, text, hints);
  ast::walk(collector, module);
  return hints;
}

}  // namespace voronka::format
