// How long and how many connections a client may hold (guarded_http.h
// enforces them; docs/operations.md lists them with their options).
#pragma once

#include <chrono>
#include <cstddef>

namespace voronka::server {

struct ConnectionLimits {
  size_t threads = 16;                                // workers answering requests (--http-threads)
  size_t maxPerClient = 64;                           // open connections per IP address
  std::chrono::milliseconds headDeadline{10'000};     // first byte of a request to the end of its headers
  std::chrono::milliseconds requestDeadline{60'000};  // first byte to the end of its body
  std::chrono::milliseconds keepAliveIdle{15'000};    // a kept-alive connection with no request is closed
  std::chrono::milliseconds ioTimeout{10'000};        // one read or write that makes no progress
  size_t maxRequestsPerConnection = 10'000;
};

}  // namespace voronka::server
