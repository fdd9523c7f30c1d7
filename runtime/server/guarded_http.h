// cpp-httplib's server with connections that a slow or hostile client cannot
// use to stall everyone. cpp-httplib gives each connection a pool thread
// from accept to close, so eight clients that dribble their headers a byte
// at a time (slowloris) hold its default pool of eight. Here:
//  - a gate thread waits, with poll(), for each request's head (the request
//    line and headers) to arrive whole; only then does a worker take the
//    connection, and it gives it back to the gate between keep-alive
//    requests, so waiting connections hold no thread;
//  - a head must arrive within a deadline of its first byte, a whole request
//    within another, an idle kept-alive connection is closed after a while;
//  - a client (an IP address) may have only so many connections open;
//  - the workers are a pool of a configurable size (--http-threads).
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "runtime/server/connection_limits.h"

namespace voronka::server {

class GuardedHttpServer;

// Which server's routes answer one request (tenants: the tenant's server).
struct RequestTarget {
  GuardedHttpServer* server = nullptr;  // null: this server's own routes
  std::shared_ptr<void> hold;           // kept until the request is answered
};
// Sees each request's whole head (request line and headers) before it is
// answered; may rewrite the request line (a tenant's prefix taken off).
using RequestRouter = std::function<RequestTarget(std::string& head)>;

class GuardedHttpServer : public httplib::Server {
 public:
  // With limits.threads == 0 it has no threads and never listens: another
  // server's router hands it requests.
  explicit GuardedHttpServer(ConnectionLimits limits);
  ~GuardedHttpServer() override;
  // Before listening.
  void setRequestRouter(RequestRouter router);
  // listen_after_bind() on a new thread, returned once it accepts: a stop()
  // before that would be lost (cpp-httplib's stop() does nothing until then).
  std::thread listenInBackground();
  // After stop(): closes the connections waiting for a request, lets the
  // workers finish the requests they are answering, and joins every thread.
  void finish();

  struct Parts;

 private:
  // Called by cpp-httplib for each accepted connection (on its accept
  // thread, through a queue that runs it at once): hands it to the gate.
  bool process_and_close_socket(socket_t sock) override;

  std::unique_ptr<Parts> parts_;
};

}  // namespace voronka::server
