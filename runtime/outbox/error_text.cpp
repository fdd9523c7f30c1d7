#include "runtime/outbox/error_text.h"

namespace voronka::outbox {

std::string excerpt(std::string_view text, size_t limit) {
  std::string out;
  for (char c : text) {
    bool space = static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;  // runs of blanks and line breaks: one space
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() <= limit) return out;
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  return out.substr(0, cut) + "…";
}

std::string urlForMessages(std::string_view url) {
  std::string_view out = url.substr(0, url.find_first_of("?#"));
  size_t scheme = out.find("://");
  if (scheme != std::string_view::npos) {
    size_t hostStart = scheme + 3;
    size_t at = out.find('@', hostStart);
    size_t slash = out.find('/', hostStart);
    if (at != std::string_view::npos && (slash == std::string_view::npos || at < slash)) {
      return std::string(out.substr(0, hostStart)) + std::string(out.substr(at + 1));
    }
  }
  return std::string(out);
}

}  // namespace voronka::outbox
