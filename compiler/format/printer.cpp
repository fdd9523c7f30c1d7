#include "compiler/format/printer.h"

#include <algorithm>

#include "compiler/format/text_block.h"

namespace voronka::format {
namespace {

using parse::LexedToken;
using parse::TokenClass;

bool isComment(TokenClass c) { return c == TokenClass::LineComment || c == TokenClass::BlockComment; }
bool isOpen(std::string_view t) { return t == "{" || t == "(" || t == "["; }
bool isClose(std::string_view t) { return t == "}" || t == ")" || t == "]"; }

// The layout rules, token by token. Decisions depend only on the tokens, the
// hints and where the input had line breaks, and the output keeps the breaks
// it decided on, so formatting formatted text changes nothing.
class Printer {
 public:
  Printer(std::string_view text, const std::vector<LexedToken>& tokens, const LayoutHints& hints, int lineWidth)
      : text_(text),
        tokens_(tokens),
        hints_(hints.tokens),
        chains_(hints.chains),
        lineWidth_(lineWidth),
        n_(static_cast<int>(tokens.size())) {
    chainExpanded_.assign(chains_.size(), -1);
    analyse();
  }

  // Could two tokens written without a space between them lex as one? Only
  // characters that continue a word, or the pairs that make `->` `..` `==`
  // `//` `/*` and friends, or a number and a `.`, can join.
  bool tightJointsSafe() const {
    for (int i = 1; i < n_; ++i) {
      if (space_[i] != 0) continue;
      std::string_view a = tok_[i - 1];
      std::string_view b = tok_[i];
      if (a.empty() || b.empty()) continue;
      auto wordy = [](unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; };
      unsigned char x = static_cast<unsigned char>(a.back());
      unsigned char y = static_cast<unsigned char>(b.front());
      if (wordy(x) && wordy(y)) return false;
      auto numeric = [](TokenClass c) {
        return c == TokenClass::Number || c == TokenClass::Duration || c == TokenClass::Date || c == TokenClass::Time ||
               c == TokenClass::DateTime;
      };
      // `1` `.` `5` would read as `1.5`; a name ending in a digit before `.`
      // (`sales_1.new`) or a date before `..` (`2026-01-01..2026-01-08`) is fine.
      if (numeric(tokens_[i - 1].cls) && b == ".") return false;
      static constexpr std::string_view kPairs[] = {"->", "..", "==", "!=", "<=", ">=", "//", "/*", "*/", "\"\""};
      char pair[2] = {static_cast<char>(x), static_cast<char>(y)};
      for (std::string_view p : kPairs) {
        if (p == std::string_view(pair, 2)) return false;
      }
    }
    return true;
  }

  std::vector<Line> run() {
    stack_.push_back(Block{});
    for (int i = 0; i < n_; ++i) {
      if (isComment(tokens_[i].cls)) {
        comment(i);
      } else {
        code(i);
      }
    }
    return std::move(lines_);
  }

 private:
  // A `{ … }` being laid out, or the file itself (open = -1).
  struct Block {
    int open = -1;
    bool expanded = true;         // one item per line, `}` on its own line
    int itemIndent = 0;           // of the item the block belongs to: where `}` goes
    int contentIndent = 0;        // of the block's items
    int curItemIndent = 0;        // of the item being laid out
    int hangIndent = -1;          // continuation lines of `holidays a, b,` line up under `a`
    bool expandPending = false;   // the current item's first block always spans lines
    bool keepListBreaks = false;  // written over lines: list elements keep the author's line breaks
    std::vector<int> parenLines;  // the output line of each `(` and `[` still open
  };
  struct Decision {
    bool lineBreak = false;
    int indent = 0;
    bool startsItem = false;
    bool blankAllowed = false;
    bool continuation = false;  // the line break is inside an item
  };

  std::string_view text_;
  const std::vector<LexedToken>& tokens_;
  const std::vector<TokenHint>& hints_;
  const std::vector<std::vector<int>>& chains_;
  std::vector<int> chainExpanded_;  // -1 undecided, 0 or 1
  int lineWidth_;
  int n_;

  // Facts about single tokens, computed once.
  std::vector<std::string_view> tok_;
  std::vector<int> width_;                 // columns of a token on one line
  std::vector<uint8_t> multiline_;         // the token's text spans lines
  std::vector<int> newlinesBefore_;        // line breaks in the white space before the token
  std::vector<uint8_t> newlineSinceCode_;  // a break since the previous code token (through comments)
  std::vector<int> prevCode_, nextCode_, match_;
  std::vector<int> space_;  // spaces before the token when it shares a line with the previous one
  std::vector<int64_t> widthPrefix_, spacePrefix_, breakPrefix_;
  std::vector<int> itemsIn_;         // for a `{`: items it holds
  std::vector<uint8_t> holdsBlock_;  // for a `{`: holds another `{`

  std::vector<Block> stack_;
  std::vector<Line> lines_;
  bool forceBreak_ = false;  // the previous comment ends its line

  // ───────────────────────────── analysis ─────────────────────────────────

  void analyse() {
    tok_.resize(n_);
    width_.resize(n_);
    multiline_.resize(n_);
    newlinesBefore_.resize(n_);
    newlineSinceCode_.resize(n_);
    prevCode_.assign(n_, -1);
    nextCode_.assign(n_, -1);
    match_.assign(n_, -1);
    uint32_t prevEnd = 0;
    int lastCode = -1;
    bool breakSinceCode = false;
    std::vector<int> brackets;
    for (int i = 0; i < n_; ++i) {
      const LexedToken& t = tokens_[i];
      tok_[i] = text_.substr(t.begin, t.end - t.begin);
      multiline_[i] = tok_[i].find('\n') != std::string_view::npos;
      width_[i] = static_cast<int>(utf8::codePointCount(tok_[i]));
      std::string_view gap = text_.substr(prevEnd, t.begin - prevEnd);
      newlinesBefore_[i] = static_cast<int>(std::count(gap.begin(), gap.end(), '\n'));
      prevEnd = t.end;
      breakSinceCode = breakSinceCode || newlinesBefore_[i] > 0;
      if (isComment(t.cls)) {
        if (t.cls == TokenClass::LineComment) breakSinceCode = true;
        prevCode_[i] = lastCode;
        continue;
      }
      newlineSinceCode_[i] = breakSinceCode;
      breakSinceCode = false;
      prevCode_[i] = lastCode;
      lastCode = i;
      if (isOpen(tok_[i])) {
        brackets.push_back(i);
      } else if (isClose(tok_[i]) && !brackets.empty()) {
        match_[i] = brackets.back();
        match_[brackets.back()] = i;
        brackets.pop_back();
      }
    }
    int next = -1;
    for (int i = n_ - 1; i >= 0; --i) {
      nextCode_[i] = next;
      if (!isComment(tokens_[i].cls)) next = i;
    }

    space_.assign(n_, 0);
    for (int i = 1; i < n_; ++i) space_[i] = spaceBetween(i - 1, i);

    widthPrefix_.assign(n_ + 1, 0);
    spacePrefix_.assign(n_ + 1, 0);
    breakPrefix_.assign(n_ + 1, 0);
    for (int i = 0; i < n_; ++i) {
      widthPrefix_[i + 1] = widthPrefix_[i] + width_[i];
      spacePrefix_[i + 1] = spacePrefix_[i] + space_[i];
      bool breaks = newlinesBefore_[i] > 0 || multiline_[i] || tokens_[i].cls == TokenClass::LineComment;
      breakPrefix_[i + 1] = breakPrefix_[i] + (breaks ? 1 : 0);
    }

    // Items per block and blocks in blocks, with the bracket nesting of each token.
    itemsIn_.assign(n_, 0);
    holdsBlock_.assign(n_, 0);
    struct Open {
      int brace;
      int parens;
    };
    std::vector<Open> braces;
    for (int i = 0; i < n_; ++i) {
      if (isComment(tokens_[i].cls)) continue;
      std::string_view t = tok_[i];
      if (!braces.empty() && braces.back().parens == 0 && t != "}") {
        int b = braces.back().brace;
        if (prevCode_[i] == b || hints_[i].itemStart) ++itemsIn_[b];
      }
      if (t == "{") {
        if (!braces.empty()) holdsBlock_[braces.back().brace] = 1;
        braces.push_back({i, 0});
      } else if (t == "}") {
        if (!braces.empty()) braces.pop_back();
      } else if (t == "(" || t == "[") {
        if (!braces.empty()) ++braces.back().parens;
      } else if (t == ")" || t == "]") {
        if (!braces.empty() && braces.back().parens > 0) --braces.back().parens;
      }
    }
  }

  // Spaces between two tokens that share a line.
  int spaceBetween(int a, int b) const {
    if (isComment(tokens_[a].cls) || isComment(tokens_[b].cls)) return 1;
    std::string_view p = tok_[a];
    std::string_view t = tok_[b];
    const TokenHint& hb = hints_[b];
    const TokenHint& ha = hints_[a];
    if (hb.itemStart && p != "{" && p != "(" && p != "[") return p == "," ? 1 : 2;  // items sharing a line
    if (p == "(" || p == "[") return 0;
    if (t == ")" || t == "]" || t == "," || t == ":" || t == "%") return 0;
    if (t == "." || p == "." || t == ".." || p == "..") return 0;
    if ((t == "-" && hb.tightMinus) || (p == "-" && ha.tightMinus)) return 0;
    if (p == "-" && ha.unaryMinus) return 0;
    if (t == "(") {
      if (tokens_[a].cls == TokenClass::Identifier || p == ")" || p == "]") return 0;
      if (tokens_[a].cls == TokenClass::Contextual) return tokens_[a].end == tokens_[b].begin ? 0 : 1;
      return 1;
    }
    if (t == "}" && p == "{") return 0;
    return 1;
  }

  // Columns of tokens a..b laid out on one line.
  int64_t oneLineWidth(int a, int b) const {
    return widthPrefix_[b + 1] - widthPrefix_[a] + spacePrefix_[b + 1] - spacePrefix_[a + 1];
  }
  bool breaksWithin(int a, int b) const { return breakPrefix_[b + 1] - breakPrefix_[a + 1] > 0; }

  // ───────────────────────────── lines ────────────────────────────────────

  Line& cur() { return lines_.back(); }
  int curLine() const { return static_cast<int>(lines_.size()) - 1; }

  void startLine(int indent, bool blank) {
    Line l;
    l.indent = indent;
    l.blankBefore = blank && !lines_.empty() && !lines_.back().opensBlock;
    lines_.push_back(std::move(l));
  }

  size_t inputLineStart(uint32_t offset) const {
    size_t nl = offset == 0 ? std::string_view::npos : text_.rfind('\n', offset - 1);
    return nl == std::string_view::npos ? 0 : nl + 1;
  }
  // The column of a token in the input, in characters.
  int inputColumn(int i) const {
    size_t start = inputLineStart(tokens_[i].begin);
    return static_cast<int>(utf8::codePointCount(text_.substr(start, tokens_[i].begin - start)));
  }
  // White space at the start of the input line holding a token.
  int inputIndent(int i) const {
    size_t start = inputLineStart(tokens_[i].begin);
    size_t k = start;
    while (k < text_.size() && (text_[k] == ' ' || text_[k] == '\t')) ++k;
    return static_cast<int>(k - start);
  }

  void emit(int i) {
    if (!multiline_[i]) {
      cur().text += tok_[i];
      return;
    }
    emitMultiline(i);
  }

  // A text block or a block comment over several lines: its inner lines move
  // with the line it starts on. A text block's value ignores the indentation
  // its lines share, so moving them all by the same amount keeps its meaning.
  void emitMultiline(int i) {
    std::string_view t = tok_[i];
    std::vector<std::string_view> pieces;
    size_t start = 0;
    while (true) {
      size_t nl = t.find('\n', start);
      if (nl == std::string_view::npos) {
        pieces.push_back(t.substr(start));
        break;
      }
      pieces.push_back(t.substr(start, nl - start));  // may end with '\r'
      start = nl + 1;
    }
    bool textBlock = tokens_[i].cls == TokenClass::String;
    int delta = cur().verbatim ? 0 : cur().indent - inputIndent(i);
    if (textBlock) {
      // Only when `"""` ends its line: text on that line would not move.
      std::string_view first = pieces[0];
      if (!first.empty() && first.back() == '\r') first.remove_suffix(1);
      if (first != "\"\"\"") delta = 0;
      if (delta < 0) {
        int shared = INT32_MAX;
        for (size_t k = 1; k < pieces.size(); ++k) {
          std::string_view p = pieces[k];
          size_t ws = p.find_first_not_of(" \t");
          bool blank = ws == std::string_view::npos || p.substr(ws) == "\r" ||
                       (k + 1 == pieces.size() && p.substr(ws) == "\"\"\"");
          if (!blank) shared = std::min(shared, static_cast<int>(ws));
        }
        if (shared != INT32_MAX) delta = std::max(delta, -shared);
      }
    }
    std::vector<std::string> moved(pieces.size());
    auto move = [&](int by) {
      moved[0] = std::string(trimCarriageReturn(pieces[0]));
      for (size_t k = 1; k < pieces.size(); ++k) moved[k] = shifted(trimCarriageReturn(pieces[k]), by);
    };
    move(delta);
    if (textBlock && delta != 0) {
      // Belt and braces: the moved block must read as the same text, or it stays where it was.
      std::string joined;
      for (size_t k = 0; k < moved.size(); ++k) joined += (k ? "\n" : "") + moved[k];
      if (textBlockLines(joined) != textBlockLines(t)) move(0);
    }
    cur().text += moved[0];
    cur().continued = true;
    for (size_t k = 1; k < pieces.size(); ++k) {
      cur().lineBreak = pieces[k - 1].size() && pieces[k - 1].back() == '\r' ? "\r\n" : "\n";
      Line l;
      l.verbatim = true;
      l.text = std::move(moved[k]);
      lines_.push_back(std::move(l));
    }
  }
  static std::string_view trimCarriageReturn(std::string_view s) {
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return s;
  }
  static std::string shifted(std::string_view line, int delta) {
    if (delta > 0) {
      if (line.empty()) return std::string(line);
      return std::string(static_cast<size_t>(delta), ' ') + std::string(line);
    }
    size_t drop = 0;
    while (drop < line.size() && static_cast<int>(drop) < -delta && (line[drop] == ' ' || line[drop] == '\t')) ++drop;
    return std::string(line.substr(drop));
  }

  // ───────────────────────────── decisions ────────────────────────────────

  int continuationIndent(int i) {
    Block& b = stack_.back();
    if (b.hangIndent >= 0 && b.parenLines.empty()) return b.hangIndent;
    std::vector<int> open = b.parenLines;
    if (isClose(tok_[i]) && tok_[i] != "}" && !open.empty()) open.pop_back();
    open.erase(std::unique(open.begin(), open.end()), open.end());
    return b.curItemIndent + 4 + 4 * static_cast<int>(open.size());
  }

  Decision decide(int i, bool forced) {
    Block& b = stack_.back();
    std::string_view t = tok_[i];
    int prev = prevCode_[i];
    if (isClose(t) && b.open >= 0 && match_[i] == b.open) {
      if (b.expanded) return {true, b.itemIndent, false, false};
      return {};
    }
    // (An empty line before the first item goes, unless comments stand before it: startLine decides.)
    if (b.expanded && prev == b.open) return {true, b.contentIndent, true, true};
    if (hints_[i].itemStart && b.parenLines.empty() && b.expanded) {
      bool shareLine = hints_[i].listElement && b.keepListBreaks && !forced && !newlineSinceCode_[i];
      if (!shareLine) return {true, b.contentIndent, true, true};
      return {};
    }
    bool afterBrace = t == "else" && prev >= 0 && tok_[prev] == "}";
    if (afterBrace && prev == i - 1) return {};  // `} else {` on one line
    // With a comment between, `else` starts its line under the `}`.
    if (afterBrace && (forced || newlineSinceCode_[i])) return {true, b.curItemIndent, false, false, true};
    if (forced || newlineSinceCode_[i]) return {true, continuationIndent(i), false, false, true};
    return {};
  }

  // Must this block's content go on lines of its own? Decided before its `{` is written.
  bool expandBlock(int open) {
    int close = match_[open];
    if (close < 0) return true;
    if (close == open + 1) return false;  // `{}`
    Block& parent = stack_.back();
    if (parent.expandPending && parent.parenLines.empty()) return true;
    int chain = hints_[open].chain;
    if (chain < 0) return mustSpanLines(open) || cur().codeWidth() + oneLineWidth(open, close) > lineWidth_;
    // The blocks of an `if … else` chain go together; the first of them decides for all.
    if (chainExpanded_[chain] < 0) {
      const std::vector<int>& members = chains_[chain];
      bool expand = cur().codeWidth() + oneLineWidth(open, match_[members.back()]) > lineWidth_;
      for (int m : members) expand = expand || mustSpanLines(m);
      chainExpanded_[chain] = expand ? 1 : 0;
    }
    return chainExpanded_[chain] == 1;
  }
  // The block was written over several lines, or holds a block among other items.
  bool mustSpanLines(int open) const {
    int close = match_[open];
    if (close < 0) return true;
    if (close == open + 1) return false;
    return breaksWithin(open, close) || (itemsIn_[open] >= 2 && holdsBlock_[open]);
  }

  void code(int i) {
    Decision d = decide(i, forceBreak_);
    forceBreak_ = false;
    if (d.lineBreak || lines_.empty()) {
      if (d.continuation) cur().continued = true;
      startLine(d.indent, d.blankAllowed && newlinesBefore_[i] >= 2);
    } else if (!cur().text.empty()) {
      cur().text.append(static_cast<size_t>(space_[i]), ' ');
    }
    Block& b = stack_.back();
    if (d.startsItem) {
      b.curItemIndent = d.indent;
      b.expandPending = hints_[i].alwaysExpand;
      b.hangIndent = hints_[i].hangingList ? d.indent + width_[i] + 1 : -1;
      cur().align = hints_[i].align;
      titleToken_ = titleOf(i);
    }
    if (i == titleToken_) cur().titleAt = cur().text.size();
    std::string_view t = tok_[i];
    bool expanded = t == "{" && expandBlock(i);
    bool listBlock = t == "(" && hints_[i].parameterList && match_[i] >= 0 && breaksWithin(i, match_[i]);
    emit(i);

    if (listBlock) {
      // Parameters written over lines: one indented line per line of them, `)` under the item.
      Block inner;
      inner.open = i;
      inner.keepListBreaks = true;
      inner.itemIndent = b.curItemIndent;
      inner.contentIndent = inner.itemIndent + 2;
      inner.curItemIndent = inner.contentIndent;
      cur().opensBlock = true;
      stack_.push_back(std::move(inner));
    } else if (t == "{") {
      Block inner;
      inner.open = i;
      inner.expanded = expanded;
      inner.keepListBreaks = breaksWithin(i, match_[i] < 0 ? i : match_[i]);
      if (b.parenLines.empty()) b.expandPending = false;
      inner.itemIndent = b.curItemIndent;
      inner.contentIndent = inner.itemIndent + 2;
      inner.curItemIndent = inner.contentIndent;
      // Padding a line could push a block kept on it past the width; a line
      // that opens a block spanning lines may be padded.
      if (inner.expanded) {
        cur().opensBlock = true;
      } else {
        cur().hasBrace = true;
      }
      stack_.push_back(std::move(inner));
    } else if (t == "}" || (t == ")" && stack_.size() > 1 && stack_.back().open == match_[i])) {
      if (stack_.size() > 1 && stack_.back().open == match_[i]) stack_.pop_back();
      cur().opensBlock = false;
    } else if (t == "(" || t == "[") {
      b.parenLines.push_back(curLine());
    } else if ((t == ")" || t == "]") && !b.parenLines.empty()) {
      b.parenLines.pop_back();
    }
  }

  // The title token of an aligned item: `NAME "T"`, `stage NAME "T"`, `won "T"`.
  int titleOf(int i) const {
    int steps = 0;
    switch (hints_[i].align) {
      case AlignClass::None: return -1;
      case AlignClass::Member:
      case AlignClass::Final: steps = 1; break;
      case AlignClass::Stage: steps = 2; break;
    }
    int k = i;
    for (int s = 0; s < steps && k >= 0; ++s) k = nextCode_[k];
    if (k < 0 || tokens_[k].cls != TokenClass::String || multiline_[k]) return -1;
    return k;
  }
  int titleToken_ = -1;

  void comment(int i) {
    bool line = tokens_[i].cls == TokenClass::LineComment;
    bool ownLine = lines_.empty() || newlinesBefore_[i] > 0 || forceBreak_;
    if (!ownLine && line) {
      std::string_view c = tok_[i];
      while (!c.empty() && (c.back() == ' ' || c.back() == '\t')) c.remove_suffix(1);
      cur().comment = std::string(c);
      cur().commentColumn = inputColumn(i);
      forceBreak_ = true;
      return;
    }
    if (!ownLine) {  // a block comment between tokens of a line
      cur().text.append(cur().text.empty() ? 0 : 1, ' ');
      emit(i);
      return;
    }
    int indent = 0;
    int j = nextCode_[i];
    Block& b = stack_.back();
    if (j < 0) {
      indent = b.contentIndent;
    } else if (isClose(tok_[j]) && b.open >= 0 && match_[j] == b.open) {
      indent = b.contentIndent;
    } else {
      Decision d = decide(j, true);
      indent = d.lineBreak ? d.indent : (lines_.empty() ? 0 : cur().indent);
    }
    startLine(indent, newlinesBefore_[i] >= 2);
    std::string_view c = tok_[i];
    if (line) {
      while (!c.empty() && (c.back() == ' ' || c.back() == '\t')) c.remove_suffix(1);
      cur().text += c;
      forceBreak_ = true;
    } else {
      emit(i);
      forceBreak_ = i + 1 < n_ && newlinesBefore_[i + 1] > 0;
    }
  }
};

}  // namespace

std::vector<Line> layOut(std::string_view text, const std::vector<parse::LexedToken>& tokens, const LayoutHints& hints,
                         int lineWidth, bool& tightJointsSafe) {
  Printer printer(text, tokens, hints, lineWidth);
  tightJointsSafe = printer.tightJointsSafe();
  return printer.run();
}

}  // namespace voronka::format
