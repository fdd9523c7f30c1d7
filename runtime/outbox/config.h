// serve.toml: the settings of `voronka serve` — where it listens, who may
// call it, where it keeps its state, and where the outbox delivers effects
// (webhooks, integrations, the mail server, the gateway for messages, SMS,
// notifications and analytics). docs/serve.md documents every key.
//
// Everything is checked when the file is read: an unknown key, a value of
// the wrong type, a URL of the wrong scheme or a negative number is an error
// with the file, line and column, so a typo never passes silently.
// Secrets can stay out of the file: `password_env`, `tokens_env`,
// `store_env` and `headers_env` name environment variables instead.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace voronka::outbox {

// Extra HTTP headers, by name ("Authorization" → "Bearer …").
using Headers = std::map<std::string, std::string>;

// A mail address with an optional display name: "Иван Иванов <ivanov@x.ru>".
struct MailAddress {
  std::string name;   // may be empty
  std::string email;  // local@domain
};

struct ServerSettings {
  std::string listen = "127.0.0.1:8080";  // host:port ([::1]:8080 for IPv6)
  std::vector<std::string> tokens;        // bearer tokens; empty: no authentication
  std::vector<std::string> readTokens;    // the web console's read-only logins (docs/console.md)
  int64_t maxBodyBytes = 1 << 20;
  std::string store = "sqlite:voronka.db";
};

struct OutboxSettings {
  int32_t maxAttempts = 8;        // then the effect is a dead letter
  int64_t backoffInitial = 5;     // seconds before the 2nd attempt; doubles each time
  int64_t backoffMax = 3600;      // the longest wait between attempts
  double timeout = 10;            // seconds per attempt (HTTP or SMTP)
  int32_t batch = 32;             // effects claimed per round
  int64_t pollIntervalMs = 1000;  // how often an idle relay looks for due effects
  double jitter = 0.1;            // each wait is shortened by up to this fraction, at random
  int32_t concurrency = 8;        // deliveries in flight at once
  int32_t perTarget = 2;          // …to one receiver (a webhook's scheme+host+port, the SMTP server, a gateway kind)
};

// [webhook]: every `webhook` action.
struct WebhookSettings {
  Headers headers;
  // Hosts a funnel's webhooks (and requests to funnel URLs) may reach though
  // they resolve to internal addresses (address_policy.h); "*": every host.
  std::vector<std::string> allowHosts;
  std::optional<double> timeout;  // overrides [outbox] timeout
};

// [integrations.NAME]: the `request` actions of one integration.
struct IntegrationSettings {
  std::string url;  // empty: the URL the funnel gives
  Headers headers;
  std::optional<double> timeout;
};

// [smtp]: how `email` actions are sent.
struct SmtpSettings {
  std::string url;  // smtp://host:port or smtps://host:port; empty: email not configured
  std::string username, password;
  std::optional<MailAddress> from;  // the sender when the funnel's user has no address
  bool starttls = true;             // smtp://: require STARTTLS before anything is sent
  std::optional<double> timeout;
};

// [gateway]: an HTTP service that receives messages, SMS, notifications and
// analytics events as JSON.
struct GatewaySettings {
  std::string messageUrl, smsUrl, notifyUrl, analyticsUrl;  // empty: that kind is not configured
  Headers headers;
  std::optional<double> timeout;
};

struct ServeConfig {
  std::string source;  // the file it was read from, for messages
  ServerSettings server;
  OutboxSettings outbox;
  WebhookSettings webhook;
  std::map<std::string, IntegrationSettings> integrations;
  SmtpSettings smtp;
  std::map<std::string, MailAddress> users;  // funnel user name → address
  GatewaySettings gateway;
};

// Looks up an environment variable (replaceable in tests).
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> processEnvironment(const std::string& name);

// Every problem of a serve.toml, each "FILE:LINE:COL: what is wrong; what to do".
using ConfigErrors = std::vector<std::string>;

// Reads and checks serve.toml; fails with all its problems at once.
Result<ServeConfig, ConfigErrors> loadServeConfig(const std::filesystem::path& file,
                                                  const EnvLookup& env = processEnvironment);

// The same for text already in memory; `sourceName` stands for the file.
Result<ServeConfig, ConfigErrors> parseServeConfig(std::string_view text, const std::string& sourceName,
                                                   const EnvLookup& env = processEnvironment);

// "Name <local@domain>" or "local@domain"; nullopt if it is not an address.
std::optional<MailAddress> parseMailAddress(std::string_view text);

// A plain address check: one '@', something on both sides, no spaces,
// brackets, commas or control characters (they would break the SMTP envelope).
bool isMailAddress(std::string_view email);

}  // namespace voronka::outbox
