// One HTTP exchange with a CRM's API over libcurl: any method, a JSON or
// form body, the whole answer kept (list calls are large).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace voronka::crm {

struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::string body;
  std::string contentType;           // "application/json", "application/x-www-form-urlencoded"
  std::vector<std::string> headers;  // "Authorization: Bearer …"
  double timeout = 10;               // seconds for the whole exchange
};

struct HttpAnswer {
  bool answered = false;  // false: no HTTP answer (transportError says why)
  bool timedOut = false;
  std::string transportError;
  long status = 0;
  std::string body;
  std::optional<int64_t> retryAfter;  // seconds, from Retry-After
};

HttpAnswer perform(const HttpCall& call);

// The URL without its query string, user or secret path (for messages:
// a Bitrix24 webhook URL carries its secret in the path).
std::string urlForMessages(const std::string& url);

}  // namespace voronka::crm
