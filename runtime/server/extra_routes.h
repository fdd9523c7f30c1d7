// Routes that a library above the server adds (the CRM adapters of
// runtime/crm): POST PREFIX{secret}, answered on the HTTP threads and
// applying events through the same single writer. They authenticate
// themselves — a CRM cannot send a bearer token, so the secret is in the
// path — and so the API token is not asked for under their prefix.
#pragma once

#include <functional>
#include <string>

namespace voronka::server {

class EventWriter;

struct ExtraRequest {
  std::string secret;  // the last segment of the path
  std::string body;
  std::string contentType;
  std::string token;  // the bearer token sent, if any
};

struct ExtraReply {
  int status = 200;
  std::string body;  // JSON
};

struct ExtraRoute {
  std::string prefix;  // "/v1/crm/amocrm/"; with `exact`, the whole path ("/v1/modules")
  std::function<ExtraReply(const ExtraRequest&, EventWriter&)> handle;
  bool exact = false;
  std::string method = "POST";  // or "GET"
  bool needsToken = false;      // the API token is asked for as on every /v1 route (then no secret)
};

}  // namespace voronka::server
