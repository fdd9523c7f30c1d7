#include "runtime/outbox/config_checks.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "common/edit_distance.h"
#include "runtime/outbox/config.h"

namespace voronka::outbox {

bool reservedHeader(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* r : {"content-type", "content-length", "idempotency-key", "host", "expect", "transfer-encoding"}) {
    if (lower == r) return true;
  }
  return false;
}

std::optional<std::string> closest(std::string_view name, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t bestDistance = std::max<size_t>(2, name.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = editDistance(name, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

bool validEnvName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

bool validHeaderName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

bool hasControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

std::optional<std::string> urlProblem(std::string_view url, std::initializer_list<std::string_view> schemes) {
  std::string list;
  for (auto s : schemes) list += (list.empty() ? "" : " or ") + std::string(s) + "://";
  for (auto s : schemes) {
    std::string prefix = std::string(s) + "://";
    if (url.substr(0, prefix.size()) != prefix) continue;
    std::string_view rest = url.substr(prefix.size());
    std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
    if (host.empty() || host[0] == ':') return fmt::format("it has no host after {}", prefix);
    if (hasControl(url) || url.find(' ') != std::string_view::npos) return "it contains spaces or control characters";
    return std::nullopt;
  }
  return fmt::format("it must start with {}", list);
}

std::optional<std::string> listenProblem(std::string_view listen) {
  std::string_view host, port;
  if (!listen.empty() && listen[0] == '[') {
    size_t close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return "an IPv6 address is written [address]:port, like [::1]:8080";
    }
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos) return "it needs a port: host:port, like 127.0.0.1:8080";
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return "an IPv6 address goes in brackets: [::1]:8080";
  }
  if (host.empty()) return "it needs a host: 127.0.0.1 for this machine only, 0.0.0.0 for every interface";
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }) ||
      std::stoi(std::string(port)) > 65535) {
    return "the port must be a number from 0 to 65535";
  }
  return std::nullopt;
}

std::optional<std::string> storeProblem(std::string_view store) {
  if (store.substr(0, 7) == "sqlite:") {
    return store.size() > 7 ? std::nullopt
                            : std::optional<std::string>("it needs a file after sqlite:, like sqlite:voronka.db");
  }
  if (store.substr(0, 11) == "postgres://" || store.substr(0, 13) == "postgresql://") return std::nullopt;
  for (std::string_view prefix : {"postgres:", "postgresql:"}) {
    if (store.substr(0, prefix.size()) == prefix) {
      return store.size() > prefix.size() ? std::nullopt
                                          : std::optional<std::string>(
                                                "it needs a connection string after postgres:, like "
                                                "postgres:host=/run/postgresql dbname=voronka");
    }
  }
  return "it must be sqlite:FILE, postgres:CONNINFO or postgresql://user@host/database";
}

bool isMailAddress(std::string_view email) {
  size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == email.size()) return false;
  if (email.find('@', at + 1) != std::string_view::npos) return false;
  return std::none_of(email.begin(), email.end(), [](unsigned char c) {
    return c <= 0x20 || c == 0x7f ||
           std::string_view("<>,;()\\\"[]").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

std::optional<MailAddress> parseMailAddress(std::string_view text) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  text = trim(text);
  MailAddress out;
  size_t open = text.rfind('<');
  if (!text.empty() && text.back() == '>' && open != std::string_view::npos) {
    std::string_view name = trim(text.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    if (hasControl(name) || name.find('"') != std::string_view::npos) return std::nullopt;
    out.name = std::string(name);
    out.email = std::string(text.substr(open + 1, text.size() - open - 2));
  } else {
    out.email = std::string(text);
  }
  if (!isMailAddress(out.email)) return std::nullopt;
  return out;
}

}  // namespace voronka::outbox
