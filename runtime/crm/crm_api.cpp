#include "runtime/crm/crm_api.h"

#include <fmt/format.h>

#include "runtime/crm/form_body.h"
#include "runtime/crm/http_call.h"

namespace voronka::crm {

namespace {

constexpr double kDefaultHoldOff = 2;  // seconds after a "too many" without Retry-After
constexpr size_t kQuoted = 300;

std::string quote(const std::string& body) {
  std::string s = body.substr(0, kQuoted);
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

CrmApi::CrmApi(const CrmConfig& config, TokenKeeper& tokens, RateLimiter& limiter)
    : config_(config), tokens_(tokens), limiter_(limiter) {}

ApiAnswer CrmApi::amo(const std::string& method, const std::string& path, const nlohmann::json& body) {
  return send(method, config_.url + path, body.is_null() ? "" : body.dump(), body.is_null() ? "" : "application/json",
              false);
}

ApiAnswer CrmApi::bitrix(const std::string& method, const nlohmann::json& params) {
  return send("POST", config_.url + "/" + method + ".json", encodeForm(params), "application/x-www-form-urlencoded",
              true);
}

ApiAnswer CrmApi::send(const std::string& method, const std::string& url, const std::string& body,
                       const std::string& contentType, bool bitrix) {
  ApiAnswer out;
  std::string where = fmt::format("{} {}", method, urlForMessages(url));
  Result<std::string> token = tokens_.current();
  if (!token) return {ApiAnswer::Status::Retry, nullptr, token.error(), std::nullopt};
  for (int attempt = 0; attempt < 2; ++attempt) {
    HttpCall call;
    call.method = method;
    call.url = url;
    call.body = body;
    call.contentType = contentType;
    call.timeout = config_.timeout;
    if (!token->empty()) {
      if (bitrix) {
        call.body += (call.body.empty() ? "" : "&") + std::string("auth=") + percentEncode(*token);
      } else {
        call.headers.push_back("Authorization: Bearer " + *token);
      }
    }
    limiter_.acquire();
    ++calls_;
    HttpAnswer a = perform(call);
    if (!a.answered) {
      return {ApiAnswer::Status::Retry, nullptr,
              fmt::format("{}: {}", where,
                          a.timedOut ? fmt::format("no answer within {} s", config_.timeout) : a.transportError),
              std::nullopt};
    }
    nlohmann::json j = a.body.empty() ? nlohmann::json() : nlohmann::json::parse(a.body, nullptr, false);
    std::string code =
        j.is_object() && j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>() : "";
    if (a.status == 401 && attempt == 0 && tokens_.usesOAuth()) {
      token = tokens_.renewAfter(*token);
      if (!token) return {ApiAnswer::Status::Retry, nullptr, token.error(), std::nullopt};
      continue;
    }
    if (a.status == 429 || a.status == 503 || code == "QUERY_LIMIT_EXCEEDED") {
      double wait = a.retryAfter ? static_cast<double>(*a.retryAfter) : kDefaultHoldOff;
      limiter_.holdOff(wait);
      return {ApiAnswer::Status::Retry, nullptr,
              fmt::format("{}: HTTP {} {}", where, a.status, code.empty() ? "too many requests" : code),
              a.retryAfter ? a.retryAfter : std::optional<int64_t>(static_cast<int64_t>(kDefaultHoldOff))};
    }
    if (a.status >= 500 || a.status == 408) {
      return {ApiAnswer::Status::Retry, nullptr, fmt::format("{}: HTTP {}: {}", where, a.status, quote(a.body)),
              a.retryAfter};
    }
    if (a.status < 200 || a.status >= 300 || (bitrix && !code.empty())) {
      return {ApiAnswer::Status::Permanent, nullptr, fmt::format("{}: HTTP {}: {}", where, a.status, quote(a.body)),
              std::nullopt};
    }
    if (bitrix) {
      if (!j.is_object() || !j.contains("result"))
        return {ApiAnswer::Status::Retry, nullptr, fmt::format("{}: an answer without result", where), std::nullopt};
      out.body = j["result"];
    } else {
      out.body = j;
    }
    return out;
  }
  return {ApiAnswer::Status::Retry, nullptr, fmt::format("{}: the renewed token was refused too", where), std::nullopt};
}

}  // namespace voronka::crm
