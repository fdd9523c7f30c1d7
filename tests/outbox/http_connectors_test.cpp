// Webhooks, integration requests and the gateway, delivered by the relay to
// a real HTTP receiver on 127.0.0.1.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/outbox/http_receiver.h"
#include "tests/outbox/outbox_support.h"

namespace voronka {
namespace {

using nlohmann::json;
using testing::exactOptions;
using testing::HttpReceiver;
using testing::kStart;
using testing::Outbox;

struct Http {
  HttpReceiver receiver;
  Outbox box;
  outbox::ServeConfig config = allowingLoopback();
  outbox::RelayOptions options = exactOptions();

  // The receiver is on 127.0.0.1, which webhooks may reach only when allowed.
  static outbox::ServeConfig allowingLoopback() {
    outbox::ServeConfig c;
    c.webhook.allowHosts = {"127.0.0.1"};
    return c;
  }

  size_t round() {
    outbox::Connectors connectors = outbox::makeConnectors(config);
    outbox::OutboxRelay relay(box.store, connectors, options, box.clock);
    return relay.runOnce();
  }
};

TEST(Webhook, PostsTheBodyWithTheIdempotencyKey) {
  Http h;
  h.config.webhook.headers["Authorization"] = "Bearer s3cret";
  json body = {{"deal", "D-1"}, {"name", "Вера"}, {"budget", 90000}};
  int64_t id =
      h.box.add("webhook", {{"url", h.receiver.url("/hooks/new?x=1")}, {"body", body}, {"line", 12}}, "0123abcd");
  EXPECT_EQ(h.round(), 1u);
  auto requests = h.receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/hooks/new");
  EXPECT_EQ(json::parse(requests[0].body), body);
  EXPECT_EQ(requests[0].contentType, "application/json");
  EXPECT_EQ(requests[0].idempotencyKey, "0123abcd");
  EXPECT_EQ(requests[0].authorization, "Bearer s3cret");
  EXPECT_EQ(requests[0].deal, "D-1");
  store::EffectRecord e = h.box.effect(id);
  EXPECT_EQ(e.status, "delivered");
  EXPECT_EQ(e.deliveredAt, kStart);
}

// SSRF: a funnel's webhook may not reach the server's own network unless the
// operator allows the host; the refusal is a dead letter at once, naming the
// address and the option, and nothing is sent.
TEST(Webhook, InternalAddressesAreRefusedUnlessTheHostIsAllowed) {
  Http h;
  h.config.webhook.allowHosts.clear();
  int64_t loopback = h.box.add("webhook", {{"url", h.receiver.url("/h")}, {"body", json::object()}});
  auto byHostName = [&](const std::string& path) {
    std::string url = h.receiver.url(path);
    return url.replace(url.find("127.0.0.1"), 9, "localhost");
  };
  int64_t byName = h.box.add("webhook", {{"url", byHostName("/h")}, {"body", json::object()}});
  int64_t metadata =
      h.box.add("webhook", {{"url", "http://169.254.169.254/latest/meta-data/"}, {"body", json::object()}});
  int64_t privateNet = h.box.add("webhook", {{"url", "http://[::ffff:10.1.2.3]/h"}, {"body", json::object()}});
  h.round();
  EXPECT_TRUE(h.receiver.requests().empty());
  for (int64_t id : {loopback, byName, metadata, privateNet}) {
    store::EffectRecord e = h.box.effect(id);
    EXPECT_EQ(e.status, "dead") << id;
    EXPECT_NE(e.lastError.find("--allow-webhook-host"), std::string::npos) << e.lastError;
  }
  EXPECT_NE(h.box.effect(loopback).lastError.find("127.0.0.1 is loopback"), std::string::npos)
      << h.box.effect(loopback).lastError;
  EXPECT_NE(h.box.effect(metadata).lastError.find("metadata"), std::string::npos) << h.box.effect(metadata).lastError;
  // Allowed by name, the same receiver gets it.
  h.config.webhook.allowHosts = {"LOCALHOST"};
  int64_t allowed = h.box.add("webhook", {{"url", byHostName("/ok")}, {"body", json::object()}});
  h.round();
  EXPECT_EQ(h.box.effect(allowed).status, "delivered") << h.box.effect(allowed).lastError;
}

TEST(Webhook, ServerErrorsAreRetriedAtTheConfiguredTimes) {
  Http h;
  h.receiver.script({{500, "oops"}, {503, ""}, {200, "ok"}});
  h.options.backoffInitial = 7;
  int64_t id = h.box.add("webhook", {{"url", h.receiver.url("/h")}, {"body", json::object()}});
  h.round();
  store::EffectRecord e = h.box.effect(id);
  EXPECT_EQ(e.status, "pending");
  EXPECT_EQ(e.attempts, 1);
  EXPECT_EQ(e.nextAttemptAt, kStart + 7);
  EXPECT_NE(e.lastError.find("HTTP 500: oops"), std::string::npos) << e.lastError;
  EXPECT_NE(e.lastError.find("/h"), std::string::npos) << e.lastError;
  h.box.clock.advance(6);
  EXPECT_EQ(h.round(), 0u);
  h.box.clock.advance(1);
  EXPECT_EQ(h.round(), 1u);
  EXPECT_EQ(h.box.effect(id).nextAttemptAt, kStart + 7 + 14);
  h.box.clock.advance(14);
  EXPECT_EQ(h.round(), 1u);
  e = h.box.effect(id);
  EXPECT_EQ(e.status, "delivered");
  EXPECT_EQ(e.attempts, 3);
  EXPECT_EQ(e.deliveredAt, kStart + 21);
  auto requests = h.receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& r : requests) EXPECT_EQ(r.idempotencyKey, "k-1");  // the receiver can tell it is the same
}

TEST(Webhook, AlwaysFailingIsADeadLetterAfterMaxAttempts) {
  Http h;
  h.receiver.script(std::vector<HttpReceiver::Answer>(10, {500, "down"}));
  h.options.maxAttempts = 4;
  int64_t id = h.box.add("webhook", {{"url", h.receiver.url("/h")}});
  for (int i = 0; i < 6; ++i) {
    h.round();
    h.box.clock.advance(3600);
  }
  store::EffectRecord e = h.box.effect(id);
  EXPECT_EQ(e.status, "dead");
  EXPECT_EQ(e.attempts, 4);
  EXPECT_NE(e.lastError.find("gave up after 4 attempts"), std::string::npos) << e.lastError;
  EXPECT_NE(e.lastError.find("HTTP 500: down"), std::string::npos) << e.lastError;
  EXPECT_EQ(h.receiver.requests().size(), 4u);
}

TEST(Webhook, ClientErrorIsADeadLetterAtOnce) {
  Http h;
  h.receiver.script({{400, "unknown field \"budget\""}});
  int64_t id = h.box.add("webhook", {{"url", h.receiver.url("/h")}});
  h.round();
  store::EffectRecord e = h.box.effect(id);
  EXPECT_EQ(e.status, "dead");
  EXPECT_EQ(e.attempts, 1);
  EXPECT_NE(e.lastError.find("HTTP 400: unknown field \"budget\""), std::string::npos) << e.lastError;
}

TEST(Webhook, TooManyRequestsAndRequestTimeoutAreRetried) {
  Http h;
  h.receiver.script({{429, "", {}, "120"}, {408, ""}});
  h.options.concurrency = 1;  // the script's answers in the effects' order
  int64_t first = h.box.add("webhook", {{"url", h.receiver.url("/h")}}, "a");
  // Another deal: a deal's later effect would wait for the first one's retry.
  int64_t second = h.box.add("webhook", {{"url", h.receiver.url("/h")}}, "b", 0, "D-2");
  h.round();
  EXPECT_EQ(h.box.effect(first).status, "pending");
  EXPECT_EQ(h.box.effect(first).nextAttemptAt, kStart + 120);  // Retry-After
  EXPECT_EQ(h.box.effect(second).status, "pending");
  EXPECT_EQ(h.box.effect(second).nextAttemptAt, kStart + 5);
}

TEST(Webhook, NoAnswerWithinTheTimeoutIsRetried) {
  Http h;
  h.config.webhook.timeout = 0.2;
  h.receiver.script({{200, "", std::chrono::milliseconds(800)}});
  int64_t id = h.box.add("webhook", {{"url", h.receiver.url("/slow")}});
  auto started = std::chrono::steady_clock::now();
  h.round();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(700));
  store::EffectRecord e = h.box.effect(id);
  EXPECT_EQ(e.status, "pending");
  EXPECT_NE(e.lastError.find("no answer within 0.2 s"), std::string::npos) << e.lastError;
}

TEST(Webhook, ARefusedConnectionIsRetried) {
  // A port that was free a moment ago: nothing listens on it.
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  getsockname(s, reinterpret_cast<sockaddr*>(&address), &length);
  close(s);
  Http h;
  int64_t id = h.box.add("webhook", {{"url", "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/h"}});
  h.round();
  EXPECT_EQ(h.box.effect(id).status, "pending");
  EXPECT_FALSE(h.box.effect(id).lastError.empty());
}

TEST(Webhook, AUrlThatIsNotHttpIsADeadLetter) {
  Http h;
  int64_t id = h.box.add("webhook", {{"url", "file:///etc/passwd"}});
  h.round();
  EXPECT_EQ(h.box.effect(id).status, "dead");
  EXPECT_NE(h.box.effect(id).lastError.find("does not start with http:// or https://"), std::string::npos);
}

TEST(Webhook, ErrorMessagesLeaveOutTheQueryString) {
  Http h;
  h.receiver.script({{500, ""}});
  int64_t id = h.box.add("webhook", {{"url", h.receiver.url("/h?token=secret")}});
  h.round();
  EXPECT_EQ(h.box.effect(id).lastError.find("secret"), std::string::npos) << h.box.effect(id).lastError;
}

TEST(Webhook, NotBeforeInTheFutureIsNotSentYet) {
  Http h;
  int64_t id = h.box.add("webhook", {{"url", h.receiver.url("/h")}}, "k", kStart + 600);
  EXPECT_EQ(h.round(), 0u);
  EXPECT_TRUE(h.receiver.requests().empty());
  h.box.clock.advance(600);
  EXPECT_EQ(h.round(), 1u);
  EXPECT_EQ(h.box.effect(id).status, "delivered");
}

TEST(Request, GoesToTheConfiguredIntegrationWithItsHeaders) {
  Http h;
  outbox::IntegrationSettings crm;
  crm.url = h.receiver.url("/crm/scoring");
  crm.headers["Authorization"] = "Token abc";
  h.config.integrations["scoring"] = crm;
  json body = {{"inn", "7701234567"}};
  int64_t id = h.box.add("request", {{"integration", "scoring"},
                                     {"url", "https://funnel.example/ignored"},
                                     {"body", body},
                                     {"answers", {"scoring_done"}}});
  h.round();
  EXPECT_EQ(h.box.effect(id).status, "delivered") << h.box.effect(id).lastError;
  auto requests = h.receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/crm/scoring");
  EXPECT_EQ(json::parse(requests[0].body), body);
  EXPECT_EQ(requests[0].authorization, "Token abc");
  EXPECT_EQ(requests[0].idempotencyKey, "k-1");
  EXPECT_EQ(requests[0].deal, "D-1");
}

TEST(Request, UsesTheFunnelsUrlWhenTheConfigurationHasNone) {
  Http h;
  h.config.integrations["scoring"] = {};
  int64_t id = h.box.add(
      "request", {{"integration", "scoring"}, {"url", h.receiver.url("/from-funnel")}, {"body", json::object()}});
  h.round();
  EXPECT_EQ(h.box.effect(id).status, "delivered");
  ASSERT_EQ(h.receiver.requests().size(), 1u);
  EXPECT_EQ(h.receiver.requests()[0].path, "/from-funnel");
}

TEST(Request, AnUnconfiguredIntegrationIsADeadLetter) {
  Http h;
  int64_t id = h.box.add("request", {{"integration", "scoring"}, {"url", h.receiver.url("/x")}});
  h.round();
  EXPECT_EQ(h.box.effect(id).status, "dead");
  EXPECT_EQ(h.box.effect(id).lastError,
            "the integration `scoring` is not configured: add [integrations.scoring] to serve.toml");
  EXPECT_TRUE(h.receiver.requests().empty());
}

TEST(Gateway, KindsWithoutAUrlAreDeadLettersNamingTheKey) {
  Http h;
  int64_t message = h.box.add("message", {{"text", "Привет"}, {"to", "+79990000000"}}, "m");
  int64_t sms = h.box.add("sms", {{"text", "Привет"}, {"to", "+79990000000"}}, "s");
  int64_t notify = h.box.add("notify", {{"to", {"ivanov"}}, {"text", "Новая сделка"}}, "n");
  int64_t analytics = h.box.add("analytics", {{"event", "lead"}}, "a");
  h.round();
  EXPECT_EQ(h.box.effect(message).status, "dead");
  EXPECT_EQ(h.box.effect(message).lastError, "message is not configured: set message_url in [gateway] of serve.toml");
  EXPECT_EQ(h.box.effect(sms).lastError, "sms is not configured: set sms_url in [gateway] of serve.toml");
  EXPECT_EQ(h.box.effect(notify).lastError, "notify is not configured: set notify_url in [gateway] of serve.toml");
  EXPECT_EQ(h.box.effect(analytics).lastError,
            "analytics is not configured: set analytics_url in [gateway] of serve.toml");
  EXPECT_EQ(h.box.effect(analytics).status, "dead");
}

TEST(Gateway, PostsThePayloadWithTheKey) {
  Http h;
  h.config.gateway.messageUrl = h.receiver.url("/messages");
  h.config.gateway.notifyUrl = h.receiver.url("/notify");
  h.config.gateway.headers["Authorization"] = "Bearer gw";
  h.config.users["ivanov"] = {"Иван Иванов", "ivanov@example.ru"};
  json message = {{"template", "reminder"}, {"text", "Вера, мы на связи!"},      {"to", "+79990000000"},
                  {"channel", "whatsapp"},  {"send_at", "2026-03-02T06:00:00Z"}, {"line", 9}};
  h.box.add("message", message, "m1");
  h.box.add("notify", {{"to", {"ivanov", "petrova"}}, {"recipient", "sales"}, {"text", "Новая сделка"}, {"line", 4}},
            "n1");
  EXPECT_EQ(h.round(), 2u);
  auto requests = h.receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].path, "/messages");
  json got = json::parse(requests[0].body);
  json expected = message;
  expected["key"] = "m1";
  expected["kind"] = "message";
  expected["deal"] = "D-1";
  EXPECT_EQ(got, expected);
  EXPECT_EQ(requests[0].idempotencyKey, "m1");
  EXPECT_EQ(requests[0].authorization, "Bearer gw");
  json notify = json::parse(requests[1].body);
  EXPECT_EQ(notify["addresses"], (json{{"ivanov", "ivanov@example.ru"}}));  // petrova has no address
  EXPECT_EQ(notify["key"], "n1");
}

TEST(Gateway, SmsWithoutAPhoneAndNotifyWithoutAnyoneAreDeadLetters) {
  Http h;
  h.config.gateway.smsUrl = h.receiver.url("/sms");
  h.config.gateway.notifyUrl = h.receiver.url("/notify");
  int64_t sms = h.box.add("sms", {{"text", "Привет"}, {"to", ""}}, "s");
  int64_t notify = h.box.add("notify", {{"to", json::array()}, {"recipient", "responsible"}, {"text", "…"}}, "n");
  h.round();
  EXPECT_EQ(h.box.effect(sms).status, "dead");
  EXPECT_EQ(h.box.effect(sms).lastError, "the contact has no phone number");
  EXPECT_EQ(h.box.effect(notify).status, "dead");
  EXPECT_NE(h.box.effect(notify).lastError.find("no responsible"), std::string::npos);
  EXPECT_TRUE(h.receiver.requests().empty());
}

}  // namespace
}  // namespace voronka
