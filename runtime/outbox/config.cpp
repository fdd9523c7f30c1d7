#include "runtime/outbox/config.h"

#include <fmt/format.h>

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <tuple>

#include "common/read_file.h"
#include "runtime/outbox/config_checks.h"

namespace voronka::outbox {

namespace {

// The keys each section knows, for unknown-key errors and "did you mean".
const std::map<std::string, std::vector<std::string>>& knownKeys() {
  static const std::map<std::string, std::vector<std::string>> keys = {
      {"server",
       {"listen", "tokens", "tokens_env", "read_tokens", "read_tokens_env", "max_body_bytes", "store", "store_env"}},
      {"outbox",
       {"max_attempts", "backoff_initial", "backoff_max", "timeout", "batch", "poll_interval_ms", "jitter",
        "concurrency", "per_target"}},
      {"webhook", {"headers", "headers_env", "timeout", "allow_hosts"}},
      {"integrations", {"url", "headers", "headers_env", "timeout"}},
      {"smtp", {"url", "username", "password", "password_env", "from", "starttls", "timeout"}},
      {"users", {}},
      {"gateway", {"message_url", "sms_url", "notify_url", "analytics_url", "headers", "headers_env", "timeout"}},
  };
  return keys;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string typeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "a whole number";
    case toml::node_type::floating_point: return "a number with a fraction";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date and time";
    default: return "nothing";
  }
}

// Reads one file's tables, collecting every error.
class Reader {
 public:
  Reader(std::string file, std::vector<std::string>& errors, const EnvLookup& env)
      : file_(std::move(file)), errors_(errors), env_(env) {}

  void error(const toml::source_region& where, const std::string& message) {
    found_.push_back({where.begin.line, where.begin.column,
                      fmt::format("{}:{}:{}: {}", file_, where.begin.line, where.begin.column, message)});
  }

  // Hands the errors over in the order of the file; false if there were any.
  bool finish() {
    std::stable_sort(found_.begin(), found_.end(), [](const Found& a, const Found& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    for (auto& f : found_) errors_.push_back(std::move(f.message));
    bool clean = found_.empty();
    found_.clear();
    return clean;
  }

  // A section's table; `name` as written in messages: "[smtp]", "[integrations.crm]".
  struct Section {
    const toml::table& table;
    std::string name;
    std::string keysOf;  // the entry of knownKeys()
  };

  void checkKeys(const Section& s) {
    const auto& known = knownKeys().at(s.keysOf);
    for (const auto& [key, value] : s.table) {
      if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
      std::string hint;
      if (auto close = closest(key.str(), known)) {
        hint = fmt::format("; did you mean `{}`?", *close);
      } else {
        hint = fmt::format("; the keys of {} are {}", s.name, join(known));
      }
      error(key.source(), fmt::format("unknown key `{}` in {}{}", key.str(), s.name, hint));
    }
  }

  const toml::node* node(const Section& s, std::string_view key) { return s.table.get(key); }

  std::optional<std::string> text(const Section& s, std::string_view key, std::string_view example) {
    const toml::node* n = node(s, key);
    if (!n) return std::nullopt;
    if (auto v = n->value<std::string>()) return v;
    error(n->source(), fmt::format("{} {} must be a string, like {}, not {}", s.name, key, example, typeName(*n)));
    return std::nullopt;
  }

  std::optional<int64_t> whole(const Section& s, std::string_view key, int64_t min, int64_t max = INT32_MAX) {
    const toml::node* n = node(s, key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) {
      error(n->source(), fmt::format("{} {} must be a whole number, not {}", s.name, key, typeName(*n)));
      return std::nullopt;
    }
    int64_t v = n->as_integer()->get();
    if (v < min) {
      error(n->source(), min == 0 ? fmt::format("{} {} must not be negative, not {}", s.name, key, v)
                                  : fmt::format("{} {} must be at least {}, not {}", s.name, key, min, v));
      return std::nullopt;
    }
    if (v > max) {
      error(n->source(), fmt::format("{} {} must be at most {}, not {}", s.name, key, max, v));
      return std::nullopt;
    }
    return v;
  }

  std::optional<double> number(const Section& s, std::string_view key) {
    const toml::node* n = node(s, key);
    if (!n) return std::nullopt;
    if (n->is_integer()) return static_cast<double>(n->as_integer()->get());
    if (n->is_floating_point()) return n->as_floating_point()->get();
    error(n->source(), fmt::format("{} {} must be a number, not {}", s.name, key, typeName(*n)));
    return std::nullopt;
  }

  std::optional<double> seconds(const Section& s, std::string_view key) {
    std::optional<double> v = number(s, key);
    if (v && !(*v > 0 && *v <= 86400)) {
      error(node(s, key)->source(),
            fmt::format("{} {} is in seconds and must be more than 0 and at most 86400, not {}", s.name, key, *v));
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> flag(const Section& s, std::string_view key) {
    const toml::node* n = node(s, key);
    if (!n) return std::nullopt;
    if (auto v = n->value<bool>(); v && n->is_boolean()) return v;
    error(n->source(), fmt::format("{} {} must be true or false, not {}", s.name, key, typeName(*n)));
    return std::nullopt;
  }

  std::optional<std::vector<std::string>> textList(const Section& s, std::string_view key, std::string_view example) {
    const toml::node* n = node(s, key);
    if (!n) return std::nullopt;
    const toml::array* array = n->as_array();
    if (!array) {
      error(n->source(),
            fmt::format("{} {} must be an array of strings, like {}, not {}", s.name, key, example, typeName(*n)));
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const toml::node& item : *array) {
      auto v = item.value<std::string>();
      if (!v || !item.is_string()) {
        error(item.source(), fmt::format("{} {} must hold strings only, not {}", s.name, key, typeName(item)));
        return std::nullopt;
      }
      out.push_back(*v);
    }
    return out;
  }

  // The value of the environment variable named by `KEY_env`, checked.
  std::optional<std::string> fromEnvironment(const Section& s, std::string_view envKey, std::string_view what) {
    std::optional<std::string> name = text(s, envKey, "\"VARIABLE_NAME\"");
    if (!name) return std::nullopt;
    const toml::node* n = node(s, envKey);
    if (!validEnvName(*name)) {
      error(n->source(), fmt::format("{} {} must name an environment variable (letters, digits and _), not \"{}\"",
                                     s.name, envKey, *name));
      return std::nullopt;
    }
    std::optional<std::string> value = env_(*name);
    if (!value || value->empty()) {
      error(n->source(), fmt::format("{} {}: the environment variable {} is not set or empty; set it to the {} before "
                                     "starting the server",
                                     s.name, envKey, *name, what));
      return std::nullopt;
    }
    return value;
  }

  // A secret given as `key = "…"` or `key_env = "VARIABLE"`, not both.
  std::optional<std::string> secret(const Section& s, std::string_view key, std::string_view example,
                                    std::string_view what) {
    std::string envKey = std::string(key) + "_env";
    if (node(s, key) && node(s, envKey)) {
      error(node(s, envKey)->source(),
            fmt::format("{} has both {} and {}; keep one ({} reads the value from the environment)", s.name, key,
                        envKey, envKey));
      return std::nullopt;
    }
    if (node(s, envKey)) return fromEnvironment(s, envKey, what);
    return text(s, key, example);
  }

  // `headers = { Name = "value" }` and `headers_env = { Name = "VARIABLE" }`.
  Headers headers(const Section& s) {
    Headers out;
    for (std::string_view key : {"headers", "headers_env"}) {
      const toml::node* n = node(s, key);
      if (!n) continue;
      const toml::table* table = n->as_table();
      if (!table) {
        error(n->source(), fmt::format("{} {} must be a table, like {} = {{ Authorization = \"{}\" }}, not {}", s.name,
                                       key, key, key == "headers" ? "Bearer …" : "CRM_AUTHORIZATION", typeName(*n)));
        continue;
      }
      bool fromEnv = key == "headers_env";
      for (const auto& [name, value] : *table) {
        std::string header(name.str());
        if (!validHeaderName(header)) {
          error(name.source(), fmt::format("{} {}: `{}` is not a valid HTTP header name", s.name, key, header));
          continue;
        }
        if (reservedHeader(header)) {
          error(name.source(), fmt::format("{} {}: the relay sets {} itself; remove it", s.name, key, header));
          continue;
        }
        if (out.count(header)) {
          error(name.source(), fmt::format("{}: the header {} is given twice; keep one", s.name, header));
          continue;
        }
        auto v = value.value<std::string>();
        if (!v || !value.is_string()) {
          error(value.source(),
                fmt::format("{} {}: the value of {} must be a string, not {}", s.name, key, header, typeName(value)));
          continue;
        }
        if (fromEnv) {
          std::optional<std::string> resolved = env_(*v);
          if (!validEnvName(*v)) {
            error(value.source(),
                  fmt::format("{} headers_env: {} must name an environment variable, not \"{}\"", s.name, header, *v));
            continue;
          }
          if (!resolved || resolved->empty()) {
            error(value.source(),
                  fmt::format("{} headers_env: the environment variable {} (for the header {}) is not set or "
                              "empty; set it before starting the server",
                              s.name, *v, header));
            continue;
          }
          v = resolved;
        }
        if (v->find_first_of("\r\n") != std::string::npos) {
          error(value.source(), fmt::format("{} {}: the value of {} must be one line", s.name, key, header));
          continue;
        }
        out[header] = *v;
      }
    }
    return out;
  }

  std::optional<std::string> url(const Section& s, std::string_view key,
                                 std::initializer_list<std::string_view> schemes, std::string_view example) {
    std::optional<std::string> v = text(s, key, example);
    if (!v) return std::nullopt;
    if (auto problem = urlProblem(*v, schemes)) {
      error(node(s, key)->source(),
            fmt::format("{} {} = \"{}\" is not a valid URL: {}; for example {}", s.name, key, *v, *problem, example));
      return std::nullopt;
    }
    return v;
  }

  std::optional<MailAddress> address(const Section& s, std::string_view key) {
    std::optional<std::string> v = text(s, key, "\"sales@example.ru\"");
    if (!v) return std::nullopt;
    std::optional<MailAddress> a = parseMailAddress(*v);
    if (!a) {
      error(node(s, key)->source(), fmt::format("{} {} = \"{}\" is not a mail address; write \"name@example.ru\" or "
                                                "\"Отдел продаж <sales@example.ru>\"",
                                                s.name, key, *v));
    }
    return a;
  }

  // A top-level section as a table, or null (with an error if it is not one).
  const toml::table* sectionTable(const toml::table& root, std::string_view name) {
    const toml::node* n = root.get(name);
    if (!n) return nullptr;
    if (const toml::table* t = n->as_table()) return t;
    error(n->source(),
          fmt::format("`{}` must be a section: write [{}] on a line of its own and its keys under it", name, name));
    return nullptr;
  }

  void readServer(const toml::table& root, ServerSettings& out) {
    const toml::table* t = sectionTable(root, "server");
    if (!t) return;
    Section s{*t, "[server]", "server"};
    checkKeys(s);
    if (auto v = text(s, "listen", "\"127.0.0.1:8080\"")) {
      if (auto problem = listenProblem(*v)) {
        error(node(s, "listen")->source(), fmt::format("[server] listen = \"{}\": {}", *v, *problem));
      } else {
        out.listen = *v;
      }
    }
    if (auto tokens = textList(s, "tokens", "[\"a-long-random-token\"]")) {
      for (size_t i = 0; i < tokens->size(); ++i) {
        const std::string& token = (*tokens)[i];
        if (token.empty() || token.find_first_of(" \t\r\n") != std::string::npos) {
          error((*node(s, "tokens")->as_array())[i].source(),
                "[server] tokens: a token must be non-empty, without spaces");
        } else {
          out.tokens.push_back(token);
        }
      }
    }
    if (auto tokens = textList(s, "read_tokens", "[\"a-long-random-token\"]")) {
      for (size_t i = 0; i < tokens->size(); ++i) {
        const std::string& token = (*tokens)[i];
        if (token.empty() || token.find_first_of(" \t\r\n") != std::string::npos) {
          error((*node(s, "read_tokens")->as_array())[i].source(),
                "[server] read_tokens: a token must be non-empty, without spaces");
        } else {
          out.readTokens.push_back(token);
        }
      }
    }
    if (node(s, "tokens_env")) {
      if (auto value = fromEnvironment(s, "tokens_env", "bearer tokens (separated by commas or spaces)")) {
        std::string token;
        std::istringstream in(*value);
        while (std::getline(in, token, ',')) {
          std::istringstream words(token);
          std::string word;
          while (words >> word) out.tokens.push_back(word);
        }
      }
    }
    if (node(s, "read_tokens_env")) {
      if (auto value =
              fromEnvironment(s, "read_tokens_env", "read-only console tokens (separated by commas or spaces)")) {
        std::string token;
        std::istringstream in(*value);
        while (std::getline(in, token, ',')) {
          std::istringstream words(token);
          std::string word;
          while (words >> word) out.readTokens.push_back(word);
        }
      }
    }
    if (auto v = whole(s, "max_body_bytes", 1, INT64_MAX)) out.maxBodyBytes = *v;
    if (node(s, "store") && node(s, "store_env")) {
      error(node(s, "store_env")->source(), "[server] has both store and store_env; keep one");
    } else if (auto v = node(s, "store_env") ? fromEnvironment(s, "store_env", "store (sqlite:FILE or postgresql://…)")
                                             : text(s, "store", "\"sqlite:voronka.db\"")) {
      if (auto problem = storeProblem(*v)) {
        error(node(s, node(s, "store") ? "store" : "store_env")->source(), fmt::format("[server] store: {}", *problem));
      } else {
        out.store = *v;
      }
    }
  }

  void readOutbox(const toml::table& root, OutboxSettings& out) {
    const toml::table* t = sectionTable(root, "outbox");
    if (!t) return;
    Section s{*t, "[outbox]", "outbox"};
    checkKeys(s);
    if (auto v = whole(s, "max_attempts", 1, 1000)) out.maxAttempts = static_cast<int32_t>(*v);
    if (auto v = whole(s, "backoff_initial", 1)) out.backoffInitial = *v;
    if (auto v = whole(s, "backoff_max", 1)) {
      if (*v < out.backoffInitial) {
        error(node(s, "backoff_max")->source(),
              fmt::format("[outbox] backoff_max ({}) must not be less than backoff_initial ({})", *v,
                          out.backoffInitial));
      } else {
        out.backoffMax = *v;
      }
    }
    if (auto v = seconds(s, "timeout")) out.timeout = *v;
    if (auto v = whole(s, "batch", 1, 10000)) out.batch = static_cast<int32_t>(*v);
    if (auto v = whole(s, "poll_interval_ms", 1)) out.pollIntervalMs = *v;
    if (auto v = whole(s, "concurrency", 1, 256)) out.concurrency = static_cast<int32_t>(*v);
    if (auto v = whole(s, "per_target", 1, 256)) out.perTarget = static_cast<int32_t>(*v);
    if (auto v = number(s, "jitter")) {
      if (*v < 0 || *v > 1) {
        error(node(s, "jitter")->source(),
              fmt::format("[outbox] jitter is a fraction from 0 to 1 (0.1 = up to 10%), not {}", *v));
      } else {
        out.jitter = *v;
      }
    }
  }

  void readWebhook(const toml::table& root, WebhookSettings& out) {
    const toml::table* t = sectionTable(root, "webhook");
    if (!t) return;
    Section s{*t, "[webhook]", "webhook"};
    checkKeys(s);
    out.headers = headers(s);
    out.timeout = seconds(s, "timeout");
    if (auto hosts = textList(s, "allow_hosts", "[\"hooks.internal.example\"]")) out.allowHosts = *hosts;
  }

  void readIntegrations(const toml::table& root, std::map<std::string, IntegrationSettings>& out) {
    const toml::table* t = sectionTable(root, "integrations");
    if (!t) return;
    for (const auto& [name, value] : *t) {
      std::string section = fmt::format("[integrations.{}]", name.str());
      const toml::table* it = value.as_table();
      if (!it) {
        error(value.source(),
              fmt::format("{} must be a table: write {} on a line of its own and url, headers, timeout under it",
                          section, section));
        continue;
      }
      Section s{*it, section, "integrations"};
      checkKeys(s);
      IntegrationSettings integration;
      if (auto v = url(s, "url", {"http", "https"}, "\"https://crm.example.ru/api/hook\"")) integration.url = *v;
      integration.headers = headers(s);
      integration.timeout = seconds(s, "timeout");
      out[std::string(name.str())] = std::move(integration);
    }
  }

  void readSmtp(const toml::table& root, SmtpSettings& out) {
    const toml::table* t = sectionTable(root, "smtp");
    if (!t) return;
    Section s{*t, "[smtp]", "smtp"};
    checkKeys(s);
    if (auto v = url(s, "url", {"smtp", "smtps"}, "\"smtps://smtp.example.ru:465\"")) out.url = *v;
    if (auto v = text(s, "username", "\"robot@example.ru\"")) out.username = *v;
    if (auto v = secret(s, "password", "\"…\"", "password of the mail server")) out.password = *v;
    out.from = address(s, "from");
    if (auto v = flag(s, "starttls")) out.starttls = *v;
    out.timeout = seconds(s, "timeout");
    if (!node(s, "url") && !t->empty()) {
      error(t->source(),
            "[smtp] needs url: \"smtps://host:465\" (TLS from the start) or \"smtp://host:587\" (STARTTLS)");
    }
    if (node(s, "username") && !node(s, "password") && !node(s, "password_env")) {
      error(node(s, "username")->source(),
            "[smtp] has a username but no password; add password_env = \"VARIABLE\" (or password)");
    }
    if ((node(s, "password") || node(s, "password_env")) && !node(s, "username")) {
      error(node(s, node(s, "password") ? "password" : "password_env")->source(),
            "[smtp] has a password but no username; add username");
    }
  }

  void readUsers(const toml::table& root, std::map<std::string, MailAddress>& out) {
    const toml::table* t = sectionTable(root, "users");
    if (!t) return;
    Section s{*t, "[users]", "users"};
    for (const auto& [name, value] : *t) {
      if (auto a = address(s, name.str())) out[std::string(name.str())] = *a;
    }
  }

  void readGateway(const toml::table& root, GatewaySettings& out) {
    const toml::table* t = sectionTable(root, "gateway");
    if (!t) return;
    Section s{*t, "[gateway]", "gateway"};
    checkKeys(s);
    const char* example = "\"https://gateway.example.ru/messages\"";
    if (auto v = url(s, "message_url", {"http", "https"}, example)) out.messageUrl = *v;
    if (auto v = url(s, "sms_url", {"http", "https"}, example)) out.smsUrl = *v;
    if (auto v = url(s, "notify_url", {"http", "https"}, example)) out.notifyUrl = *v;
    if (auto v = url(s, "analytics_url", {"http", "https"}, example)) out.analyticsUrl = *v;
    out.headers = headers(s);
    out.timeout = seconds(s, "timeout");
  }

  void readSections(const toml::table& root) {
    std::vector<std::string> sections;
    for (const auto& [name, keys] : knownKeys()) sections.push_back(name);
    for (const auto& [key, value] : root) {
      std::string name(key.str());
      if (knownKeys().count(name)) continue;
      // A key outside its section: say which section it belongs to.
      std::string hint;
      for (const auto& [section, keys] : knownKeys()) {
        if (std::find(keys.begin(), keys.end(), name) != keys.end() && section != "integrations") {
          hint = fmt::format("; it belongs under [{}]", section);
          break;
        }
      }
      if (hint.empty()) {
        if (auto close = closest(name, sections)) {
          hint = fmt::format("; did you mean [{}]?", *close);
        } else {
          hint = fmt::format("; the sections are [{}]", join(sections));
        }
      }
      error(key.source(), fmt::format("unknown {} `{}`{}", value.is_table() ? "section" : "key", name, hint));
    }
  }

 private:
  struct Found {
    toml::source_index line, column;
    std::string message;
  };
  std::string file_;
  std::vector<std::string>& errors_;
  std::vector<Found> found_;
  const EnvLookup& env_;
};

}  // namespace

std::optional<std::string> processEnvironment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

Result<ServeConfig, ConfigErrors> parseServeConfig(std::string_view text, const std::string& sourceName,
                                                   const EnvLookup& env) {
  ConfigErrors errors;
  Reader reader(sourceName, errors, env);
  toml::table root;
  try {
    root = toml::parse(text, sourceName);
  } catch (const toml::parse_error& e) {
    reader.error(e.source(),
                 fmt::format("{} (serve.toml is TOML: key = value lines under [section] headers)", e.description()));
    reader.finish();
    return failWith(std::move(errors));
  }
  ServeConfig config;
  config.source = sourceName;
  reader.readSections(root);
  reader.readServer(root, config.server);
  reader.readOutbox(root, config.outbox);
  reader.readWebhook(root, config.webhook);
  reader.readIntegrations(root, config.integrations);
  reader.readSmtp(root, config.smtp);
  reader.readUsers(root, config.users);
  reader.readGateway(root, config.gateway);
  if (!reader.finish()) return failWith(std::move(errors));
  return config;
}

Result<ServeConfig, ConfigErrors> loadServeConfig(const std::filesystem::path& file, const EnvLookup& env) {
  Result<std::string> text = readWholeFile(file);
  if (!text) {
    return failWith(ConfigErrors{
        fmt::format("{}: cannot read the file: {}; check the path given to --config", file.string(), text.error())});
  }
  return parseServeConfig(*text, file.string(), env);
}

}  // namespace voronka::outbox
