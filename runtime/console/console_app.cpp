#include "runtime/console/console_app.h"

#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <regex>

#include "common/secret.h"
#include "runtime/calendar/calendar.h"
#include "runtime/console/assets.h"
#include "runtime/console/console_data.h"
#include "runtime/stats/store_stats.h"
#include "runtime/store/sqlite_store.h"

namespace voronka::console {

using server::WebReply;
using server::WebRequest;

namespace {

constexpr const char* kCookie = "voronka_console";

WebReply json(int status, const nlohmann::json& body) {
  return {status,
          "application/json; charset=utf-8",
          body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
          {{"Cache-Control", "no-store"}}};
}

WebReply error(int status, const std::string& code, const std::string& message) {
  return json(status, {{"error", {{"code", code}, {"message", message}}}});
}

// Headers every page and file gets: nothing from elsewhere runs or loads.
void harden(WebReply& r) {
  r.headers.push_back({"Content-Security-Policy",
                       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"});
  r.headers.push_back({"X-Content-Type-Options", "nosniff"});
  r.headers.push_back({"Referrer-Policy", "no-referrer"});
  r.headers.push_back({"X-Frame-Options", "DENY"});
}

std::string cookieValue(const std::string& header, const std::string& name) {
  size_t at = 0;
  while (at < header.size()) {
    size_t end = header.find(';', at);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(at, end - at);
    size_t start = part.find_first_not_of(' ');
    if (start != std::string::npos) part = part.substr(start);
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
    at = end + 1;
  }
  return "";
}

// Days since 1970 of a "YYYY-MM-DD" (proleptic Gregorian); nullopt when it is not one.
std::optional<int64_t> dayOf(const std::string& text) {
  static const std::regex shape(R"((\d{4})-(\d{2})-(\d{2}))");
  std::smatch m;
  if (!std::regex_match(text, m, shape)) return std::nullopt;
  int64_t y = std::stoi(m[1]), mo = std::stoi(m[2]), d = std::stoi(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  y -= mo <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// The state one mounted console keeps between requests.
struct Console {
  ConsoleSettings settings;
  const bc::Module& m;
  std::shared_ptr<store::Store> reader;  // or null: read the server's store
  std::unique_ptr<Calendar> account;
  Sessions& sessions = processSessions();

  std::mutex statsMutex;
  StageP90 p90;
  std::optional<int64_t> p90At;  // when it was computed

  explicit Console(ConsoleSettings s) : settings(std::move(s)), m(*settings.module) {
    std::string spec = settings.storeSpec;
    if (spec.rfind("postgres", 0) != 0 && !spec.empty()) {
      if (spec.rfind("sqlite:", 0) == 0) spec = spec.substr(7);
      try {
        store::SqliteOptions options;
        options.readOnly = true;
        reader = std::make_shared<store::SqliteStore>(spec, options);
      } catch (const std::exception&) {
        reader.reset();  // an in-memory or unusual store: read the server's own
      }
    }
    std::string timezone = moduleOutline(m)["timezone"];
    try {
      account = std::make_unique<Calendar>(timezone, std::array<std::vector<std::pair<int32_t, int32_t>>, 7>{},
                                           std::vector<std::pair<int32_t, int32_t>>{});
    } catch (const std::exception&) {
      account = std::make_unique<Calendar>("UTC", std::array<std::vector<std::pair<int32_t, int32_t>>, 7>{},
                                           std::vector<std::pair<int32_t, int32_t>>{});
    }
  }

  store::Store& readStore() { return reader ? *reader : *settings.store; }
  int64_t now() { return settings.clock->now(); }

  WebReply handle(const WebRequest& req);
  WebReply page(const std::string& name);
  WebReply login(const WebRequest& req);
  WebReply api(const WebRequest& req, const std::string& sessionId, const Session& session);
  WebReply boardReply(const WebRequest& req);
  WebReply statsReply(const WebRequest& req);
  WebReply retry(const std::string& id);
  const StageP90& stageP90();
};

WebReply Console::page(const std::string& name) {
  for (const Asset& a : assets()) {
    if (a.name == name) {
      WebReply r{200, std::string(a.contentType), std::string(a.bytes), {{"Cache-Control", "no-cache"}}};
      harden(r);
      return r;
    }
  }
  WebReply r = error(404, "not_found", "no file " + name + " in the console");
  harden(r);
  return r;
}

WebReply Console::handle(const WebRequest& req) {
  const std::string& path = req.path;
  if (req.method == "GET" && path == "/console") return {302, "text/plain", "", {{"Location", "/console/"}}};
  if (req.method == "GET" && path == "/console/") return page("index.html");
  if (req.method == "GET" && path.rfind("/console/assets/", 0) == 0) return page(path.substr(16));
  if (path.rfind("/console/api/", 0) != 0) return error(404, "not_found", "no page " + path + " in the console");
  // A write must be JSON: a form on another site cannot send that without asking first (CORS).
  if (req.method == "POST" && req.header("content-type").rfind("application/json", 0) != 0)
    return error(415, "unsupported_media_type", "send writes as Content-Type: application/json");
  if (req.method == "POST" && path == "/console/api/login") return login(req);
  std::string id = cookieValue(req.header("cookie"), kCookie);
  std::optional<Session> session = sessions.find(id, now());
  if (!session) return error(401, "unauthorized", "log in first: the session is missing or has expired");
  if (req.method == "POST" && !sameSecret(req.header("x-csrf-token"), session->csrf))
    return error(403, "csrf", "the request lacks this session's CSRF token (X-CSRF-Token); reload the page");
  return api(req, id, *session);
}

WebReply Console::login(const WebRequest& req) {
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (!body.is_object() || (body.contains("token") && !body["token"].is_string()))
    return error(400, "bad_request", "send {\"token\": \"…\"}");
  std::string token = body.value("token", "");
  std::optional<Role> role = roleOf(settings.tokens, token);
  if (!role) return error(401, "unauthorized", "this token is not one of the server's");
  std::string id = sessions.open(*role, now());
  std::optional<Session> session = sessions.find(id, now());
  WebReply r = json(200, {{"role", *role == Role::Admin ? "admin" : "read_only"}, {"csrf", session->csrf}});
  // Secure when the page came through an HTTPS proxy: the browser then never sends it in clear.
  bool https = req.header("x-forwarded-proto") == "https";
  r.headers.push_back({"Set-Cookie", fmt::format("{}={}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={}{}",
                                                 kCookie, id, Sessions::kLifetimeSeconds, https ? "; Secure" : "")});
  return r;
}

const StageP90& Console::stageP90() {
  // Called with statsMutex held. The p90 comes from the whole history: reused a while.
  int64_t t = now();
  if (!p90At || t - *p90At >= settings.statsCacheSeconds) {
    auto tx = readStore().begin();
    p90 = p90OfStages(stats::storeStats(m, *tx, t), m);
    p90At = t;
  }
  return p90;
}

WebReply Console::boardReply(const WebRequest& req) {
  BoardFilter filter;
  std::string pipeline = req.param("pipeline");
  if (!pipeline.empty()) {
    filter.pipeline = -1;
    for (size_t p = 0; p < m.pipelines.size(); ++p) {
      if (m.str(m.pipelines[p].name) == pipeline) filter.pipeline = static_cast<int32_t>(p);
    }
    if (filter.pipeline < 0) return error(400, "bad_request", "\"pipeline\": no pipeline \"" + pipeline + "\"");
  }
  std::string user = req.param("responsible");
  if (!user.empty()) {
    for (size_t u = 0; u < m.users.size(); ++u) {
      if (m.str(m.users[u].name) == user) filter.responsible = static_cast<int32_t>(u);
    }
    if (filter.responsible < 0) return error(400, "bad_request", "\"responsible\": no user \"" + user + "\"");
  }
  filter.tag = req.param("tag");
  StageP90 limits;
  {
    std::lock_guard lock(statsMutex);
    limits = stageP90();
  }
  auto tx = readStore().begin();
  return json(200, board(m, *tx, filter, limits, now()));
}

WebReply Console::statsReply(const WebRequest& req) {
  stats::Period period;
  for (const char* name : {"from", "to"}) {
    std::string text = req.param(name);
    if (text.empty()) continue;
    std::optional<int64_t> day = dayOf(text);
    if (!day) return error(400, "bad_request", fmt::format("\"{}\": give a date like 2026-12-01", name));
    // Days are the account's: `to` includes its whole day.
    if (std::string(name) == "from")
      period.from = account->utcOf(*day, 0);
    else
      period.to = account->utcOf(*day + 1, 0);
  }
  if (period.from >= period.to) return error(400, "bad_request", "\"from\" must not be after \"to\"");
  auto tx = readStore().begin();
  nlohmann::json out = stats::storeStats(m, *tx, now(), period);
  out["period"] = {{"from", req.param("from")}, {"to", req.param("to")}};
  return json(200, out);
}

WebReply Console::retry(const std::string& idText) {
  if (idText.empty() || idText.size() > 18 || idText.find_first_not_of("0123456789") != std::string::npos)
    return error(400, "bad_request", "the effect id is a number");
  int64_t id = std::stoll(idText);
  {
    auto tx = settings.store->begin();
    std::optional<store::EffectRecord> found;
    for (const store::EffectRecord& e : tx->effectsWithStatus("dead", 1'000'000)) {
      if (e.id == id) found = e;
    }
    if (!found) return error(404, "not_found", fmt::format("effect {} is not a dead letter (any more)", id));
    found->status = "pending";
    found->attempts = 0;
    found->nextAttemptAt = now();
    tx->putEffect(*found);
    tx->commit();
  }
  if (settings.wakeRelay) settings.wakeRelay();
  return json(200, {{"id", id}, {"status", "pending"}});
}

WebReply Console::api(const WebRequest& req, const std::string& sessionId, const Session& session) {
  std::string path = req.path.substr(std::string("/console/api/").size());
  bool get = req.method == "GET";
  if (!get && path == "logout") {
    sessions.close(sessionId);
    WebReply r = json(200, {{"status", "logged out"}});
    r.headers.push_back(
        {"Set-Cookie", fmt::format("{}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0", kCookie)});
    return r;
  }
  if (get && path == "session") {
    nlohmann::json out = moduleOutline(m);
    out["role"] = session.role == Role::Admin ? "admin" : "read_only";
    out["csrf"] = session.csrf;
    out["module_version"] = settings.moduleVersion;
    out["tenants"] = settings.tenants ? settings.tenants() : nlohmann::json::array();
    return json(200, out);
  }
  if (get && path == "board") return boardReply(req);
  if (get && path == "stats") return statsReply(req);
  if (get && path.rfind("deal/", 0) == 0) {
    std::string id = path.substr(5);
    auto tx = readStore().begin();
    std::optional<nlohmann::json> deal = dealPage(m, *tx, id);
    if (!deal) return error(404, "not_found", "there is no deal \"" + id + "\"");
    return json(200, *deal);
  }
  if (get && path == "outbox") {
    std::string status = req.param("status").empty() ? "dead" : req.param("status");
    if (status != "pending" && status != "failing" && status != "dead")
      return error(400, "bad_request", "\"status\" is pending, failing or dead");
    auto tx = readStore().begin();
    return json(200, outbox(*tx, status, 200));
  }
  static const std::regex retryPath(R"(outbox/([^/]+)/retry)");
  std::smatch match;
  if (!get && std::regex_match(path, match, retryPath)) {
    if (session.role != Role::Admin)
      return error(403, "forbidden", "retrying a dead letter needs an admin login; this one is read-only");
    return retry(match[1]);
  }
  if (get && path == "versions") {
    auto tx = readStore().begin();
    return json(200, versions(*tx, settings.moduleVersion));
  }
  return error(404, "not_found", fmt::format("no route {} {}", req.method, req.path));
}

}  // namespace

server::WebApp consoleApp(ConsoleSettings settings) {
  auto console = std::make_shared<Console>(std::move(settings));
  return {"/console", [console](const WebRequest& req) {
            try {
              return console->handle(req);
            } catch (const std::exception& e) {  // StoreError: the page says so, the server goes on
              return error(503, "store_unavailable", e.what());
            }
          }};
}

server::WebApp consoleApp(const bc::Module& module, store::Store& store, const outbox::ServerSettings& server,
                          const std::string& moduleVersion, engine::Clock& clock, std::function<void()> wakeRelay) {
  ConsoleSettings settings;
  settings.module = &module;
  settings.store = &store;
  settings.storeSpec = server.store;
  settings.tokens = {server.tokens, server.readTokens};
  settings.moduleVersion = moduleVersion;
  settings.clock = &clock;
  settings.wakeRelay = std::move(wakeRelay);
  return consoleApp(std::move(settings));
}

}  // namespace voronka::console
