#include "runtime/server/serve.h"

#include <signal.h>

#include <unistd.h>

#include "runtime/server/client_runtime.h"
#include "runtime/server/worker_serve.h"

namespace voronka::server {

namespace {

// SIGTERM and SIGINT, blocked here so that every thread started later
// inherits the mask and only waitForStopSignal receives them.
sigset_t blockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

const char* waitForSignal(const sigset_t& signals) {
  int received = 0;
  sigwait(&signals, &received);
  return received == SIGTERM ? "SIGTERM" : "SIGINT";
}

}  // namespace

Result<void, ServeError> serve(const ServeSettings& settings, const ServeReport& report) {
  if (settings.sharedWorkers) return serveSharedWorkers(settings, report);
  sigset_t signals = blockStopSignals();
  ClientRuntime::Hooks hooks;
  hooks.deployed = report.deployed;
  auto client = ClientRuntime::open(settings, hooks);
  if (!client) return failWith(client.error());
  Result<int, ServeError> port = (*client)->start();
  if (!port) return failWith(port.error());

  if (report.listening) report.listening(*port);
  const char* signal = waitForSignal(signals);
  if (report.stopping) report.stopping(signal);
  (*client)->stop();
  if (report.stopped) report.stopped();
  return {};
}

}  // namespace voronka::server
