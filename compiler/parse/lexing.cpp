// Lexing: ANTLR's lexer plus the checks it cannot express (error tokens turned
// into diagnostics, nesting depth bounded before the recursive parser runs).
#include <fmt/format.h>

#include "compiler/parse/internal.h"
#include "compiler/parse/recognizers.h"

namespace voronka::parse {

OffsetMap::OffsetMap(std::string_view text, uint32_t base) : base_(base) {
  for (unsigned char c : text) {
    if (c >= 0x80) {
      identity_ = false;
      break;
    }
  }
  if (identity_) return;
  offsets_.reserve(text.size() + 1);
  size_t i = 0;
  while (i < text.size()) {
    offsets_.push_back(base + static_cast<uint32_t>(i));
    utf8::decode(text, i);
  }
  offsets_.push_back(base + static_cast<uint32_t>(text.size()));
}

SourceRange Positions::of(const antlr4::Token* t) const {
  if (!t) return {};
  if (t->getType() == antlr4::Token::EOF) {
    uint32_t at = map->byteOf(t->getStartIndex());
    return {file, at, at};
  }
  return {file, map->byteOf(t->getStartIndex()), map->byteOf(t->getStopIndex() + 1)};
}

SourceRange Positions::of(antlr4::ParserRuleContext* ctx) const {
  if (!ctx || !ctx->getStart()) return {};
  SourceRange begin = of(ctx->getStart());
  const antlr4::Token* stop = ctx->getStop();
  // An empty rule (error recovery) stops before it starts.
  if (!stop || stop->getTokenIndex() < ctx->getStart()->getTokenIndex()) return {file, begin.begin, begin.begin};
  SourceRange end = of(stop);
  return {file, begin.begin, std::max(begin.begin, end.end)};
}

namespace {

bool opensBracket(size_t type) {
  return type == FunnelLexer::LBRACE || type == FunnelLexer::LPAREN || type == FunnelLexer::LBRACK;
}
bool closesBracket(size_t type) {
  return type == FunnelLexer::RBRACE || type == FunnelLexer::RPAREN || type == FunnelLexer::RBRACK;
}

std::string badNumberAdvice(std::string_view text) {
  size_t letters = text.find_first_not_of("0123456789_.");
  std::string_view unit = text.substr(letters);
  std::string_view number = text.substr(0, letters);
  if (unit == "days" || unit == "day" || unit == "дней" || unit == "дня" || unit == "д")
    return fmt::format("for a duration write `{}d`", number);
  if (unit == "workdays" || unit == "workday") return fmt::format("write `{} workdays` with a space", number);
  if (unit == "hours" || unit == "hour" || unit == "ч") return fmt::format("for a duration write `{}h`", number);
  if (unit == "min" || unit == "mins" || unit == "minutes" || unit == "мин")
    return fmt::format("for a duration write `{}m`", number);
  if (unit == "weeks" || unit == "week" || unit == "нед") return fmt::format("for a duration write `{}w`", number);
  if (unit == "s" || unit == "sec") return "durations are counted in minutes at the finest (`1m`)";
  return "durations are written `30m`, `2h`, `3d`, `1w` or `1d12h`; names may not start with a digit";
}

// Quotes pasted from word processors, and what closes each.
std::string_view closingQuote(std::string_view open) {
  if (open == "\u00AB") return "\u00BB";  // « »
  if (open == "\u201C") return "\u201D";  // “ ”
  if (open == "\u201E") return "\u201C";  // „ “
  if (open == "'") return "'";
  return {};
}

std::string badCharacterHint(std::string_view t) {
  if (t == "\u201C" || t == "\u201D" || t == "\u00AB" || t == "\u00BB" || t == "\u201E")
    return "; strings are written in straight double quotes \"…\"";
  if (t == "'") return "; strings are written in double quotes \"…\"";
  if (t == ";") return "; no `;` is needed, statements end where the next one starts";
  if (t == "\u2014" || t == "\u2013") return "; write `-` (a plain hyphen)";
  if (t == "\u2192") return "; write `->`";
  return {};
}

std::vector<std::unique_ptr<antlr4::Token>> lexAll(FunnelLexer& lexer) {
  std::vector<std::unique_ptr<antlr4::Token>> tokens;
  while (true) {
    std::unique_ptr<antlr4::Token> t = lexer.nextToken();
    bool eof = t->getType() == antlr4::Token::EOF;
    if (eof && !tokens.empty()) {
      // "Unexpected end of file" points just after the last thing written,
      // not at the empty line after the final line break.
      auto* end = static_cast<antlr4::CommonToken*>(t.get());
      const antlr4::Token* last = tokens.back().get();
      end->setStartIndex(last->getStopIndex() + 1);
      end->setStopIndex(last->getStopIndex());
      end->setLine(last->getLine());
    }
    tokens.push_back(std::move(t));
    if (eof) return tokens;
  }
}

}  // namespace

LexedFile lexFile(std::string_view text, const Positions& positions, int maxNesting, DiagnosticSink& sink) {
  LexedFile out;
  out.input = std::make_unique<FunnelCharStream>(text);
  out.lexer = std::make_unique<Lexer>(out.input.get());
  out.lexer->removeErrorListeners();
  out.tokens = lexAll(*out.lexer);

  std::vector<const antlr4::Token*> open;  // bracket stack
  int unaryRun = 0;
  bool reportedDepth = false;
  auto tooDeep = [&](SourceRange where) {
    if (reportedDepth) return;
    sink.emit(diag::NestingTooDeep, where, fmt::format("nesting is deeper than {} levels", maxNesting));
    reportedDepth = true;
  };
  for (size_t i = 0; i < out.tokens.size(); ++i) {
    // The lexer makes CommonTokens only.
    auto* token = static_cast<antlr4::CommonToken*>(out.tokens[i].get());
    SourceRange where = positions.of(token);
    switch (token->getType()) {
      case FunnelLexer::BAD_NUMBER: {
        std::string t = token->getText();
        sink.emit(diag::BadNumber, where, t, badNumberAdvice(t));
        // A duration fits wherever a number or a duration may stand, so the
        // parser goes on without a second error for the same token.
        token->setType(FunnelLexer::DURATION);
        break;
      }
      case FunnelLexer::UNTERMINATED_STRING:
        sink.emit(diag::UnterminatedString, SourceRange{where.file, where.begin, where.begin + 1}, "string",
                  "`\"` on the same line, or use a text block \"\"\"…\"\"\" for text over several lines");
        token->setType(FunnelLexer::STRING);
        break;
      case FunnelLexer::UNTERMINATED_TEXT_BLOCK:
        sink.emit(diag::UnterminatedString, SourceRange{where.file, where.begin, where.begin + 3}, "text block",
                  "`\"\"\"`");
        token->setType(FunnelLexer::STRING);
        out.runsToEnd = true;
        break;
      case FunnelLexer::UNTERMINATED_COMMENT:
        sink.emit(diag::UnterminatedComment, SourceRange{where.file, where.begin, where.begin + 2});
        token->setChannel(antlr4::Token::HIDDEN_CHANNEL);
        out.runsToEnd = true;
        break;
      case FunnelLexer::BAD_CHAR: {
        std::string t = token->getText();
        sink.emit(diag::BadCharacter, where, t, badCharacterHint(t));
        token->setChannel(antlr4::Token::HIDDEN_CHANNEL);
        // Read what a stray character stands for, so no syntax error follows.
        if (t == "\u2014" || t == "\u2013") {
          token->setType(FunnelLexer::MINUS);
          token->setChannel(antlr4::Token::DEFAULT_CHANNEL);
        } else if (t == "\u2192") {
          token->setType(FunnelLexer::ARROW);
          token->setChannel(antlr4::Token::DEFAULT_CHANNEL);
        } else if (std::string_view close = closingQuote(t); !close.empty()) {
          // «…», “…”, '…' on one line become the string they were meant to be.
          for (size_t j = i + 1; j < out.tokens.size(); ++j) {
            auto* end = static_cast<antlr4::CommonToken*>(out.tokens[j].get());
            if (end->getType() == antlr4::Token::EOF || end->getLine() != token->getLine()) break;
            if (end->getType() != FunnelLexer::BAD_CHAR || end->getText() != close) continue;
            std::string inner = out.input->getText(antlr4::misc::Interval(
                static_cast<ssize_t>(token->getStopIndex() + 1), static_cast<ssize_t>(end->getStartIndex()) - 1));
            std::string quoted = "\"";
            for (char c : inner) {
              if (c == '"' || c == '\\') quoted += '\\';
              quoted += c;
            }
            quoted += '"';
            sink.emit(diag::BadCharacter, positions.of(end), std::string(close), badCharacterHint(close));
            token->setType(FunnelLexer::STRING);
            token->setText(quoted);
            token->setStopIndex(end->getStopIndex());
            token->setChannel(antlr4::Token::DEFAULT_CHANNEL);
            for (size_t k = i + 1; k <= j; ++k) {
              static_cast<antlr4::CommonToken*>(out.tokens[k].get())->setChannel(antlr4::Token::HIDDEN_CHANNEL);
            }
            i = j;
            break;
          }
        }
        break;
      }
      default: break;
    }
    if (token->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;

    size_t type = token->getType();
    if (opensBracket(type)) {
      open.push_back(token);
      if (static_cast<int>(open.size()) > maxNesting) tooDeep(where);
    } else if (closesBracket(type) && !open.empty()) {
      open.pop_back();
    }
    unaryRun = (type == FunnelLexer::NOT || type == FunnelLexer::MINUS) ? unaryRun + 1 : 0;
    if (unaryRun > maxNesting) tooDeep(where);
  }
  out.tooDeep = reportedDepth;
  if (!open.empty()) out.unclosed = positions.of(open.back());
  return out;
}

std::vector<std::pair<std::string, antlr4::Token*>> rawTokens(LexedFile& holder, std::string_view text) {
  holder.input = std::make_unique<FunnelCharStream>(text);
  holder.lexer = std::make_unique<Lexer>(holder.input.get());
  holder.lexer->removeErrorListeners();
  holder.tokens = lexAll(*holder.lexer);
  std::vector<std::pair<std::string, antlr4::Token*>> out;
  const antlr4::dfa::Vocabulary& vocabulary = holder.lexer->getVocabulary();
  for (const auto& t : holder.tokens) {
    if (t->getType() == antlr4::Token::EOF || t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    out.emplace_back(vocabulary.getSymbolicName(t->getType()), t.get());
  }
  return out;
}

}  // namespace voronka::parse
