// LSP positions: 0-based lines and characters counted in the negotiated
// encoding (UTF-16 code units by default, code points when the client
// offers utf-32), and file URIs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "compiler/source/source.h"
#include "tools/voronka/lsp/transport.h"

namespace voronka::lsp {

enum class PositionEncoding { Utf16, Utf32 };
std::string_view encodingName(PositionEncoding e);

struct Position {
  uint32_t line = 0;
  uint32_t character = 0;
};

Position positionOf(const SourceFile& file, uint32_t offset, PositionEncoding encoding);
// The byte offset of a position; characters past the end of a line clamp to
// it, lines past the end of the file to the end of the file.
uint32_t offsetOf(const SourceFile& file, Position position, PositionEncoding encoding);

Json toJson(Position p);
Json rangeJson(const SourceFile& file, SourceRange range, PositionEncoding encoding);
std::optional<Position> positionFromJson(const Json& j);

// file:///home/a%20b/x.funnel ↔ /home/a b/x.funnel. Other schemes: nullopt.
std::optional<std::string> pathFromUri(std::string_view uri);
std::string uriFromPath(std::string_view path);
// The path a document is known by: its file's path, or for an editor's
// unsaved buffer (`untitled:Untitled-1`) a made-up one under /untitled/.
std::string documentPath(std::string_view uri);

}  // namespace voronka::lsp
