// `voronka serve`: the HTTP server around one module and one store. It owns
// the engine (behind the single EventWriter thread) and answers the API on a
// pool of HTTP threads.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/bytecode/module.h"
#include "runtime/engine/clock.h"
#include "runtime/server/connection_limits.h"
#include "runtime/server/extra_routes.h"
#include "runtime/server/writer.h"
#include "runtime/store/store.h"

namespace voronka::server {

class Metrics;
class EventWriter;

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::vector<std::string> tokens;  // accepted bearer tokens; empty: no auth (loopback only)
  size_t maxBodyBytes = 1 << 20;
  size_t maxBatch = 256;                // events per group commit
  int64_t readyMaxBacklog = 10000;      // GET /readyz: not ready with more effects waiting in the outbox
  std::function<void()> onCommit;       // after each durable commit (wakes the outbox relay)
  std::vector<ExtraRoute> extraRoutes;  // the CRM adapters' webhooks (extra_routes.h)
  ConnectionLimits connections;         // threads, deadlines, connections per client
  std::string moduleVersion;            // the module's version (runtime/deploy): saved on deals and events
  // Shared workers (worker_serve.h): where events go instead of the writer,
  // and more lines for GET /metrics.
  decltype(WriterOptions::intake) intake;
  std::function<std::string()> extraMetrics;
};

struct ListenAddress {
  std::string host;
  int port = 0;
};
// "127.0.0.1:8080", "[::1]:8080", ":8080" (every interface); fails saying
// what is expected.
Result<ListenAddress> parseListen(const std::string& text);
bool isLoopback(const std::string& host);

class Server {
 public:
  Server(const bc::Module& module, store::Store& store, engine::Clock& clock, ServerOptions options);
  ~Server();

  // Binds the socket (throws std::runtime_error when it cannot) and serves
  // on background threads; returns the bound port (useful with port 0).
  int start();
  // Stops accepting, answers the requests in flight, finishes the queued
  // events, then returns. Nothing acknowledged is lost.
  void stop();

  // Counters for /metrics (the outbox relay adds its own).
  Metrics& metrics();
  // The writer's (writer.h): an interrupted deployment resumed before start().
  EventWriter& writer();

  struct Parts;

 private:
  std::unique_ptr<Parts> parts_;
};

}  // namespace voronka::server
