#include "runtime/outbox/http_post.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "runtime/outbox/address_policy.h"
#include "runtime/outbox/curl_easy.h"
#include "runtime/outbox/error_text.h"

namespace voronka::outbox {

namespace {

constexpr size_t kKeptBody = 2048;  // enough of an error page to quote

size_t keepBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t n = size * count;
  if (body->size() < kKeptBody) body->append(data, std::min(n, kKeptBody - body->size()));
  return n;  // the rest is read and dropped
}

// Checks each address libcurl is about to connect to (after DNS resolution).
struct AddressCheck {
  std::string refused;
};

curl_socket_t openCheckedSocket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* check = static_cast<AddressCheck*>(user);
  if (purpose == CURLSOCKTYPE_IPCXN) {
    if (std::optional<std::string> kind = internalAddressKind(&address->addr)) {
      char text[INET6_ADDRSTRLEN] = {};
      const void* raw =
          address->family == AF_INET6
              ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(&address->addr)->sin6_addr)
              : static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(&address->addr)->sin_addr);
      inet_ntop(address->family, raw, text, sizeof text);
      check->refused = fmt::format("{} is {}", text, *kind);
      return CURL_SOCKET_BAD;
    }
  }
  return socket(address->family, address->socktype, address->protocol);
}

}  // namespace

HttpReply postJson(const HttpPost& request) {
  HttpReply reply;
  CurlEasy curl = newCurlEasy();
  CurlList headers;
  headers.append("Content-Type: application/json");
  headers.append("Idempotency-Key: " + request.idempotencyKey);
  headers.append("Expect:");  // no 100-continue round trip for large bodies
  for (const auto& [name, value] : request.headers) headers.append(name + ": " + value);
  char error[CURL_ERROR_SIZE] = {};
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");  // a funnel's URL never reaches file:// or others
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);                 // timeouts without SIGALRM: safe in threads
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::ceil(request.timeout * 1000)));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(h, CURLOPT_USERAGENT, "voronka-outbox/1");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keepBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  AddressCheck check;
  if (request.refuseInternal && !hostAllowed(urlHost(request.url), request.allowedHosts)) {
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, openCheckedSocket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &check);
  }
  CURLcode code = curl_easy_perform(h);
  if (!check.refused.empty()) {
    reply.refused = check.refused;
    return reply;
  }
  if (code != CURLE_OK) {
    reply.timedOut = code == CURLE_OPERATION_TIMEDOUT;
    reply.transportError = error[0] ? error : curl_easy_strerror(code);
    return reply;
  }
  reply.answered = true;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_off_t retryAfter = 0;
  if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retryAfter) == CURLE_OK && retryAfter > 0)
    reply.retryAfter = retryAfter;
  return reply;
}

DeliveryResult deliveryResultOf(const HttpReply& reply, const HttpPost& request) {
  std::string where = "POST " + urlForMessages(request.url);
  if (!reply.refused.empty()) {
    return DeliveryResult::permanent(fmt::format(
        "{}: refused: {}, inside the server's network; if this host is yours, allow it with --allow-webhook-host {} "
        "or [webhook] allow_hosts in serve.toml",
        where, reply.refused, urlHost(request.url)));
  }
  if (!reply.answered) {
    if (reply.timedOut) return DeliveryResult::retry(fmt::format("{}: no answer within {} s", where, request.timeout));
    return DeliveryResult::retry(fmt::format("{}: {}", where, excerpt(reply.transportError)));
  }
  long s = reply.status;
  DeliveryResult result;
  std::string message = fmt::format("{}: HTTP {}", where, s);
  if (std::string body = excerpt(reply.body); !body.empty()) message += ": " + body;
  if (s >= 200 && s < 300) {
    result = DeliveryResult::delivered();
  } else if (s == 408 || s == 429 || s >= 500) {
    result = DeliveryResult::retry(std::move(message), reply.retryAfter);
  } else {
    if (s >= 300 && s < 400) message += " (redirects are not followed: use the address it points to)";
    result = DeliveryResult::permanent(std::move(message));
  }
  result.httpStatus = static_cast<int32_t>(s);
  return result;
}

}  // namespace voronka::outbox
