// The parser's test and benchmark hooks (parse_testing.h).
#include "compiler/parse/parse_testing.h"

#include <fmt/format.h>

#include "compiler/parse/internal.h"
#include "compiler/parse/recognizers.h"

namespace voronka::parse {

bool parseOnlyWithAntlr(std::string_view text, bool fastStream) {
  auto quiet = std::make_shared<antlr4::DefaultErrorStrategy>();
  bool usedLL = false;
  if (fastStream) {
    FunnelCharStream input(text);
    Lexer lexer(&input);
    lexer.removeErrorListeners();
    TokenStream tokens(&lexer);
    Parser parser(&tokens);
    parseTwoStage(parser, tokens, quiet, usedLL);
    return parser.getNumberOfSyntaxErrors() == 0 && !usedLL;
  }
  antlr4::ANTLRInputStream input(text.data(), text.size());
  FunnelLexer lexer(&input);
  lexer.removeErrorListeners();
  antlr4::CommonTokenStream tokens(&lexer);
  FunnelParser parser(&tokens);
  parseTwoStage(parser, tokens, quiet, usedLL);
  return parser.getNumberOfSyntaxErrors() == 0 && !usedLL;
}

std::string traceLexer(std::string_view text, bool plainAntlr) {
  FunnelCharStream input(text);
  std::unique_ptr<FunnelLexer> lexer =
      plainAntlr ? std::make_unique<FunnelLexer>(&input) : std::make_unique<Lexer>(&input);
  lexer->removeErrorListeners();
  std::string out;
  while (true) {
    std::unique_ptr<antlr4::Token> t = lexer->nextToken();
    out += fmt::format("{} {} {}..{} {}:{} {}\n", t->getType(), t->getChannel(), t->getStartIndex(), t->getStopIndex(),
                       t->getLine(), t->getCharPositionInLine(), t->getText());
    if (t->getType() == antlr4::Token::EOF) return out;
  }
}

}  // namespace voronka::parse
