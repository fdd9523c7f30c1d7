#include "tools/voronka/lsp/transport.h"

#include <charconv>

namespace voronka::lsp {
namespace {

// One header line without its "\r\n"; false at end of input.
bool readLine(std::istream& in, std::string& line) {
  line.clear();
  char c;
  while (in.get(c)) {
    if (c == '\n') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return true;
    }
    line += c;
    if (line.size() > 8192) return true;  // no header is this long: let the caller reject it
  }
  return !line.empty();
}

}  // namespace

Transport::Read Transport::read(Json& message, std::string& error) {
  std::string line;
  long long length = -1;
  bool sawHeader = false;
  while (true) {
    if (!readLine(in_, line)) {
      if (!sawHeader) return Read::End;
      error = "the input ended inside a message's headers";
      return Read::BadFraming;
    }
    if (line.empty()) {
      if (!sawHeader) continue;  // stray blank lines between messages
      break;
    }
    sawHeader = true;
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      error = "a header without `:`: " + line.substr(0, 80);
      return Read::BadFraming;
    }
    std::string name = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(value.begin());
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (name == "content-length") {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (ec != std::errc() || end != value.data() + value.size() || length < 0) {
        error = "a bad Content-Length: " + value;
        return Read::BadFraming;
      }
    }
  }
  if (length < 0) {
    error = "a message without a Content-Length header";
    return Read::BadFraming;
  }
  std::string body(static_cast<size_t>(length), '\0');
  in_.read(body.data(), length);
  if (in_.gcount() != length) {
    error = "the input ended inside a message";
    return Read::BadFraming;
  }
  try {
    message = Json::parse(body);
  } catch (const Json::parse_error& e) {
    error = e.what();
    return Read::BadJson;
  }
  return Read::Message;
}

void Transport::write(const Json& message) {
  // Invalid UTF-8 in a message (it cannot come from the compiler) is replaced, never thrown.
  std::string body = message.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::lock_guard<std::mutex> lock(writeMutex_);
  out_ << "Content-Length: " << body.size() << "\r\n\r\n" << body;
  out_.flush();
}

}  // namespace voronka::lsp
