// The `{…}` parts of interpolated texts: a name or a dotted path is built
// directly, anything else is lexed and parsed on its own with positions
// mapped back into the file.
#include "compiler/parse/ast_builder.h"

#include <unordered_map>

#include "compiler/parse/literals.h"
#include "compiler/parse/recognizers.h"

namespace voronka::parse {

using namespace voronka::ast;

InterpolatedText AstBuilder::interpolated(antlr4::Token* string) {
  InterpolatedText out;
  if (!string) return out;
  out.range = pos_->of(string);
  StringSegments segments = decodeString(string->getText(), out.range.file, out.range.begin, true, sink_);
  for (auto& seg : segments.segments) {
    InterpolatedText::Part part;
    part.range = SourceRange{out.range.file, seg.begin, seg.end};
    if (seg.isExpression) {
      part.expr = simpleInterpolation(seg.text, seg.begin);
      if (!part.expr) part.expr = parseInterpolation(seg.text, seg.begin);
      if (!part.expr) continue;
    } else {
      part.literal = std::move(seg.text);
    }
    out.parts.push_back(std::move(part));
  }
  return out;
}

// Most interpolations are a name or a dotted path ({contact.name}); those are
// built directly. Anything else goes through the parser.
ExprPtr AstBuilder::simpleInterpolation(const std::string& source, uint32_t fileOffset) {
  size_t begin = source.find_first_not_of(" \t");
  size_t end = source.find_last_not_of(" \t");
  if (begin == std::string::npos) return nullptr;
  std::string_view s(source.data() + begin, end - begin + 1);
  std::vector<std::pair<size_t, size_t>> parts;  // [start, end) within s
  size_t i = 0;
  while (i <= s.size()) {
    size_t start = i;
    while (i < s.size() && s[i] != '.') {
      auto c = static_cast<unsigned char>(s[i]);
      bool ok = c >= 0x80 || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (i > start && c >= '0' && c <= '9');
      if (!ok) return nullptr;
      ++i;
    }
    if (i == start) return nullptr;
    parts.emplace_back(start, i);
    ++i;
  }
  // Non-ASCII characters must be letters, and the head must not be a keyword
  // (other than `deal`); let the parser decide those cases.
  for (auto [a, b] : parts) {
    for (size_t k = a; k < b; ++k) {
      if (static_cast<unsigned char>(s[k]) >= 0x80) return nullptr;
    }
  }
  std::string head(s.substr(parts[0].first, parts[0].second - parts[0].first));
  static const std::unordered_map<std::string, bool> reserved = [] {
    std::unordered_map<std::string, bool> m;
    antlr4::ANTLRInputStream empty("");
    FunnelLexer lexer(&empty);
    const antlr4::dfa::Vocabulary& vocabulary = lexer.getVocabulary();
    for (size_t t = P::USE; t <= P::NEXT; ++t) {
      std::string literal = vocabulary.getLiteralName(t);
      m.emplace(literal.substr(1, literal.size() - 2), true);
    }
    return m;
  }();
  if (head != "deal" && reserved.count(head)) return nullptr;
  uint32_t base = fileOffset + static_cast<uint32_t>(begin);
  auto range = [&](size_t a, size_t b) {
    return SourceRange{pos_->file, base + static_cast<uint32_t>(a), base + static_cast<uint32_t>(b)};
  };
  auto name = std::make_unique<NameExpr>();
  name->name = head;
  name->range = range(parts[0].first, parts[0].second);
  ExprPtr e = std::move(name);
  for (size_t k = 1; k < parts.size(); ++k) {
    auto member = std::make_unique<MemberExpr>();
    member->member = Ident{std::string(s.substr(parts[k].first, parts[k].second - parts[k].first)),
                           range(parts[k].first, parts[k].second)};
    member->range = range(parts[0].first, parts[k].second);
    member->base = std::move(e);
    e = std::move(member);
  }
  return e;
}

ExprPtr AstBuilder::parseInterpolation(const std::string& source, uint32_t fileOffset) {
  OffsetMap map(source, fileOffset);
  Positions inner{pos_->file, &map};
  LexedFile lexed = lexFile(source, inner, maxNesting_, sink_);
  if (lexed.tooDeep) return nullptr;
  antlr4::ListTokenSource tokenSource(std::move(lexed.tokens));
  TokenStream stream(&tokenSource);
  Parser parser(&stream);
  parser.removeErrorListeners();
  auto reporter = std::make_shared<SyntaxErrorReporter>(inner, sink_, std::nullopt, /*interpolation=*/true);
  parser.setErrorHandler(reporter);
  P::StandaloneExpressionContext* tree = parser.standaloneExpression();
  if (reporter->errorCount() > 0 || !tree) return nullptr;
  const Positions* outerPositions = pos_;
  antlr4::TokenStream* outerTokens = tokens_;
  pos_ = &inner;
  tokens_ = &stream;
  ExprPtr e = expression(kids(tree).rule(P::RuleExpression));
  pos_ = outerPositions;
  tokens_ = outerTokens;
  return e;
}

}  // namespace voronka::parse
