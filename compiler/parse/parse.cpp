#include "compiler/parse/parse.h"

#include <fmt/format.h>

#include "compiler/parse/ast_builder.h"
#include "compiler/parse/internal.h"
#include "compiler/parse/recognizers.h"

namespace voronka::parse {

// Two-stage parsing: SLL with bail-out is fast and right for almost every
// input; only when it fails do we pay for full LL with error recovery.
FunnelParser::FileContext* parseTwoStage(FunnelParser& parser, antlr4::CommonTokenStream& stream,
                                         std::shared_ptr<antlr4::ANTLRErrorStrategy> reporter, bool& usedLL) {
  parser.removeErrorListeners();
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  try {
    usedLL = false;
    return parser.file();
  } catch (const antlr4::ParseCancellationException&) {}
  usedLL = true;
  stream.seek(0);
  parser.reset();
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::LL);
  parser.setErrorHandler(std::move(reporter));
  return parser.file();
}

namespace {

// What each ANTLR token type is, in words the rest of the compiler may see.
TokenClass tokenClassOf(size_t type) {
  using L = FunnelLexer;
  if (type >= kFirstReserved && type <= kLastReserved) return TokenClass::Reserved;
  if (type >= kFirstContextual && type <= kLastContextual) return TokenClass::Contextual;
  if (type >= L::ARROW && type <= L::PERCENT) return TokenClass::Punctuation;
  switch (type) {
    case L::IDENT: return TokenClass::Identifier;
    case L::STRING: return TokenClass::String;
    case L::NUMBER: return TokenClass::Number;
    case L::DURATION: return TokenClass::Duration;
    case L::TIME: return TokenClass::Time;
    case L::DATE: return TokenClass::Date;
    case L::DATETIME: return TokenClass::DateTime;
    case L::LINE_COMMENT: return TokenClass::LineComment;
    case L::BLOCK_COMMENT: return TokenClass::BlockComment;
    default: return TokenClass::Error;
  }
}

ParseResult parseImpl(const SourceFile& file, DiagnosticSink& sink, const ParseOptions& options,
                      std::vector<LexedToken>* tokensOut) {
  ParseResult result;
  result.module = std::make_unique<ast::Module>();
  result.module->file = file.id();
  result.module->path = file.path();
  size_t errorsBefore = sink.errorCount();

  std::string_view text = file.text();
  if (auto bad = utf8::firstInvalid(text)) {
    uint32_t at = static_cast<uint32_t>(*bad);
    sink.emit(diag::InvalidUtf8, SourceRange{file.id(), at, at + 1},
              fmt::format("{:02X}", static_cast<unsigned char>(text[*bad])));
    result.errors = sink.errorCount() - errorsBefore;
    return result;
  }

  OffsetMap map(text, 0);
  Positions positions{file.id(), &map};
  LexedFile lexed = lexFile(text, positions, options.maxNesting, sink);
  if (lexed.tooDeep) {
    result.errors = sink.errorCount() - errorsBefore;
    return result;
  }

  for (const auto& t : lexed.tokens) {
    size_t type = t->getType();
    if (type == FunnelLexer::LINE_COMMENT || type == FunnelLexer::BLOCK_COMMENT ||
        type == FunnelLexer::UNTERMINATED_COMMENT) {
      result.module->comments.push_back(
          ast::Comment{t->getText(), positions.of(t.get()), type != FunnelLexer::LINE_COMMENT});
    }
  }
  if (tokensOut) {
    // The tokens as lexed (after the repairs, which only a file with errors needs).
    tokensOut->clear();
    tokensOut->reserve(lexed.tokens.size());
    for (const auto& t : lexed.tokens) {
      if (t->getType() == antlr4::Token::EOF) continue;
      SourceRange r = positions.of(t.get());
      tokensOut->push_back(LexedToken{tokenClassOf(t->getType()), r.begin, r.end});
    }
  }
  antlr4::ListTokenSource tokenSource(std::move(lexed.tokens));
  TokenStream stream(&tokenSource);
  Parser parser(&stream);
  auto reporter = std::make_shared<SyntaxErrorReporter>(positions, sink, lexed.unclosed, false, lexed.runsToEnd);
  FunnelParser::FileContext* tree = parseTwoStage(parser, stream, reporter, result.usedFullLL);

  AstBuilder builder(positions, stream, sink, options.maxNesting);
  builder.build(tree, *result.module);
  result.errors = sink.errorCount() - errorsBefore;
  return result;
}

}  // namespace

ParseResult parseFile(const SourceFile& file, DiagnosticSink& sink, const ParseOptions& options) {
  return parseImpl(file, sink, options, nullptr);
}

ParseResult parseFileWithTokens(const SourceFile& file, DiagnosticSink& sink, std::vector<LexedToken>& tokens,
                                const ParseOptions& options) {
  return parseImpl(file, sink, options, &tokens);
}

std::string dumpTokens(const SourceFile& file) {
  std::string out;
  if (utf8::firstInvalid(file.text())) return out;
  OffsetMap map(file.text(), 0);
  Positions positions{file.id(), &map};
  LexedFile holder;
  for (const auto& [kind, token] : rawTokens(holder, file.text())) {
    LineColumn pos = file.position(positions.of(token).begin);
    out += fmt::format("{}:{} {} '{}'\n", pos.line, pos.column, kind, token->getText());
  }
  return out;
}

std::vector<LexedToken> lexForFormatting(const SourceFile& file) {
  std::vector<LexedToken> out;
  std::string_view text = file.text();
  if (utf8::firstInvalid(text)) return out;
  OffsetMap map(text, 0);
  FunnelCharStream input(text);
  Lexer lexer(&input);
  lexer.removeErrorListeners();
  out.reserve(text.size() / 6);
  while (true) {
    std::unique_ptr<antlr4::Token> t = lexer.nextToken();
    if (t->getType() == antlr4::Token::EOF) break;
    out.push_back(
        LexedToken{tokenClassOf(t->getType()), map.byteOf(t->getStartIndex()), map.byteOf(t->getStopIndex() + 1)});
  }
  return out;
}

const std::vector<Keyword>& keywords() {
  static const std::vector<std::string> texts = [] {
    std::vector<std::string> words;
    FunnelCharStream input("");
    FunnelLexer lexer(&input);
    const antlr4::dfa::Vocabulary& vocabulary = lexer.getVocabulary();
    for (size_t t = kFirstReserved; t <= kLastContextual; ++t) {
      std::string literal = vocabulary.getLiteralName(t);  // 'use', with its quotes
      words.push_back(literal.size() >= 2 ? literal.substr(1, literal.size() - 2) : literal);
    }
    return words;
  }();
  static const std::vector<Keyword> list = [] {
    std::vector<Keyword> out;
    for (size_t i = 0; i < texts.size(); ++i) {
      out.push_back(Keyword{texts[i], FunnelLexer::USE + i <= FunnelLexer::NEXT});
    }
    return out;
  }();
  return list;
}

}  // namespace voronka::parse
