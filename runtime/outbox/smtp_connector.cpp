// The email connector: one letter per effect through the [smtp] server,
// with libcurl. The envelope sender is [smtp] from (the account the server
// lets us send as); the From header is the funnel's user when [users] knows
// their address. The Message-ID comes from the effect's key, so a letter
// sent twice (at-least-once delivery) is recognisable as the same letter.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>

#include "runtime/outbox/connectors.h"
#include "runtime/outbox/curl_easy.h"
#include "runtime/outbox/error_text.h"
#include "runtime/outbox/mail_message.h"
#include "runtime/outbox/payload.h"
#include "runtime/outbox/undeliverable.h"

namespace voronka::outbox {

namespace {

struct Upload {
  const std::string& data;
  size_t offset = 0;
};

size_t readUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

class SmtpConnector : public Connector {
 public:
  explicit SmtpConnector(const ServeConfig& config)
      : smtp_(config.smtp), users_(config.users), timeout_(config.smtp.timeout.value_or(config.outbox.timeout)) {}

  DeliveryResult deliver(const store::EffectRecord& effect) override {
    if (smtp_.url.empty()) return DeliveryResult::permanent("email is not configured: set url in [smtp] of serve.toml");
    std::optional<nlohmann::json> payload = payloadOf(effect);
    if (!payload) return DeliveryResult::permanent("the email's payload is not a JSON object");
    if (auto why = undeliverableReason(effect.kind, *payload)) return DeliveryResult::permanent(*why);
    MailMessage message;
    message.to = textOf(*payload, "to");
    std::string user = textOf(*payload, "from");
    if (auto it = users_.find(user); it != users_.end()) {
      message.from = it->second;
    } else if (smtp_.from) {
      message.from = *smtp_.from;
    } else if (user.empty()) {
      return DeliveryResult::permanent("no sender address: set from in [smtp] of serve.toml");
    } else {
      return DeliveryResult::permanent(fmt::format(
          "no sender address for the user `{}`: add {} = \"…\" to [users] or set from in [smtp]", user, user));
    }
    std::string envelope = smtp_.from ? smtp_.from->email : message.from.email;
    if (envelope != message.from.email) message.sender = smtp_.from;
    message.subject = textOf(*payload, "subject");
    // A letter from a template has a body; one written in the rule, a text.
    message.body = payload->contains("body") ? textOf(*payload, "body") : textOf(*payload, "text");
    message.messageId = effect.key + ".voronka@" + envelope.substr(envelope.find('@') + 1);
    message.date = static_cast<int64_t>(std::time(nullptr));
    return send(envelope, message.to, renderMessage(message));
  }

 private:
  DeliveryResult send(const std::string& envelope, const std::string& to, const std::string& data) {
    CurlEasy curl = newCurlEasy();
    CURL* h = curl.get();
    CurlList recipients;
    recipients.append("<" + to + ">");
    Upload upload{data};
    char error[CURL_ERROR_SIZE] = {};
    std::string mailFrom = "<" + envelope + ">";
    curl_easy_setopt(h, CURLOPT_URL, smtp_.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::ceil(timeout_ * 1000)));
    if (smtp_.starttls && smtp_.url.rfind("smtp://", 0) == 0)
      curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    if (!smtp_.username.empty()) {
      curl_easy_setopt(h, CURLOPT_USERNAME, smtp_.username.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, smtp_.password.c_str());
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, mailFrom.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, readUpload);
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(data.size()));
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    CURLcode code = curl_easy_perform(h);
    if (code == CURLE_OK) return DeliveryResult::delivered();
    long reply = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
    std::string what = excerpt(error[0] ? error : curl_easy_strerror(code));
    std::string where = urlForMessages(smtp_.url);
    if (code == CURLE_OPERATION_TIMEDOUT)
      return DeliveryResult::retry(fmt::format("{}: no answer within {} s", where, timeout_));
    // Wrong credentials or no STARTTLS are the operator's to fix, not the
    // letter's fault: keep trying while they do.
    if (code == CURLE_LOGIN_DENIED)
      return DeliveryResult::retry(fmt::format("{}: the server refused the username or password: {}", where, what));
    if (reply >= 500 && reply < 600) {
      return DeliveryResult::permanent(
          fmt::format("{}: the mail server refused the letter ({}): {}", where, reply, what));
    }
    return DeliveryResult::retry(fmt::format("{}: {}", where, what));
  }

  SmtpSettings smtp_;
  std::map<std::string, MailAddress> users_;
  double timeout_;
};

}  // namespace

std::shared_ptr<Connector> makeSmtpConnector(const ServeConfig& config) {
  return std::make_shared<SmtpConnector>(config);
}

}  // namespace voronka::outbox
