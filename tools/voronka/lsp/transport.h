// JSON-RPC 2.0 over a byte stream with LSP's framing: each message is
// `Content-Length: N\r\n` (other headers allowed), an empty line, then N
// bytes of JSON. Knows nothing of the language server's features.
#pragma once

#include <istream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

namespace voronka::lsp {

using Json = nlohmann::json;

// JSON-RPC and LSP error codes.
namespace error_code {
inline constexpr int ParseError = -32700;
inline constexpr int InvalidRequest = -32600;
inline constexpr int MethodNotFound = -32601;
inline constexpr int InvalidParams = -32602;
inline constexpr int InternalError = -32603;
inline constexpr int ServerNotInitialized = -32002;
inline constexpr int RequestFailed = -32803;
inline constexpr int RequestCancelled = -32800;
}  // namespace error_code

class Transport {
 public:
  Transport(std::istream& in, std::ostream& out) : in_(in), out_(out) {}

  enum class Read {
    Message,     // `message` holds the parsed JSON
    End,         // the input ended between messages
    BadFraming,  // a header was malformed or the input ended inside a message; `error` says which
    BadJson,     // the body was not JSON; `error` says why (the stream is still in step)
  };
  Read read(Json& message, std::string& error);

  // Writes one message; safe to call from several threads.
  void write(const Json& message);

 private:
  std::istream& in_;
  std::ostream& out_;
  std::mutex writeMutex_;
};

}  // namespace voronka::lsp
