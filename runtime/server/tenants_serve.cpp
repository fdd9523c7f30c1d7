#include "runtime/server/tenants_serve.h"

#include <fmt/format.h>
#include <httplib.h>
#include <signal.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "runtime/server/api.h"
#include "runtime/server/guarded_http.h"
#include "runtime/server/open_store.h"
#include "runtime/server/serve_signals.h"
#include "runtime/server/server.h"
#include "runtime/server/tenant_metrics.h"
#include "runtime/server/tenant_registry.h"

namespace voronka::server {

namespace {

constexpr size_t kMaxFrontBody = 64 * 1024;

ServeError setup(std::string message) { return {ServeError::Kind::Setup, std::move(message)}; }

void send(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json; charset=utf-8");
}

void refuse(httplib::Response& res, int status, const std::string& code, const std::string& message) {
  Reply r = errorReply(status, code, message);
  if (status == 401) res.set_header("WWW-Authenticate", "Bearer");
  if (status == 503) res.set_header("Retry-After", "1");
  send(res, r.status, r.body);
}

std::string bearerToken(const httplib::Request& req) {
  std::string h = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  return h.rfind(prefix, 0) == 0 ? h.substr(prefix.size()) : "";
}

// The front server's own routes: the server's health, readiness and
// metrics over every tenant, the admin routes, and the answers to requests
// no tenant took (guarded_http.h hands the others to their tenant).
class Front {
 public:
  Front(GuardedHttpServer& http, TenantRegistry& registry) : http_(http), registry_(registry) {
    http.set_tcp_nodelay(true);
    // It answers bodies only with refusals: none of them needs a large one.
    http.set_payload_max_length(kMaxFrontBody);
    http.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
      send(res, 200,
           {{"status", "ok"}, {"tenants", registry_.running().size()}, {"tenants_failed", registry_.failed().size()}});
    });
    http.Get("/readyz", [this](const httplib::Request& req, httplib::Response& res) { readyz(req, res); });
    http.Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) { metrics(req, res); });
    http.Post("/admin/reload", [this](const httplib::Request& req, httplib::Response& res) {
      if (!admin(req, res)) return;
      ReloadReport report = registry_.reload();
      send(res, report.errors.empty() ? 200 : 422, report.json());
    });
    http.Get("/admin/tenants", [this](const httplib::Request& req, httplib::Response& res) {
      if (!admin(req, res)) return;
      tenants(res);
    });
    auto refusal = [this](const httplib::Request& req, httplib::Response& res) { notTaken(req, res); };
    const std::string tenantPaths = R"(/(t|v1)(/.*)?)";
    http.Get(tenantPaths, refusal);
    http.Post(tenantPaths, refusal);
    http.Put(tenantPaths, refusal);
    http.Patch(tenantPaths, refusal);
    http.Delete(tenantPaths, refusal);
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "unknown error";
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {}
      refuse(res, 500, "internal", what);
    });
    // Only what this server answers itself: a tenant's requests count in its metrics.
    http.set_logger([this](const httplib::Request&, const httplib::Response& res) {
      (res.status >= 500 ? http5xx_ : res.status >= 400 ? http4xx_ : http2xx_)++;
    });
    http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      if (res.status == 404) {
        refuse(res, 404, "not_found",
               fmt::format("no route {} {}; a tenant's API is /t/TENANT/v1/… (docs/serve.md#tenants)", req.method,
                           req.path));
      } else if (res.status == 413) {
        refuse(res, 413, "too_large",
               fmt::format("a body larger than {} bytes is read only for a tenant: send its API token (or use "
                           "/t/TENANT/v1/…); a tenant's own limit is [server] max_body_bytes of its config",
                           kMaxFrontBody));
      } else {
        refuse(res, res.status, "error", fmt::format("HTTP {}", res.status));
      }
    });
  }

 private:
  // The server's admin token; answers the refusal when there is none.
  bool admin(const httplib::Request& req, httplib::Response& res) {
    if (registry_.serverSettings().adminTokens.empty()) {
      refuse(res, 403, "admin_disabled",
             "the admin routes need [server] admin_tokens in tenants.toml; without them, reload with SIGHUP");
      return false;
    }
    if (registry_.isAdminToken(bearerToken(req))) return true;
    refuse(res, 401, "unauthorized", "send the server's admin token (Authorization: Bearer TOKEN)");
    return false;
  }

  void readyz(const httplib::Request& req, httplib::Response& res) {
    nlohmann::json notReady = nlohmann::json::object();
    size_t ready = 0;
    auto running = registry_.running();
    for (const auto& t : running) {
      std::shared_ptr<Server> server = t->runtime->serving();
      if (!server) {
        notReady[t->entry.id] = {"restarting or stopping"};
        continue;
      }
      Reply r = server->api().ready(registry_.readyMaxBacklog());
      if (r.status == 200) {
        ready++;
      } else {
        notReady[t->entry.id] = r.body.contains("reasons") ? r.body["reasons"] : nlohmann::json::array({r.body});
      }
    }
    for (const auto& [id, why] : registry_.failed()) notReady[id] = {"not running: " + why};
    nlohmann::json body = {{"status", notReady.empty() ? "ready" : "not_ready"},
                           {"tenants", running.size()},
                           {"ready", ready},
                           {"not_ready", notReady.size()}};
    // Which tenants and why only for the server's operator.
    if (registry_.isAdminToken(bearerToken(req))) body["not_ready_tenants"] = notReady;
    send(res, notReady.empty() ? 200 : 503, body);
  }

  void metrics(const httplib::Request& req, httplib::Response& res) {
    if (!registry_.serverSettings().adminTokens.empty() && !registry_.isAdminToken(bearerToken(req))) {
      refuse(res, 401, "unauthorized",
             "GET /metrics shows every tenant: send the server's admin token; a tenant's own figures are at "
             "/t/TENANT/metrics with its token");
      return;
    }
    std::vector<std::pair<std::string, std::string>> texts;
    std::string up;
    for (const auto& t : registry_.running()) {
      std::shared_ptr<Server> server = t->runtime->serving();
      bool serving = false;
      if (server) {
        try {
          texts.emplace_back(t->entry.id, server->api().metricsText() + t->runtime->extraMetrics());
          serving = true;
        } catch (const std::exception&) {  // its store cannot be read now: its readiness says so
        }
      }
      up += fmt::format("voronka_tenant_up{{tenant=\"{}\"}} {}\n", t->entry.id, serving ? 1 : 0);
    }
    auto failed = registry_.failed();
    for (const auto& [id, why] : failed) up += fmt::format("voronka_tenant_up{{tenant=\"{}\"}} 0\n", id);
    std::string out = mergeTenantMetrics(texts);
    out +=
        "# HELP voronka_front_responses_total Responses of the server itself, by class: its own routes and the "
        "refusals of requests no tenant took (an unknown tenant or token).\n"
        "# TYPE voronka_front_responses_total counter\n";
    out += fmt::format("voronka_front_responses_total{{class=\"2xx\"}} {}\n", http2xx_.load());
    out += fmt::format("voronka_front_responses_total{{class=\"4xx\"}} {}\n", http4xx_.load());
    out += fmt::format("voronka_front_responses_total{{class=\"5xx\"}} {}\n", http5xx_.load());
    out += "# HELP voronka_tenant_up Whether a tenant serves (1) or not (0: restarting, failed to start).\n";
    out += "# TYPE voronka_tenant_up gauge\n" + up;
    res.set_content(out, "text/plain; version=0.0.4");
  }

  void tenants(httplib::Response& res) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& t : registry_.running()) {
      list.push_back({{"id", t->entry.id},
                      {"entry", t->entry.where},
                      {"store", printableStore(t->entry.store)},
                      {"version", t->runtime->version()},
                      {"workers", t->runtime->workers()},
                      {"status", t->runtime->serving() ? "serving" : "restarting"}});
    }
    for (const auto& [id, why] : registry_.failed()) list.push_back({{"id", id}, {"status", "failed"}, {"why", why}});
    send(res, 200, {{"tenants", list}});
  }

  // A request for a tenant that no tenant took: say why.
  void notTaken(const httplib::Request& req, httplib::Response& res) {
    const std::string& path = req.path;
    if (path.rfind("/t/", 0) == 0) {
      size_t slash = path.find('/', 3);
      std::string id = path.substr(3, slash == std::string::npos ? std::string::npos : slash - 3);
      std::string rest = slash == std::string::npos ? "" : path.substr(slash);
      std::shared_ptr<Tenant> tenant = registry_.find(id);
      if (!tenant) {
        if (registry_.failed().count(id))
          return refuse(res, 503, "tenant_unavailable",
                        fmt::format("tenant \"{}\" is not running; its operator sees why in the server's log", id));
        return refuse(res, 404, "unknown_tenant", fmt::format("there is no tenant \"{}\"", id));
      }
      if (rest == "/healthz" || rest == "/readyz" || rest == "/metrics")
        return refuse(res, 401, "unauthorized", "send the tenant's API token: Authorization: Bearer TOKEN");
      if (rest.rfind("/v1/", 0) == 0 || rest == "/console" || rest.rfind("/console/", 0) == 0)
        return refuse(res, 503, "tenant_busy", fmt::format("tenant \"{}\" is restarting; send again", id));
      return refuse(res, 404, "not_found",
                    fmt::format("no route {} {}; a tenant's API is /t/{}/v1/… (docs/serve.md)", req.method, path, id));
    }
    std::string token = bearerToken(req);
    if (token.empty())
      return refuse(res, 401, "unauthorized",
                    "send a tenant's API token (Authorization: Bearer TOKEN): the token says which tenant; or use "
                    "/t/TENANT/v1/…");
    if (!registry_.byToken(token)) return refuse(res, 401, "unauthorized", "the API token is not valid");
    refuse(res, 503, "tenant_busy", "the token's tenant is restarting; send again");
  }

  GuardedHttpServer& http_;
  TenantRegistry& registry_;
  std::atomic<uint64_t> http2xx_{0}, http4xx_{0}, http5xx_{0};
};

// Binds as Server::start does: a deeper listen queue than cpp-httplib's 5.
int bind(GuardedHttpServer& http, const ListenAddress& address) {
  int listening = -1;
  http.set_socket_options([&listening](socket_t sock) {
    httplib::default_socket_options(sock);
    listening = sock;
  });
  int port = address.port;
  if (port == 0) {
    port = http.bind_to_any_port(address.host);
  } else if (!http.bind_to_port(address.host, port)) {
    port = -1;
  }
  if (port >= 0 && listening >= 0) ::listen(listening, 512);
  return port;
}

std::string summary(const ReloadReport& r) {
  return fmt::format("{} added, {} changed, {} removed, {} unchanged, {} failed, {} problems", r.added.size(),
                     r.changed.size(), r.removed.size(), r.unchanged, r.failed.size(), r.errors.size());
}

}  // namespace

Result<void, ServeError> serveTenants(const TenantsServeSettings& settings, const TenantsServeReport& report) {
  sigset_t signals = blockServeSignals({SIGHUP});
  TenantRegistrySettings rs;
  rs.file = settings.file;
  rs.readyMaxBacklog = settings.readyMaxBacklog;
  rs.allowWebhookHosts = settings.allowWebhookHosts;
  rs.log = report.log;
  rs.sharedWorkers = settings.sharedWorkers;
  rs.pgPollOnly = settings.pgPollOnly;
  rs.workerThreads = settings.workerThreads;
  TenantRegistry registry(rs);
  ReloadReport first = registry.reload();
  if (first.refused) {
    std::string message;
    for (const auto& e : first.errors) message += (message.empty() ? "" : "\n") + e;
    return failWith(setup(message));
  }
  TenantsServerSettings server = registry.serverSettings();
  std::string listenText = settings.listen.empty() ? server.listen : settings.listen;
  Result<ListenAddress> address = parseListen(listenText);
  if (!address) return failWith(setup(fmt::format("cannot listen on \"{}\": {}", listenText, address.error())));
  if (server.adminTokens.empty() && !isLoopback(address->host)) {
    return failWith(setup(fmt::format(
        "listening on {} without [server] admin_tokens would show every tenant's metrics to anyone; set admin_tokens "
        "in {}, or listen on 127.0.0.1",
        address->host, settings.file.string())));
  }

  if (!isLoopback(address->host)) {
    registry.requireAdminTokens(
        fmt::format("the server listens on {}, and without admin tokens every tenant's metrics would be open to anyone",
                    address->host));
  }
  GuardedHttpServer http(settings.connections);
  Front front(http, registry);
  http.setRequestRouter([&registry](std::string& head) { return registry.route(head); });
  int port = bind(http, *address);
  if (port < 0) {
    return failWith(setup(fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)",
                                      address->host, address->port)));
  }
  std::thread listener = http.listenInBackground();
  if (report.listening) report.listening(address->host, port, registry.running().size());

  const char* stopSignal = nullptr;
  while (!stopSignal) {
    int received = waitForServeSignal(signals);
    if (received == SIGHUP) {
      ReloadReport r = registry.reload();
      if (report.log)
        report.log(fmt::format("SIGHUP: {} {}", settings.file.string(), r.refused ? "refused" : summary(r)));
    } else {
      stopSignal = stopSignalName(received);
    }
  }
  if (report.stopping) report.stopping(stopSignal);
  // No new connections; the requests in flight are answered (they hold their tenant's server).
  http.stop();
  listener.join();
  http.finish();
  registry.stopAll();
  if (report.stopped) report.stopped();
  return {};
}

}  // namespace voronka::server
