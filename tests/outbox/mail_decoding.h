// Reading letters back in the tests: base64 and RFC 2047 encoded words.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace voronka::testing {

inline std::string unbase64(std::string_view text) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    size_t v = kAlphabet.find(c);
    if (v == std::string::npos) continue;  // '=', line breaks
    bits = bits << 6 | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  return out;
}

// Decodes "=?UTF-8?B?…?=" words; the spaces between two such words go.
inline std::string decodeHeader(std::string_view value) {
  std::string out;
  bool lastWasEncoded = false;
  while (!value.empty()) {
    size_t start = value.find("=?UTF-8?B?");
    std::string_view before = value.substr(0, start);
    bool blank = before.find_first_not_of(" \t\r\n") == std::string_view::npos;  // folding too
    if (!(lastWasEncoded && blank && start != std::string_view::npos)) out += std::string(before);
    if (start == std::string_view::npos) break;
    size_t end = value.find("?=", start + 10);
    out += unbase64(value.substr(start + 10, end - start - 10));
    value.remove_prefix(end + 2);
    lastWasEncoded = true;
  }
  return out;
}

struct ParsedMail {
  std::map<std::string, std::string> headers;  // unfolded
  std::string body;                            // as sent (still encoded)
};

inline ParsedMail parseMail(const std::string& data) {
  ParsedMail mail;
  size_t end = data.find("\r\n\r\n");
  std::string head = data.substr(0, end);
  mail.body = data.substr(end + 4);
  std::string name;
  size_t at = 0;
  while (at < head.size()) {
    size_t next = head.find("\r\n", at);
    if (next == std::string::npos) next = head.size();
    std::string line = head.substr(at, next - at);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      mail.headers[name] += line;  // a folded line goes on the last header
    } else {
      size_t colon = line.find(':');
      name = line.substr(0, colon);
      mail.headers[name] = line.substr(colon + 2);
    }
    at = next + 2;
  }
  return mail;
}

}  // namespace voronka::testing
