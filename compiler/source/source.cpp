#include "compiler/source/source.h"

#include <algorithm>

namespace voronka {

SourceFile::SourceFile(FileId id, std::string path, std::string text)
    : id_(id), path_(std::move(path)), text_(std::move(text)) {
  lineStarts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') lineStarts_.push_back(static_cast<uint32_t>(i + 1));
  }
}

LineColumn SourceFile::position(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
  auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), offset);
  size_t lineIndex = static_cast<size_t>(it - lineStarts_.begin()) - 1;
  LineColumn pos;
  pos.line = static_cast<uint32_t>(lineIndex + 1);
  pos.column = 1;
  pos.utf16Column = 1;
  size_t i = lineStarts_[lineIndex];
  while (i < offset) {
    char32_t cp = utf8::decode(text_, i);
    pos.column += 1;
    pos.utf16Column += cp > 0xFFFF ? 2 : 1;
  }
  return pos;
}

std::string_view SourceFile::lineText(uint32_t line) const {
  if (line == 0 || line > lineStarts_.size()) return {};
  size_t begin = lineStarts_[line - 1];
  size_t end = line < lineStarts_.size() ? lineStarts_[line] : text_.size();
  std::string_view view(text_.data() + begin, end - begin);
  while (!view.empty() && (view.back() == '\n' || view.back() == '\r')) view.remove_suffix(1);
  return view;
}

uint32_t SourceFile::offsetOfUtf16(uint32_t line, uint32_t utf16Column) const {
  if (line == 0) return 0;
  if (line > lineStarts_.size()) return static_cast<uint32_t>(text_.size());
  std::string_view lineView = lineText(line);
  size_t begin = lineStarts_[line - 1];
  size_t i = 0;
  uint32_t units = 0;
  while (i < lineView.size() && units < utf16Column) {
    char32_t cp = utf8::decode(lineView, i);
    units += cp > 0xFFFF ? 2 : 1;
  }
  return static_cast<uint32_t>(begin + i);
}

FileId SourceManager::add(std::string path, std::string text) {
  FileId id = static_cast<FileId>(files_.size());
  files_.push_back(std::make_unique<SourceFile>(id, std::move(path), std::move(text)));
  return id;
}

std::optional<FileId> SourceManager::find(const std::string& path) const {
  for (const auto& f : files_) {
    if (f->path() == path) return f->id();
  }
  return std::nullopt;
}

std::string SourceManager::collapsedText(SourceRange range) const {
  if (!range.valid()) return "";
  std::string_view raw = file(range.file).text().substr(range.begin, range.end - range.begin);
  std::string out;
  bool space = false;
  for (char c : raw) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

namespace utf8 {

std::optional<size_t> firstInvalid(std::string_view text) {
  size_t i = 0;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = sequenceLength(c);
    if (len == 1 || i + len > n) return i;
    char32_t cp = c & (0xFF >> (len + 1));
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid too.
    static constexpr char32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::nullopt;
}

char32_t decode(std::string_view text, size_t& i) {
  auto c = static_cast<unsigned char>(text[i]);
  size_t len = sequenceLength(c);
  if (len == 1 || i + len > text.size()) {
    ++i;
    return c < 0x80 ? c : 0xFFFD;
  }
  char32_t cp = c & (0xFF >> (len + 1));
  for (size_t k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += len;
  return cp;
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t codePointCount(std::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++count;
  }
  return count;
}

}  // namespace utf8
}  // namespace voronka
