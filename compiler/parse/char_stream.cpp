#include "compiler/parse/char_stream.h"

#include <array>
#include <atomic>
#include <mutex>
#include <unordered_map>

#include "FunnelLexer.h"
#include "compiler/source/source.h"

namespace voronka::parse {
namespace {

// Stand-ins; each is a character the grammar treats exactly like the class.
constexpr uint8_t kLetter = 'a';    // may start a name
constexpr uint8_t kNameTail = '_';  // continues a name (marks, non-ASCII digits)
constexpr uint8_t kSpace = ' ';     // a no-break space, a byte-order mark
constexpr uint8_t kOther = 0x01;    // only strings and comments take it

// Asks the generated lexer what a character is: a name on its own, a name
// after `a`, whitespace, or none of these.
uint8_t probe(char32_t cp) {
  using voronka_grammar::FunnelLexer;
  auto lexOne = [](const std::string& text) {
    antlr4::ANTLRInputStream input(text);
    FunnelLexer lexer(&input);
    lexer.removeErrorListeners();
    std::unique_ptr<antlr4::Token> t = lexer.nextToken();
    bool whole = t->getStopIndex() + 1 == input.size();
    return std::make_pair(t->getType(), whole);
  };
  std::string alone;
  utf8::append(alone, cp);
  auto [type, whole] = lexOne(alone);
  if (type == FunnelLexer::IDENT && whole) return kLetter;
  auto [tailType, tailWhole] = lexOne("a" + alone);
  if (tailType == FunnelLexer::IDENT && tailWhole) return kNameTail;
  // Whitespace is skipped, so the first token is EOF.
  if (type == antlr4::Token::EOF) return kSpace;
  return kOther;
}

uint8_t standIn(char32_t cp) {
  if (cp < 0x80) return static_cast<uint8_t>(cp);
  // The Basic Multilingual Plane in a table filled as characters appear
  // (0 = not asked yet); the rest in a map.
  static std::array<std::atomic<uint8_t>, 0x10000> bmp{};
  if (cp < 0x10000) {
    uint8_t known = bmp[cp].load(std::memory_order_relaxed);
    if (known) return known;
    uint8_t cls = probe(cp);
    bmp[cp].store(cls, std::memory_order_relaxed);
    return cls;
  }
  static std::mutex mutex;
  static std::unordered_map<char32_t, uint8_t> others;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = others.find(cp);
  if (it != others.end()) return it->second;
  uint8_t cls = probe(cp);
  others.emplace(cp, cls);
  return cls;
}

}  // namespace

FunnelCharStream::FunnelCharStream(std::string_view utf8) : text_(utf8) {
  lexed_.reserve(utf8.size());
  bool ascii = true;
  for (unsigned char c : utf8) {
    if (c >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    lexed_.assign(utf8.begin(), utf8.end());
    return;
  }
  byteOffset_.reserve(utf8.size() + 1);
  size_t i = 0;
  while (i < utf8.size()) {
    byteOffset_.push_back(static_cast<uint32_t>(i));
    char32_t cp = utf8::decode(utf8, i);
    lexed_.push_back(standIn(cp));
  }
  byteOffset_.push_back(static_cast<uint32_t>(utf8.size()));
}

void FunnelCharStream::consume() {
  if (position_ >= lexed_.size()) throw antlr4::IllegalStateException("cannot consume EOF");
  ++position_;
}

size_t FunnelCharStream::LA(ssize_t i) {
  if (i == 0) return 0;
  ssize_t at = i > 0 ? static_cast<ssize_t>(position_) + i - 1 : static_cast<ssize_t>(position_) + i;
  if (at < 0 || at >= static_cast<ssize_t>(lexed_.size())) return antlr4::IntStream::EOF;
  return lexed_[static_cast<size_t>(at)];
}

std::string FunnelCharStream::getText(const antlr4::misc::Interval& interval) {
  if (interval.a < 0 || interval.b < interval.a) return {};
  size_t a = static_cast<size_t>(interval.a);
  size_t b = std::min(static_cast<size_t>(interval.b) + 1, lexed_.size());
  if (a >= b) return {};
  if (byteOffset_.empty()) return std::string(text_.substr(a, b - a));
  return std::string(text_.substr(byteOffset_[a], byteOffset_[b] - byteOffset_[a]));
}

}  // namespace voronka::parse
