// Lexing: ANTLR's lexer plus the checks it cannot express (error tokens turned
// into diagnostics, nesting depth bounded before the recursive parser runs).
#include <fmt/format.h>

#include "compiler/parse/internal.h"

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

}  // namespace

LexedFile lexFile(std::string_view text, const Positions& positions, int maxNesting, DiagnosticSink& sink) {
  LexedFile out;
  out.input = std::make_unique<FunnelCharStream>(text);
  out.lexer = std::make_unique<FunnelLexer>(out.input.get());
  out.lexer->removeErrorListeners();
  out.tokens = out.lexer->getAllTokens();

  std::vector<const antlr4::Token*> open;  // bracket stack
  int unaryRun = 0;
  bool reportedDepth = false;
  for (auto& owned : out.tokens) {
    auto* token = dynamic_cast<antlr4::CommonToken*>(owned.get());
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
      case FunnelLexer::UNTERMINATED_TEXT_BLOCK:
        sink.emit(diag::UnterminatedString, SourceRange{where.file, where.begin, where.begin + 1});
        token->setType(FunnelLexer::STRING);
        break;
      case FunnelLexer::UNTERMINATED_COMMENT:
        sink.emit(diag::UnterminatedComment, SourceRange{where.file, where.begin, where.begin + 2});
        token->setChannel(antlr4::Token::HIDDEN_CHANNEL);
        break;
      case FunnelLexer::BAD_CHAR: {
        std::string t = token->getText();
        std::string hint;
        if (t == "\u201C" || t == "\u201D" || t == "\u00AB" || t == "\u00BB" || t == "\u201E")
          hint = "; strings are written in straight double quotes \"…\"";
        else if (t == ";") hint = "; no `;` is needed, statements end where the next one starts";
        else if (t == "'") hint = "; strings are written in double quotes \"…\"";
        else if (t == "\u2014" || t == "\u2013") hint = "; write `-` (a plain hyphen)";
        else if (t == "\u2192") hint = "; write `->`";
        sink.emit(diag::BadCharacter, where, t, hint);
        token->setChannel(antlr4::Token::HIDDEN_CHANNEL);
        break;
      }
      default: break;
    }
    if (token->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;

    size_t type = token->getType();
    if (opensBracket(type)) {
      open.push_back(token);
      if (static_cast<int>(open.size()) > maxNesting && !reportedDepth) {
        sink.emit(diag::NestingTooDeep, where, maxNesting);
        reportedDepth = true;
      }
    } else if (closesBracket(type) && !open.empty()) {
      open.pop_back();
    }
    unaryRun = (type == FunnelLexer::NOT || type == FunnelLexer::MINUS) ? unaryRun + 1 : 0;
    if (unaryRun > maxNesting && !reportedDepth) {
      sink.emit(diag::NestingTooDeep, where, maxNesting);
      reportedDepth = true;
    }
  }
  out.tooDeep = reportedDepth;
  if (!open.empty()) out.unclosed = positions.of(open.back());
  return out;
}

}  // namespace voronka::parse
