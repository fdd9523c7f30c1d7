#include "runtime/crm/http_call.h"

#include <cmath>

#include "runtime/outbox/curl_easy.h"

namespace voronka::crm {

namespace {

constexpr size_t kMaxAnswer = 16 << 20;  // a page of a list is far smaller

size_t keep(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t n = size * count;
  if (body->size() + n > kMaxAnswer) return 0;  // aborts the transfer
  body->append(data, n);
  return n;
}

}  // namespace

HttpAnswer perform(const HttpCall& call) {
  HttpAnswer answer;
  outbox::CurlEasy curl = outbox::newCurlEasy();
  outbox::CurlList headers;
  if (!call.contentType.empty()) headers.append("Content-Type: " + call.contentType);
  headers.append("Accept: application/json");
  headers.append("Expect:");
  for (const auto& h : call.headers) headers.append(h);
  char error[CURL_ERROR_SIZE] = {};
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::ceil(call.timeout * 1000)));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  if (call.method != "GET") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  }
  curl_easy_setopt(h, CURLOPT_USERAGENT, "voronka-crm/1");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) {
    answer.timedOut = code == CURLE_OPERATION_TIMEDOUT;
    answer.transportError = error[0] ? error : curl_easy_strerror(code);
    return answer;
  }
  answer.answered = true;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &answer.status);
  curl_off_t retryAfter = 0;
  if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retryAfter) == CURLE_OK && retryAfter > 0)
    answer.retryAfter = retryAfter;
  return answer;
}

std::string urlForMessages(const std::string& url) {
  std::string out = url.substr(0, url.find_first_of("?#"));
  size_t scheme = out.find("://");
  size_t hostStart = scheme == std::string::npos ? 0 : scheme + 3;
  size_t at = out.find('@', hostStart);
  size_t slash = out.find('/', hostStart);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) out.erase(hostStart, at - hostStart + 1);
  // Bitrix24's incoming webhook: /rest/USER/SECRET/method.json
  size_t rest = out.find("/rest/");
  if (rest != std::string::npos) {
    size_t user = out.find('/', rest + 6);
    if (user != std::string::npos) {
      size_t secretEnd = out.find('/', user + 1);
      out.replace(user + 1, (secretEnd == std::string::npos ? out.size() : secretEnd) - user - 1, "***");
    }
  }
  return out;
}

}  // namespace voronka::crm
