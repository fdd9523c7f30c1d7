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
};

struct ExtraReply {
  int status = 200;
  std::string body;  // JSON
};

struct ExtraRoute {
  std::string prefix;  // "/v1/crm/amocrm/"
  std::function<ExtraReply(const ExtraRequest&, EventWriter&)> handle;
};

}  // namespace voronka::server
