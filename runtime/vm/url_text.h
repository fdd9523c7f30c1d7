// A value interpolated into a URL (a webhook's address) is percent-encoded
// whole: a deal's field holding "/", "?", "#" or "@" cannot rewrite the
// request's path, query or host. Only RFC 3986's unreserved characters stay.
#pragma once

#include <string>
#include <string_view>

namespace voronka::vm {

inline std::string percentEncoded(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace voronka::vm
