#include "tools/voronka/lsp/positions.h"

#include <fmt/format.h>

namespace voronka::lsp {

std::string_view encodingName(PositionEncoding e) { return e == PositionEncoding::Utf32 ? "utf-32" : "utf-16"; }

Position positionOf(const SourceFile& file, uint32_t offset, PositionEncoding encoding) {
  LineColumn lc = file.position(offset);
  return Position{lc.line - 1, (encoding == PositionEncoding::Utf32 ? lc.column : lc.utf16Column) - 1};
}

uint32_t offsetOf(const SourceFile& file, Position p, PositionEncoding encoding) {
  if (p.line >= file.lineCount()) return static_cast<uint32_t>(file.text().size());
  if (encoding == PositionEncoding::Utf16) return file.offsetOfUtf16(p.line + 1, p.character);
  uint32_t start = file.offsetOfUtf16(p.line + 1, 0);
  std::string_view line = file.lineText(p.line + 1);
  size_t i = 0;
  for (uint32_t n = 0; n < p.character && i < line.size(); ++n) utf8::decode(line, i);
  return start + static_cast<uint32_t>(i);
}

Json toJson(Position p) { return Json{{"line", p.line}, {"character", p.character}}; }

Json rangeJson(const SourceFile& file, SourceRange range, PositionEncoding encoding) {
  return Json{{"start", toJson(positionOf(file, range.begin, encoding))},
              {"end", toJson(positionOf(file, range.end, encoding))}};
}

std::optional<Position> positionFromJson(const Json& j) {
  if (!j.is_object() || !j.contains("line") || !j.contains("character")) return std::nullopt;
  const Json& l = j["line"];
  const Json& c = j["character"];
  if (!l.is_number_integer() || !c.is_number_integer() || l.get<long long>() < 0 || c.get<long long>() < 0) {
    return std::nullopt;
  }
  return Position{l.get<uint32_t>(), c.get<uint32_t>()};
}

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> pathFromUri(std::string_view uri) {
  constexpr std::string_view scheme = "file://";
  if (uri.substr(0, scheme.size()) != scheme) return std::nullopt;
  std::string_view rest = uri.substr(scheme.size());
  // file://host/path: only the local host (empty or localhost) is a path here.
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view host = rest.substr(0, slash);
  if (!host.empty() && host != "localhost") return std::nullopt;
  rest = rest.substr(slash);
  std::string path;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%' && i + 2 < rest.size() && hexValue(rest[i + 1]) >= 0 && hexValue(rest[i + 2]) >= 0) {
      path += static_cast<char>(hexValue(rest[i + 1]) * 16 + hexValue(rest[i + 2]));
      i += 2;
    } else {
      path += rest[i];
    }
  }
  return path;
}

std::string documentPath(std::string_view uri) {
  if (std::optional<std::string> path = pathFromUri(uri)) return *path;
  std::string name;
  for (char c : uri) name += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  return "/untitled/" + name;
}

std::string uriFromPath(std::string_view path) {
  std::string out = "file://";
  for (unsigned char c : path) {
    bool plain = std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace voronka::lsp
