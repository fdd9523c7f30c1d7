// serve.toml: a full file, the defaults, and every kind of mistake with its
// place and a hint.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runtime/outbox/config.h"

namespace voronka {
namespace {

using outbox::ServeConfig;

std::optional<std::string> testEnvironment(const std::string& name) {
  if (name == "SMTP_PASSWORD") return "pa55";
  if (name == "VORONKA_TOKENS") return "tok-1, tok-2 tok-3";
  if (name == "CRM_AUTH") return "Token crm-secret";
  if (name == "EMPTY") return "";
  if (name == "PG_URL") return "postgresql://voronka@db/voronka";
  return std::nullopt;
}

struct Parsed {
  std::optional<ServeConfig> config;
  std::vector<std::string> errors;
};

Parsed parse(const std::string& text) {
  Parsed p;
  auto parsed = outbox::parseServeConfig(text, "serve.toml", testEnvironment);
  if (parsed)
    p.config = *parsed;
  else
    p.errors = parsed.error();
  return p;
}

// The only error of a file that should have exactly one.
std::string errorOf(const std::string& text) {
  Parsed p = parse(text);
  EXPECT_FALSE(p.config);
  EXPECT_EQ(p.errors.size(), 1u) << ::testing::PrintToString(p.errors);
  return p.errors.empty() ? "" : p.errors[0];
}

constexpr const char* kFullFile = R"(
[server]
listen = "0.0.0.0:9000"
tokens = ["first-token"]
tokens_env = "VORONKA_TOKENS"
max_body_bytes = 65536
store = "sqlite:/var/lib/voronka/mebel.db"

[outbox]
max_attempts = 5
backoff_initial = 2
backoff_max = 600
timeout = 2.5
batch = 16
poll_interval_ms = 250
jitter = 0
concurrency = 16
per_target = 4

[webhook]
headers = { "X-Source" = "voronka" }
timeout = 3

[integrations.scoring]
url = "https://scoring.example.ru/v1/check"
headers_env = { Authorization = "CRM_AUTH" }
timeout = 30

[integrations.delivery]

[smtp]
url = "smtps://smtp.example.ru:465"
username = "robot@mebel.example"
password_env = "SMTP_PASSWORD"
from = "Мебель X <robot@mebel.example>"
starttls = false

[users]
ivanov = "Иван Иванов <ivanov@mebel.example>"
petrova = "petrova@mebel.example"

[gateway]
message_url = "https://gw.example.ru/messages"
sms_url = "https://gw.example.ru/sms"
notify_url = "https://gw.example.ru/notify"
analytics_url = "http://127.0.0.1:9100/analytics"
headers = { Authorization = "Bearer gw" }
timeout = 4
)";

TEST(ServeConfig, AFullFileGivesEveryValue) {
  Parsed p = parse(kFullFile);
  ASSERT_TRUE(p.config) << ::testing::PrintToString(p.errors);
  const ServeConfig& c = *p.config;
  EXPECT_EQ(c.server.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.server.tokens, (std::vector<std::string>{"first-token", "tok-1", "tok-2", "tok-3"}));
  EXPECT_EQ(c.server.maxBodyBytes, 65536);
  EXPECT_EQ(c.server.store, "sqlite:/var/lib/voronka/mebel.db");
  EXPECT_EQ(c.outbox.maxAttempts, 5);
  EXPECT_EQ(c.outbox.backoffInitial, 2);
  EXPECT_EQ(c.outbox.backoffMax, 600);
  EXPECT_DOUBLE_EQ(c.outbox.timeout, 2.5);
  EXPECT_EQ(c.outbox.batch, 16);
  EXPECT_EQ(c.outbox.pollIntervalMs, 250);
  EXPECT_DOUBLE_EQ(c.outbox.jitter, 0);
  EXPECT_EQ(c.outbox.concurrency, 16);
  EXPECT_EQ(c.outbox.perTarget, 4);
  EXPECT_EQ(c.webhook.headers, (outbox::Headers{{"X-Source", "voronka"}}));
  EXPECT_EQ(c.webhook.timeout, 3);
  ASSERT_EQ(c.integrations.size(), 2u);
  EXPECT_EQ(c.integrations.at("scoring").url, "https://scoring.example.ru/v1/check");
  EXPECT_EQ(c.integrations.at("scoring").headers, (outbox::Headers{{"Authorization", "Token crm-secret"}}));
  EXPECT_EQ(c.integrations.at("scoring").timeout, 30);
  EXPECT_EQ(c.integrations.at("delivery").url, "");
  EXPECT_EQ(c.smtp.url, "smtps://smtp.example.ru:465");
  EXPECT_EQ(c.smtp.username, "robot@mebel.example");
  EXPECT_EQ(c.smtp.password, "pa55");
  ASSERT_TRUE(c.smtp.from);
  EXPECT_EQ(c.smtp.from->name, "Мебель X");
  EXPECT_EQ(c.smtp.from->email, "robot@mebel.example");
  EXPECT_FALSE(c.smtp.starttls);
  EXPECT_EQ(c.users.at("ivanov").name, "Иван Иванов");
  EXPECT_EQ(c.users.at("ivanov").email, "ivanov@mebel.example");
  EXPECT_EQ(c.users.at("petrova").name, "");
  EXPECT_EQ(c.gateway.messageUrl, "https://gw.example.ru/messages");
  EXPECT_EQ(c.gateway.smsUrl, "https://gw.example.ru/sms");
  EXPECT_EQ(c.gateway.notifyUrl, "https://gw.example.ru/notify");
  EXPECT_EQ(c.gateway.analyticsUrl, "http://127.0.0.1:9100/analytics");
  EXPECT_EQ(c.gateway.headers.at("Authorization"), "Bearer gw");
  EXPECT_EQ(c.gateway.timeout, 4);
}

TEST(ServeConfig, AnEmptyFileGivesTheDefaults) {
  Parsed p = parse("");
  ASSERT_TRUE(p.config);
  const ServeConfig& c = *p.config;
  EXPECT_EQ(c.server.listen, "127.0.0.1:8080");
  EXPECT_TRUE(c.server.tokens.empty());
  EXPECT_EQ(c.server.maxBodyBytes, 1 << 20);
  EXPECT_EQ(c.server.store, "sqlite:voronka.db");
  EXPECT_EQ(c.outbox.maxAttempts, 8);
  EXPECT_EQ(c.outbox.backoffInitial, 5);
  EXPECT_EQ(c.outbox.backoffMax, 3600);
  EXPECT_DOUBLE_EQ(c.outbox.timeout, 10);
  EXPECT_EQ(c.outbox.batch, 32);
  EXPECT_EQ(c.outbox.pollIntervalMs, 1000);
  EXPECT_TRUE(c.smtp.url.empty());
  EXPECT_TRUE(c.smtp.starttls);
  EXPECT_TRUE(c.gateway.messageUrl.empty());
}

TEST(ServeConfig, ReadOnlyTokensOfTheConsole) {
  Parsed p = parse("[server]\nread_tokens = [\"viewer\"]\nread_tokens_env = \"VORONKA_TOKENS\"\n");
  ASSERT_TRUE(p.config) << ::testing::PrintToString(p.errors);
  EXPECT_EQ(p.config->server.readTokens, (std::vector<std::string>{"viewer", "tok-1", "tok-2", "tok-3"}));
  EXPECT_TRUE(p.config->server.tokens.empty());
  EXPECT_EQ(errorOf("[server]\nread_tokens = [\"two words\"]\n"),
            "serve.toml:2:16: [server] read_tokens: a token must be non-empty, without spaces");
}

TEST(ServeConfig, TheExampleFileIsValid) {
  auto env = [](const std::string&) -> std::optional<std::string> { return "from-the-environment"; };
  auto config = outbox::loadServeConfig(std::filesystem::path(VORONKA_SOURCE_DIR) / "examples/serve.toml", env);
  EXPECT_TRUE(config) << ::testing::PrintToString(config ? outbox::ConfigErrors{} : config.error());
}

TEST(ServeConfig, UnknownKeysAreErrorsWithASuggestion) {
  EXPECT_EQ(errorOf("[outbox]\nmax_atempts = 3\n"),
            "serve.toml:2:1: unknown key `max_atempts` in [outbox]; did you mean `max_attempts`?");
  EXPECT_EQ(
      errorOf("[smtp]\nurl = \"smtp://h:25\"\nstarttls = false\nsender = \"a@b.ru\"\n"),
      "serve.toml:4:1: unknown key `sender` in [smtp]; the keys of [smtp] are url, username, password, password_env, "
      "from, starttls, timeout");
  EXPECT_EQ(errorOf("[integrations.crm]\nurl = \"https://crm\"\nheader = { A = \"b\" }\n"),
            "serve.toml:3:1: unknown key `header` in [integrations.crm]; did you mean `headers`?");
}

TEST(ServeConfig, UnknownSectionsAndKeysOutsideTheirSection) {
  EXPECT_EQ(errorOf("[gatway]\nsms_url = \"https://x\"\n"),
            "serve.toml:1:2: unknown section `gatway`; did you mean [gateway]?");
  EXPECT_EQ(errorOf("listen = \"127.0.0.1:1\"\n"), "serve.toml:1:1: unknown key `listen`; it belongs under [server]");
  EXPECT_EQ(
      errorOf("[lints]\n"),
      "serve.toml:1:2: unknown section `lints`; the sections are [gateway, integrations, outbox, server, smtp, users, webhook]");
}

TEST(ServeConfig, WrongTypes) {
  EXPECT_EQ(errorOf("[server]\nlisten = 8080\n"),
            "serve.toml:2:10: [server] listen must be a string, like \"127.0.0.1:8080\", not a whole number");
  EXPECT_EQ(errorOf("[outbox]\nbatch = \"32\"\n"),
            "serve.toml:2:9: [outbox] batch must be a whole number, not a string");
  EXPECT_EQ(errorOf("[outbox]\ntimeout = true\n"), "serve.toml:2:11: [outbox] timeout must be a number, not a boolean");
  EXPECT_EQ(errorOf("[smtp]\nurl = \"smtp://h\"\nstarttls = \"yes\"\n"),
            "serve.toml:3:12: [smtp] starttls must be true or false, not a string");
  EXPECT_EQ(
      errorOf("[server]\ntokens = \"abc\"\n"),
      "serve.toml:2:10: [server] tokens must be an array of strings, like [\"a-long-random-token\"], not a string");
  EXPECT_EQ(errorOf("smtp = \"smtp://h\"\n"),
            "serve.toml:1:8: `smtp` must be a section: write [smtp] on a line of its own and its keys under it");
  EXPECT_EQ(errorOf("[webhook]\nheaders = { A = 1 }\n"),
            "serve.toml:2:17: [webhook] headers: the value of A must be a string, not a whole number");
}

TEST(ServeConfig, NumbersOutOfRange) {
  EXPECT_EQ(errorOf("[outbox]\nmax_attempts = -3\n"),
            "serve.toml:2:16: [outbox] max_attempts must be at least 1, not -3");
  EXPECT_EQ(errorOf("[outbox]\nbatch = 0\n"), "serve.toml:2:9: [outbox] batch must be at least 1, not 0");
  EXPECT_EQ(errorOf("[outbox]\nconcurrency = 0\n"), "serve.toml:2:15: [outbox] concurrency must be at least 1, not 0");
  EXPECT_EQ(errorOf("[outbox]\nper_target = 1000\n"),
            "serve.toml:2:14: [outbox] per_target must be at most 256, not 1000");
  EXPECT_EQ(errorOf("[outbox]\ntimeout = -1.5\n"),
            "serve.toml:2:11: [outbox] timeout is in seconds and must be more than 0 and at most 86400, not -1.5");
  EXPECT_EQ(errorOf("[outbox]\nbackoff_initial = 60\nbackoff_max = 10\n"),
            "serve.toml:3:15: [outbox] backoff_max (10) must not be less than backoff_initial (60)");
  EXPECT_EQ(errorOf("[outbox]\njitter = 2\n"),
            "serve.toml:2:10: [outbox] jitter is a fraction from 0 to 1 (0.1 = up to 10%), not 2");
  EXPECT_EQ(errorOf("[server]\nmax_body_bytes = -1\n"),
            "serve.toml:2:18: [server] max_body_bytes must be at least 1, not -1");
}

TEST(ServeConfig, UrlsOfTheWrongScheme) {
  EXPECT_EQ(errorOf("[smtp]\nurl = \"http://mail.example.ru\"\n"),
            "serve.toml:2:7: [smtp] url = \"http://mail.example.ru\" is not a valid URL: it must start with smtp:// or "
            "smtps://; for example \"smtps://smtp.example.ru:465\"");
  EXPECT_EQ(
      errorOf("[gateway]\nsms_url = \"ftp://gw\"\n"),
      "serve.toml:2:11: [gateway] sms_url = \"ftp://gw\" is not a valid URL: it must start with http:// or https://; for "
      "example \"https://gateway.example.ru/messages\"");
  EXPECT_EQ(
      errorOf("[integrations.crm]\nurl = \"https:///path\"\n"),
      "serve.toml:2:7: [integrations.crm] url = \"https:///path\" is not a valid URL: it has no host after https://; for "
      "example \"https://crm.example.ru/api/hook\"");
}

TEST(ServeConfig, ListenAndStore) {
  EXPECT_TRUE(parse("[server]\nlisten = \"[::1]:8080\"\n").config);
  EXPECT_TRUE(parse("[server]\nlisten = \"127.0.0.1:0\"\n").config);
  EXPECT_EQ(errorOf("[server]\nlisten = \"localhost\"\n"),
            "serve.toml:2:10: [server] listen = \"localhost\": it needs a port: host:port, like 127.0.0.1:8080");
  EXPECT_EQ(errorOf("[server]\nlisten = \"::1:8080\"\n"),
            "serve.toml:2:10: [server] listen = \"::1:8080\": an IPv6 address goes in brackets: [::1]:8080");
  EXPECT_EQ(errorOf("[server]\nlisten = \"127.0.0.1:70000\"\n"),
            "serve.toml:2:10: [server] listen = \"127.0.0.1:70000\": the port must be a number from 0 to 65535");
  EXPECT_EQ(
      errorOf("[server]\nstore = \"mysql://db\"\n"),
      "serve.toml:2:9: [server] store: it must be sqlite:FILE, postgres:CONNINFO or postgresql://user@host/database");
  Parsed pg = parse("[server]\nstore_env = \"PG_URL\"\n");
  ASSERT_TRUE(pg.config);
  EXPECT_EQ(pg.config->server.store, "postgresql://voronka@db/voronka");
}

TEST(ServeConfig, SecretsFromTheEnvironment) {
  EXPECT_EQ(errorOf("[smtp]\nurl = \"smtp://h\"\nusername = \"u\"\npassword_env = \"NOT_SET\"\n"),
            "serve.toml:4:16: [smtp] password_env: the environment variable NOT_SET is not set or empty; set it to the "
            "password of the mail server before starting the server");
  EXPECT_EQ(errorOf("[smtp]\nurl = \"smtp://h\"\nusername = \"u\"\npassword_env = \"EMPTY\"\n").substr(0, 71),
            "serve.toml:4:16: [smtp] password_env: the environment variable EMPTY is");
  EXPECT_EQ(
      errorOf("[smtp]\nurl = \"smtp://h\"\nusername = \"u\"\npassword = \"p\"\npassword_env = \"SMTP_PASSWORD\"\n"),
      "serve.toml:5:16: [smtp] has both password and password_env; keep one (password_env reads the value from the "
      "environment)");
  EXPECT_EQ(errorOf("[smtp]\nurl = \"smtp://h\"\nusername = \"u\"\npassword_env = \"smtp-password\"\n"),
            "serve.toml:4:16: [smtp] password_env must name an environment variable (letters, digits and _), not "
            "\"smtp-password\"");
  EXPECT_EQ(
      errorOf("[gateway]\nheaders_env = { Authorization = \"GW_TOKEN\" }\n"),
      "serve.toml:2:33: [gateway] headers_env: the environment variable GW_TOKEN (for the header Authorization) is not "
      "set or empty; set it before starting the server");
  EXPECT_EQ(errorOf("[server]\ntokens_env = \"MISSING\"\n").substr(0, 64),
            "serve.toml:2:14: [server] tokens_env: the environment variable M");
}

TEST(ServeConfig, SmtpNeedsItsPieces) {
  EXPECT_EQ(
      errorOf("[smtp]\nstarttls = false\n"),
      "serve.toml:1:1: [smtp] needs url: \"smtps://host:465\" (TLS from the start) or \"smtp://host:587\" (STARTTLS)");
  EXPECT_EQ(errorOf("[smtp]\nurl = \"smtp://h\"\nusername = \"u\"\n"),
            "serve.toml:3:12: [smtp] has a username but no password; add password_env = \"VARIABLE\" (or password)");
  EXPECT_EQ(
      errorOf("[smtp]\nurl = \"smtp://h\"\nfrom = \"robot\"\n"),
      "serve.toml:3:8: [smtp] from = \"robot\" is not a mail address; write \"name@example.ru\" or \"Отдел продаж "
      "<sales@example.ru>\"");
}

TEST(ServeConfig, UsersAreAddresses) {
  EXPECT_EQ(
      errorOf("[users]\nivanov = \"ivanov at example\"\n"),
      "serve.toml:2:10: [users] ivanov = \"ivanov at example\" is not a mail address; write \"name@example.ru\" or "
      "\"Отдел продаж <sales@example.ru>\"");
  EXPECT_EQ(errorOf("[users]\nivanov = 1\n"),
            "serve.toml:2:10: [users] ivanov must be a string, like \"sales@example.ru\", not a whole number");
}

TEST(ServeConfig, HeadersTheRelaySetsItselfAreRefused) {
  EXPECT_EQ(errorOf("[webhook]\nheaders = { \"Idempotency-Key\" = \"x\" }\n"),
            "serve.toml:2:13: [webhook] headers: the relay sets Idempotency-Key itself; remove it");
  EXPECT_EQ(errorOf("[webhook]\nheaders = { \"Bad Header\" = \"x\" }\n"),
            "serve.toml:2:13: [webhook] headers: `Bad Header` is not a valid HTTP header name");
}

TEST(ServeConfig, EveryErrorIsReported) {
  Parsed p = parse("[outbox]\nbatch = -1\ntimeout = 0\n[smtp]\nurl = \"http://x\"\n[nope]\n");
  EXPECT_FALSE(p.config);
  EXPECT_EQ(p.errors.size(), 4u) << ::testing::PrintToString(p.errors);
}

TEST(ServeConfig, SyntaxErrorsHaveTheirPlace) {
  Parsed p = parse("[server]\nlisten = \"127.0.0.1:8080\n");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].substr(0, 13), "serve.toml:2:") << p.errors[0];
  EXPECT_NE(p.errors[0].find("serve.toml is TOML"), std::string::npos);
}

TEST(ServeConfig, LoadsAFileAndSaysWhenItCannot) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "voronka_outbox_config_test";
  std::filesystem::create_directories(dir);
  std::filesystem::path file = dir / "serve.toml";
  std::ofstream(file) << "[outbox]\nbatch = 0\n";
  auto invalid = outbox::loadServeConfig(file, testEnvironment);
  ASSERT_FALSE(invalid);
  ASSERT_EQ(invalid.error().size(), 1u);
  EXPECT_EQ(invalid.error()[0], file.string() + ":2:9: [outbox] batch must be at least 1, not 0");
  auto missing = outbox::loadServeConfig(dir / "missing.toml", testEnvironment);
  ASSERT_FALSE(missing);
  ASSERT_EQ(missing.error().size(), 1u);
  EXPECT_NE(missing.error()[0].find("missing.toml: cannot read the file"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(ServeConfig, MailAddresses) {
  auto a = outbox::parseMailAddress("  \"Иван Иванов\" <ivanov@x.ru> ");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->name, "Иван Иванов");
  EXPECT_EQ(a->email, "ivanov@x.ru");
  EXPECT_FALSE(outbox::parseMailAddress("a@b@c"));
  EXPECT_FALSE(outbox::parseMailAddress("<@x.ru>"));
  EXPECT_FALSE(outbox::isMailAddress("a b@x.ru"));
  EXPECT_TRUE(outbox::isMailAddress("vera.petrova+crm@mail.example.ru"));
}

}  // namespace
}  // namespace voronka
