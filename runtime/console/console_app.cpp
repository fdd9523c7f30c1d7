#include "runtime/console/console_app.h"

#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <regex>

#include "common/secret.h"
#include "runtime/calendar/calendar.h"
#include "runtime/console/assets.h"
#include "runtime/console/console_data.h"
#include "runtime/console/login_throttle.h"
#include "runtime/stats/store_stats.h"
#include "runtime/store/pg_store.h"
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

// Every value of the cookie `name`: a browser sends one per path it was set
// on (a tenant's console and the operator's login on /t), the most specific first.
std::vector<std::string> cookieValues(const std::string& header, const std::string& name) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < header.size()) {
    size_t end = header.find(';', at);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(at, end - at);
    size_t start = part.find_first_not_of(' ');
    if (start != std::string::npos) part = part.substr(start);
    if (part.rfind(name + "=", 0) == 0) out.push_back(part.substr(name.size() + 1));
    at = end + 1;
  }
  return out;
}

std::unique_ptr<Calendar> accountCalendar(const bc::Module& m) {
  std::string timezone = moduleOutline(m)["timezone"];
  try {
    return std::make_unique<Calendar>(timezone, std::array<std::vector<std::pair<int32_t, int32_t>>, 7>{},
                                      std::vector<std::pair<int32_t, int32_t>>{});
  } catch (const std::exception&) {
    return std::make_unique<Calendar>("UTC", std::array<std::vector<std::pair<int32_t, int32_t>>, 7>{},
                                      std::vector<std::pair<int32_t, int32_t>>{});
  }
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

// Whose failed logins a login counts with: the socket's address; behind a
// reverse proxy on the same machine (a loopback peer) the client the proxy
// names last in X-Forwarded-For (nginx's $proxy_add_x_forwarded_for appends
// it), as a client may send that header itself with anything in it.
std::string clientAddress(const WebRequest& req) {
  const std::string& peer = req.remoteAddress;
  bool loopback = peer.rfind("127.", 0) == 0 || peer == "::1" || peer.rfind("::ffff:127.", 0) == 0;
  std::string forwarded = req.header("x-forwarded-for");
  if (!loopback || forwarded.empty()) return peer;
  std::string last = forwarded.substr(forwarded.rfind(',') + 1);
  size_t start = last.find_first_not_of(' '), end = last.find_last_not_of(' ');
  return start == std::string::npos ? peer : last.substr(start, end - start + 1);
}

const std::regex& retryPath() {
  static const std::regex path(R"(outbox/([^/]+)/retry)");
  return path;
}

// The routes under api/ that write (or open and end sessions): POST only.
bool isWrite(const std::string& apiPath) {
  return apiPath == "login" || apiPath == "logout" || std::regex_match(apiPath, retryPath());
}

// The state one mounted console keeps between requests.
struct Console {
  ConsoleSettings settings;
  std::string base;  // "/console", "/t/shop/console"
  std::mutex readerMutex;
  bool readerTried = false;
  std::shared_ptr<store::Store> reader;  // or null: read the server's store
  Sessions& sessions = processSessions();

  // What depends on the running version, made again when it changes.
  std::mutex cacheMutex;
  std::string cachedVersion;
  std::shared_ptr<Calendar> account;
  StageP90 p90;
  std::optional<int64_t> p90At;  // when it was computed

  explicit Console(ConsoleSettings s) : settings(std::move(s)), base(settings.mount + "/console") {}

  // A connection of its own, read-only: a board's whole-store reads never
  // hold the server's store (its writer, relay and API) meanwhile. Opened at
  // the first read, not with the server: a process hosting many tenants
  // would hold one idle PostgreSQL connection per tenant for consoles no one
  // opens.
  void openReader() {
    const std::string& spec = settings.storeSpec;
    try {
      if (std::optional<std::string> conninfo = postgresConninfo(spec)) {
        reader = std::make_shared<store::PostgresStore>(*conninfo, store::PostgresOptions{.readOnly = true});
      } else if (!spec.empty()) {
        store::SqliteOptions options;
        options.readOnly = true;
        reader = std::make_shared<store::SqliteStore>(spec.rfind("sqlite:", 0) == 0 ? spec.substr(7) : spec, options);
      }
    } catch (const std::exception&) {
      reader.reset();  // an in-memory or unusual store: read the server's own
    }
  }

  // libpq's connection string of a PostgreSQL store's address (as serve's open_store reads it).
  static std::optional<std::string> postgresConninfo(const std::string& spec) {
    if (spec.rfind("postgres://", 0) == 0 || spec.rfind("postgresql://", 0) == 0) return spec;
    for (const char* kind : {"postgres:", "postgresql:"}) {
      if (spec.rfind(kind, 0) == 0) return spec.substr(std::string(kind).size());
    }
    return std::nullopt;
  }

  store::Store& readStore() {
    std::lock_guard lock(readerMutex);
    if (!readerTried) {
      readerTried = true;
      openReader();
    }
    return reader ? *reader : *settings.store;
  }
  int64_t now() { return settings.clock->now(); }

  // The version events are applied with now: a deployment through the API changes it.
  RunningModule running() {
    if (settings.running) {
      RunningModule r = settings.running();
      if (r.module) return r;
    }
    return {std::shared_ptr<const bc::Module>(std::shared_ptr<const bc::Module>{}, settings.module),
            settings.moduleVersion};
  }
  // Called with cacheMutex held: forgets what the previous version's module said.
  void follow(const RunningModule& r) {
    if (account && cachedVersion == r.version) return;
    cachedVersion = r.version;
    account = accountCalendar(*r.module);
    p90At.reset();
  }
  // A session of this console's scope whose token still logs in as it did;
  // the operator's login opens every tenant's.
  bool admits(const Session& s) const {
    if (s.scope == kEveryTenant) return !settings.scope.empty() && isOperator(s.token);
    return s.scope == settings.scope && roleOf(s.token) == s.role;
  }
  // The tenants file's admin token (under `serve --tenants` only).
  bool isOperator(const std::string& token) const {
    return !settings.scope.empty() && !token.empty() && settings.isOperatorToken && settings.isOperatorToken(token);
  }
  // The role one of this console's own tokens logs in as.
  std::optional<Role> roleOf(const std::string& token) const {
    // A tenant without tokens has no console logins: without any, console::roleOf would let anyone in.
    bool noTokens = settings.tokens.admin.empty() && settings.tokens.readOnly.empty();
    if (!settings.scope.empty() && noTokens) return std::nullopt;
    return console::roleOf(settings.tokens, token);
  }

  WebReply handle(const WebRequest& req);
  WebReply page(const std::string& name);
  WebReply login(const WebRequest& req);
  WebReply api(const WebRequest& req, const std::string& sessionId, const Session& session);
  WebReply boardReply(const WebRequest& req, const RunningModule& r);
  WebReply statsReply(const WebRequest& req, const RunningModule& r);
  WebReply dealReply(const std::string& id, const RunningModule& r);
  WebReply retry(const std::string& id);
  StageP90 stageP90(const RunningModule& r);
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
  // The server hands over every path under /console; a tenant's front server takes its /t/ID off first.
  const std::string path = req.path.rfind("/console", 0) == 0 ? req.path.substr(8) : req.path;
  // cpp-httplib answers HEAD with the GET routes: a HEAD reads, and never writes.
  const bool read = req.method == "GET" || req.method == "HEAD";
  if (read && path.empty()) return {302, "text/plain", "", {{"Location", base + "/"}}};
  if (read && path == "/") return page("index.html");
  if (read && path.rfind("/assets/", 0) == 0) return page(path.substr(8));
  if (path.rfind("/api/", 0) != 0) return error(404, "not_found", "no page " + base + path + " in the console");
  // Only a POST writes, and only a POST must carry the JSON content type and
  // the CSRF token asked below: a write by another method (a HEAD, which
  // cpp-httplib answers with the GET routes) is refused before anything.
  if (req.method != "POST" && isWrite(path.substr(5))) {
    WebReply r = error(405, "method_not_allowed", fmt::format("{} {}: send it as a POST", req.method, req.path));
    r.headers.push_back({"Allow", "POST"});
    return r;
  }
  // A write must be JSON: a form on another site cannot send that without asking first (CORS).
  if (req.method == "POST" && req.header("content-type").rfind("application/json", 0) != 0)
    return error(415, "unsupported_media_type", "send writes as Content-Type: application/json");
  if (req.method == "POST" && path == "/api/login") return login(req);
  std::string id;
  std::optional<Session> session;
  for (const std::string& candidate : cookieValues(req.header("cookie"), kCookie)) {
    session = sessions.find(candidate, now());
    if (session && admits(*session)) {
      id = candidate;
      break;
    }
    session.reset();  // another tenant's login: it opens nothing here
  }
  if (!session) return error(401, "unauthorized", "log in first: the session is missing or has expired");
  if (req.method == "POST" && !sameSecret(req.header("x-csrf-token"), session->csrf))
    return error(403, "csrf", "the request lacks this session's CSRF token (X-CSRF-Token); reload the page");
  return api(req, id, *session);
}

WebReply Console::login(const WebRequest& req) {
  // Guessing tokens: a few failed logins a minute per client and tenant, then 429 (login_throttle.h).
  LoginThrottle& throttle = processLoginThrottle();
  std::string client = throttleKey(settings.scope, clientAddress(req));
  if (int64_t wait = throttle.wait(client, now()); wait > 0) {
    WebReply r = error(429, "too_many_logins",
                       fmt::format("{} failed logins within {} s from this address: try again in {} s",
                                   LoginThrottle::kFailures, LoginThrottle::kWindowSeconds, wait));
    r.headers.push_back({"Retry-After", std::to_string(wait)});
    return r;
  }
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (!body.is_object() || (body.contains("token") && !body["token"].is_string()))
    return error(400, "bad_request", "send {\"token\": \"…\"}");
  std::string token = body.value("token", "");
  // The tenants file's admin token opens every tenant's console: its cookie goes to all of them.
  bool operatorLogin = isOperator(token);
  std::optional<Role> role = operatorLogin ? Role::Admin : roleOf(token);
  if (!role) {
    throttle.failed(client, now());
    return error(401, "unauthorized", "this token is not one of the server's");
  }
  throttle.succeeded(client);
  std::string cookiePath = operatorLogin ? "/t" : base;
  Session opened;
  opened.role = *role;
  opened.scope = operatorLogin ? kEveryTenant : settings.scope;
  opened.cookiePath = cookiePath;
  opened.token = token;
  std::string id = sessions.open(std::move(opened), now());
  std::optional<Session> session = sessions.find(id, now());
  WebReply r = json(200, {{"role", *role == Role::Admin ? "admin" : "read_only"}, {"csrf", session->csrf}});
  // Secure when the page came through an HTTPS proxy: the browser then never sends it in clear.
  bool https = req.header("x-forwarded-proto") == "https";
  r.headers.push_back({"Set-Cookie", fmt::format("{}={}; Path={}; HttpOnly; SameSite=Strict; Max-Age={}{}", kCookie, id,
                                                 cookiePath, Sessions::kLifetimeSeconds, https ? "; Secure" : "")});
  return r;
}

StageP90 Console::stageP90(const RunningModule& r) {
  // The p90 comes from the whole history: reused a while, for one version.
  std::lock_guard lock(cacheMutex);
  follow(r);
  int64_t t = now();
  if (!p90At || t - *p90At >= settings.statsCacheSeconds) {
    auto tx = readStore().begin();
    p90 = p90OfStages(stats::storeStats(*r.module, *tx, t), *r.module);
    p90At = t;
  }
  return p90;
}

WebReply Console::boardReply(const WebRequest& req, const RunningModule& r) {
  const bc::Module& m = *r.module;
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
  StageP90 limits = stageP90(r);
  // Deals a deployment has not moved yet are read with their own version's module.
  std::map<std::string, std::shared_ptr<const bc::Module>> earlier;
  ModuleOfVersion moduleOf;
  if (settings.moduleOf) {
    moduleOf = [&](const std::string& version) -> const bc::Module* {
      auto found = earlier.find(version);
      if (found == earlier.end()) found = earlier.emplace(version, settings.moduleOf(version)).first;
      return found->second.get() == &m ? nullptr : found->second.get();
    };
  }
  auto tx = readStore().begin();
  nlohmann::json out = board(m, *tx, filter, limits, now(), r.version, moduleOf);
  out["module_version"] = r.version;
  out["deploying"] = deploymentInProgress(*tx);
  return json(200, out);
}

WebReply Console::statsReply(const WebRequest& req, const RunningModule& r) {
  std::shared_ptr<Calendar> calendar;
  {
    std::lock_guard lock(cacheMutex);
    follow(r);
    calendar = account;
  }
  stats::Period period;
  for (const char* name : {"from", "to"}) {
    std::string text = req.param(name);
    if (text.empty()) continue;
    std::optional<int64_t> day = dayOf(text);
    if (!day) return error(400, "bad_request", fmt::format("\"{}\": give a date like 2026-12-01", name));
    // Days are the account's: `to` includes its whole day.
    if (std::string(name) == "from")
      period.from = calendar->utcOf(*day, 0);
    else
      period.to = calendar->utcOf(*day + 1, 0);
  }
  if (period.from >= period.to) return error(400, "bad_request", "\"from\" must not be after \"to\"");
  auto tx = readStore().begin();
  nlohmann::json out = stats::storeStats(*r.module, *tx, now(), period);
  out["period"] = {{"from", req.param("from")}, {"to", req.param("to")}};
  return json(200, out);
}

WebReply Console::dealReply(const std::string& id, const RunningModule& r) {
  auto tx = readStore().begin();
  // A deal the deployment has not moved yet is read with the version it runs on.
  std::shared_ptr<const bc::Module> own = r.module;
  if (settings.moduleOf) {
    std::optional<store::DealRecord> d = tx->deal(id);
    if (d && d->moduleVersion != r.version) {
      if (std::shared_ptr<const bc::Module> m = settings.moduleOf(d->moduleVersion)) own = std::move(m);
    }
  }
  std::optional<nlohmann::json> deal = dealPage(*own, *tx, id);
  if (!deal) return error(404, "not_found", "there is no deal \"" + id + "\"");
  return json(200, *deal);
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
  std::string path = req.path.substr(req.path.find("/api/") + 5);
  bool get = req.method == "GET" || req.method == "HEAD";
  bool post = req.method == "POST";
  std::smatch match;
  if (post && path == "logout") {
    sessions.close(sessionId);
    WebReply r = json(200, {{"status", "logged out"}});
    r.headers.push_back(
        {"Set-Cookie", fmt::format("{}=; Path={}; HttpOnly; SameSite=Strict; Max-Age=0", kCookie, session.cookiePath)});
    return r;
  }
  RunningModule running = this->running();
  if (get && path == "session") {
    nlohmann::json out = moduleOutline(*running.module);
    out["role"] = session.role == Role::Admin ? "admin" : "read_only";
    out["csrf"] = session.csrf;
    out["module_version"] = running.version;
    out["tenant"] = settings.scope;
    out["tenants"] = settings.tenants ? settings.tenants(session.scope) : nlohmann::json::array();
    auto tx = readStore().begin();
    out["deploying"] = deploymentInProgress(*tx);
    return json(200, out);
  }
  if (get && path == "board") return boardReply(req, running);
  if (get && path == "stats") return statsReply(req, running);
  if (get && path.rfind("deal/", 0) == 0) return dealReply(path.substr(5), running);
  if (get && path == "outbox") {
    std::string status = req.param("status").empty() ? "dead" : req.param("status");
    if (status != "pending" && status != "failing" && status != "dead")
      return error(400, "bad_request", "\"status\" is pending, failing or dead");
    auto tx = readStore().begin();
    return json(200, outbox(*tx, status, 200));
  }
  if (post && std::regex_match(path, match, retryPath())) {
    if (session.role != Role::Admin)
      return error(403, "forbidden", "retrying a dead letter needs an admin login; this one is read-only");
    return retry(match[1]);
  }
  if (get && path == "versions") {
    auto tx = readStore().begin();
    return json(200, versions(*tx, running.version));
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

}  // namespace voronka::console
