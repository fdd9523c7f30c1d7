// A web application mounted on the server under a path prefix (the console
// of runtime/console): it sees plain requests and answers plain replies, so
// it needs neither cpp-httplib nor the engine, and does its own
// authentication (the API token is not asked for outside /v1/).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace voronka::server {

struct WebRequest {
  std::string method;  // GET, POST
  std::string path;    // without the query
  std::multimap<std::string, std::string> params;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string remoteAddress{};  // the client's IP address, as the socket says (may be left out of an initializer)

  std::string header(const std::string& lowerName) const {
    auto found = headers.find(lowerName);
    return found == headers.end() ? "" : found->second;
  }
  std::string param(const std::string& name) const {
    auto found = params.find(name);
    return found == params.end() ? "" : found->second;
  }
};

struct WebReply {
  int status = 200;
  std::string contentType = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct WebApp {
  std::string prefix;  // "/console": the app answers the prefix and every path under it
  std::function<WebReply(const WebRequest&)> handle;
};

}  // namespace voronka::server
