// The character stream the lexer reads. ANTLR's lexer caches its decisions
// only for characters below 128; every Cyrillic letter would otherwise go
// through the slow ATN simulation. This stream shows the lexer an ASCII stand-in
// of the same lexical class for each other character (a letter reads as `a`,
// a no-break space as a space, anything else as a control character that only
// strings and comments accept), while token texts still come from the
// original. The classes come from ANTLR's own lexer, so the language is the
// one Funnel.g4 defines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "antlr4-runtime.h"

namespace voronka::parse {

class FunnelCharStream : public antlr4::CharStream {
 public:
  explicit FunnelCharStream(std::string_view utf8);

  void consume() override;
  size_t LA(ssize_t i) override;
  ssize_t mark() override { return -1; }
  void release(ssize_t) override {}
  size_t index() override { return position_; }
  void seek(size_t index) override { position_ = std::min(index, lexed_.size()); }
  size_t size() override { return lexed_.size(); }
  std::string getSourceName() const override { return "funnel"; }
  std::string getText(const antlr4::misc::Interval& interval) override;
  std::string toString() const override { return std::string(text_); }

 private:
  std::string_view text_;             // the original UTF-8
  std::vector<uint8_t> lexed_;        // what the lexer sees, one entry per code point
  std::vector<uint32_t> byteOffset_;  // code point index → byte offset (empty when all ASCII)
  size_t position_ = 0;
};

}  // namespace voronka::parse
