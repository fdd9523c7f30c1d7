#include "runtime/server/server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <sys/socket.h>

#include <thread>

#include "common/secret.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/names.h"
#include "runtime/server/api.h"
#include "runtime/server/guarded_http.h"
#include "runtime/server/idempotency.h"
#include "runtime/server/limits.h"
#include "runtime/server/metrics.h"
#include "runtime/server/writer.h"

namespace voronka::server {

Result<ListenAddress> parseListen(const std::string& text) {
  const char* kExpected = "give HOST:PORT, like 127.0.0.1:8080";
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return fail(kExpected);
  ListenAddress address;
  address.host = text.substr(0, colon);
  std::string& host = address.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  std::string p = text.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return fail(kExpected);
  address.port = std::stoi(p);
  if (address.port > 65535) return fail(kExpected);
  return address;
}

bool isLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost" || host.rfind("127.", 0) == 0;
}

struct Server::Parts {
  Parts(const bc::Module& module, store::Store& store, engine::Clock& clock, ServerOptions o)
      : options(std::move(o)),
        engine(module, store, clock, engine::EngineOptions{.moduleVersion = options.moduleVersion}),
        // The module outlives the server (its caller owns it).
        versions({std::shared_ptr<const bc::Module>(&module, [](const bc::Module*) {}),
                  std::make_shared<engine::Names>(module), options.moduleVersion}),
        writer(engine, versions, store, clock, metrics,
               WriterOptions{.maxBatch = options.maxBatch, .onCommit = options.onCommit, .intake = options.intake}),
        api(store, writer, metrics),
        http(options.connections) {}

  ServerOptions options;
  Metrics metrics;
  engine::Engine engine;
  LiveVersions versions;
  EventWriter writer;
  Api api;
  GuardedHttpServer http;
  std::thread listener;
  bool stopped = false;
};

namespace {

void send(httplib::Response& res, const Reply& r, Metrics& metrics) {
  res.status = r.status;
  // `replace`: a message quoting a client's bytes never makes the answer throw.
  res.set_content(r.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json; charset=utf-8");
  metrics.countHttp(r.status);
}

std::string bearerToken(const httplib::Request& req) {
  std::string h = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  return h.rfind(prefix, 0) == 0 ? h.substr(prefix.size()) : "";
}

// The request's Idempotency-Key, scoped to its token, method and path; a
// 400 reply when the key itself is unusable.
Result<std::optional<IdempotencyClaim>, Reply> claimOf(const httplib::Request& req) {
  Result<std::optional<IdempotencyClaim>> claim =
      idempotencyClaim(req.get_header_value("Idempotency-Key"), bearerToken(req), req.method, req.path, req.body);
  if (!claim) return failWith(errorReply(400, "bad_request", claim.error()));
  return std::move(*claim);
}

// Every GET and POST under the app's prefix goes to the app as is.
void mountWebApp(httplib::Server& http, const WebApp& app, Metrics& metrics) {
  auto handler = [&app, &metrics](const httplib::Request& req, httplib::Response& res) {
    WebRequest request{req.method, req.path, {req.params.begin(), req.params.end()}, {}, req.body, req.remote_addr};
    for (const auto& [name, value] : req.headers) {
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers[lower] = value;
    }
    WebReply reply = app.handle(request);
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers) res.set_header(name, value);
    res.set_content(reply.body, reply.contentType);
    metrics.countHttp(reply.status);
  };
  std::string pattern = app.prefix + "(/.*)?";
  http.Get(pattern, handler);
  http.Post(pattern, handler);
}

}  // namespace

Server::Server(const bc::Module& module, store::Store& store, engine::Clock& clock, ServerOptions options)
    : parts_(std::make_unique<Parts>(module, store, clock, std::move(options))) {
  Parts& p = *parts_;
  httplib::Server& http = p.http;
  http.set_payload_max_length(p.options.maxBodyBytes);
  http.set_tcp_nodelay(true);  // small JSON answers must not wait for delayed ACKs (40 ms each)

  // Every /v1 route needs a token when tokens are configured.
  http.set_pre_routing_handler([&p](const httplib::Request& req, httplib::Response& res) {
    bool open = p.options.tokens.empty() && p.options.readTokens.empty();
    if (open || req.path.rfind("/v1/", 0) != 0) return httplib::Server::HandlerResponse::Unhandled;
    for (const auto& route : p.options.extraRoutes) {
      if (!route.needsToken && req.path.rfind(route.prefix, 0) == 0)
        return httplib::Server::HandlerResponse::Unhandled;  // a secret in the path
    }
    std::string token = bearerToken(req);
    bool readToken = findSecret(p.options.readTokens, token) >= 0;
    if (findSecret(p.options.tokens, token) >= 0) return httplib::Server::HandlerResponse::Unhandled;
    if (readToken) {
      if (req.method == "GET" || req.method == "HEAD") return httplib::Server::HandlerResponse::Unhandled;
      send(res, errorReply(403, "read_only_token", "this API token may only read (GET); send a token of `tokens`"),
           p.metrics);
      return httplib::Server::HandlerResponse::Handled;
    }
    res.set_header("WWW-Authenticate", "Bearer");
    send(res,
         errorReply(401, "unauthorized",
                    token.empty() ? "send the API token: Authorization: Bearer TOKEN" : "the API token is not valid"),
         p.metrics);
    return httplib::Server::HandlerResponse::Handled;
  });
  http.set_exception_handler([&p](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {}
    send(res, errorReply(500, "internal", what), p.metrics);
  });
  http.set_error_handler([&p](const httplib::Request& req, httplib::Response& res) {
    // Only responses no route wrote: unknown paths, too large bodies.
    if (!res.body.empty()) return;
    if (res.status == 413) {
      // cpp-httplib refuses form-encoded bodies over its own, smaller limit.
      bool form = req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0 &&
                  std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10) <= p.options.maxBodyBytes;
      std::string why =
          form ? fmt::format("a form-encoded body is larger than {} bytes (the limit of form bodies; send JSON)",
                             limits::kMaxFormBodyBytes)
               : fmt::format("the body is larger than {} bytes ([server] max_body_bytes)", p.options.maxBodyBytes);
      send(res, errorReply(413, "too_large", why), p.metrics);
    } else if (res.status == 404) {
      send(res, errorReply(404, "not_found", fmt::format("no route {} {}; see docs/serve.md", req.method, req.path)),
           p.metrics);
    } else {
      send(res, errorReply(res.status, "error", fmt::format("HTTP {}", res.status)), p.metrics);
    }
  });

  auto body = [](const httplib::Request& req) -> const std::string& { return req.body; };
  http.Post("/v1/events", [&p, body](const httplib::Request& req, httplib::Response& res) {
    send(res, p.api.postEvents(body(req)), p.metrics);
  });
  http.Post("/v1/deals", [&p, body](const httplib::Request& req, httplib::Response& res) {
    auto claim = claimOf(req);
    send(res, claim ? p.api.postDeal(body(req), *claim) : claim.error(), p.metrics);
  });
  http.Get(R"(/v1/deals/([^/]+))", [&p](const httplib::Request& req, httplib::Response& res) {
    send(res, p.api.getDeal(req.matches[1]), p.metrics);
  });
  http.Post(R"(/v1/deals/([^/]+)/move)", [&p, body](const httplib::Request& req, httplib::Response& res) {
    auto claim = claimOf(req);
    send(res, claim ? p.api.moveDeal(req.matches[1], body(req), *claim) : claim.error(), p.metrics);
  });
  http.Get("/v1/pipelines",
           [&p](const httplib::Request&, httplib::Response& res) { send(res, p.api.getPipelines(), p.metrics); });
  http.Get("/v1/outbox", [&p](const httplib::Request& req, httplib::Response& res) {
    std::string status = req.has_param("status") ? req.get_param_value("status") : "dead";
    size_t limit = 100;
    if (req.has_param("limit")) {
      std::string l = req.get_param_value("limit");
      if (l.empty() || l.size() > 6 || l.find_first_not_of("0123456789") != std::string::npos) {
        send(res, errorReply(400, "bad_request", "\"limit\" is a number from 1 to 100000"), p.metrics);
        return;
      }
      limit = std::max<size_t>(1, std::stoul(l));
    }
    send(res, p.api.getOutbox(status, limit), p.metrics);
  });
  for (const auto& route : p.options.extraRoutes) {
    std::string pattern = route.exact ? route.prefix : route.prefix + "([^/]+)";
    auto add = [&](const std::string& path, httplib::Server::Handler handler) {
      if (route.method == "GET") {
        http.Get(path, std::move(handler));
      } else {
        http.Post(path, std::move(handler));
      }
    };
    add(pattern, [&p, &route](const httplib::Request& req, httplib::Response& res) {
      std::string secret = route.exact ? "" : std::string(req.matches[1]);
      ExtraReply reply =
          route.handle({secret, req.body, req.get_header_value("Content-Type"), bearerToken(req)}, p.writer);
      res.status = reply.status;
      res.set_content(reply.body, "application/json; charset=utf-8");
      p.metrics.countHttp(reply.status);
    });
  }
  for (const WebApp& app : p.options.webApps) mountWebApp(http, app, p.metrics);
  http.Get("/healthz", [&p](const httplib::Request&, httplib::Response& res) { send(res, p.api.health(), p.metrics); });
  http.Get("/readyz", [&p](const httplib::Request&, httplib::Response& res) {
    send(res, p.api.ready(p.options.readyMaxBacklog), p.metrics);
  });
  http.Get("/metrics", [&p](const httplib::Request&, httplib::Response& res) {
    res.set_content(p.api.metricsText() + (p.options.extraMetrics ? p.options.extraMetrics() : ""),
                    "text/plain; version=0.0.4");
  });
}

Server::~Server() { stop(); }

Metrics& Server::metrics() { return parts_->metrics; }
Api& Server::api() { return parts_->api; }
GuardedHttpServer& Server::http() { return parts_->http; }

EventWriter& Server::writer() { return parts_->writer; }

int Server::start() {
  Parts& p = *parts_;
  // cpp-httplib listens with a backlog of 5: a burst of new connections
  // overflows it and each dropped SYN costs its client a 1 s retransmit.
  // Remember the listening socket and listen again with a deeper queue.
  int listening = -1;
  p.http.set_socket_options([&listening](socket_t sock) {
    httplib::default_socket_options(sock);
    listening = sock;
  });
  int port = p.options.port;
  if (port == 0) {
    port = p.http.bind_to_any_port(p.options.host);
  } else if (!p.http.bind_to_port(p.options.host, port)) {
    port = -1;
  }
  if (port < 0)
    throw std::runtime_error(fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)",
                                         p.options.host, p.options.port));
  if (listening >= 0) ::listen(listening, 512);  // on Linux a second listen() only changes the backlog
  p.listener = p.http.listenInBackground();
  return port;
}

void Server::stop() {
  Parts& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  // No new connections; the requests in flight finish (their events are in
  // the writer's queue and are answered once durable).
  p.http.stop();
  if (p.listener.joinable()) p.listener.join();
  p.http.finish();
  p.writer.stop();
}

}  // namespace voronka::server
