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

}  // namespace voronka
