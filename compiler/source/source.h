// Source files: their bytes, a line index, and conversions between byte
// offsets and the columns people (code points) and editors (UTF-16) count.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.h"  // voronka::utf8, used by the columns below and by users of this header

namespace voronka {

using FileId = uint32_t;
inline constexpr FileId kNoFile = UINT32_MAX;

// A half-open byte range [begin, end) in one file.
struct SourceRange {
  FileId file = kNoFile;
  uint32_t begin = 0;
  uint32_t end = 0;

  bool valid() const { return file != kNoFile; }
  static SourceRange cover(const SourceRange& a, const SourceRange& b) {
    if (!a.valid()) return b;
    if (!b.valid()) return a;
    return {a.file, std::min(a.begin, b.begin), std::max(a.end, b.end)};
  }
};

// 1-based line and column; `column` counts code points, `utf16Column` UTF-16 units.
struct LineColumn {
  uint32_t line = 0;
  uint32_t column = 0;
  uint32_t utf16Column = 0;
};

class SourceFile {
 public:
  SourceFile(FileId id, std::string path, std::string text);

  FileId id() const { return id_; }
  const std::string& path() const { return path_; }
  std::string_view text() const { return text_; }
  size_t lineCount() const { return lineStarts_.size(); }

  LineColumn position(uint32_t offset) const;
  // Text of a 1-based line, without its line break.
  std::string_view lineText(uint32_t line) const;
  // Byte offset of a 1-based line and 0-based UTF-16 column (LSP positions).
  uint32_t offsetOfUtf16(uint32_t line, uint32_t utf16Column) const;

 private:
  FileId id_;
  std::string path_;
  std::string text_;
  std::vector<uint32_t> lineStarts_;
};

// Owns every file of a compilation; FileIds index into it.
class SourceManager {
 public:
  FileId add(std::string path, std::string text);
  const SourceFile& file(FileId id) const { return *files_.at(id); }
  size_t size() const { return files_.size(); }
  std::optional<FileId> find(const std::string& path) const;

  // The text of a range on one line, for messages: each run of white space
  // (newlines included) becomes one space. Empty for an invalid range.
  std::string collapsedText(SourceRange range) const;

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

}  // namespace voronka
