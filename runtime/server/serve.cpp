#include "runtime/server/serve.h"

#include <signal.h>

#include <unistd.h>

#include "runtime/server/client_runtime.h"

namespace voronka::server {

namespace {

// SIGTERM and SIGINT, blocked here so that every thread started later
// inherits the mask and only waitForStopSignal receives them.
// SIGUSR1 is how POST /v1/modules wakes the main thread to deploy.
sigset_t blockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

const char* waitForSignal(const sigset_t& signals) {
  int received = 0;
  sigwait(&signals, &received);
  if (received == SIGUSR1) return "SIGUSR1";
  return received == SIGTERM ? "SIGTERM" : "SIGINT";
}

}  // namespace

Result<void, ServeError> serve(const ServeSettings& settings, const ServeReport& report) {
  sigset_t signals = blockStopSignals();
  ClientRuntime::Hooks hooks;
  // POST /v1/modules hands a checked upload over and wakes this thread.
  hooks.uploaded = [] { kill(getpid(), SIGUSR1); };
  hooks.deployed = report.deployed;
  auto client = ClientRuntime::open(settings, hooks);
  if (!client) return failWith(client.error());
  Result<int, ServeError> port = (*client)->start();
  if (!port) return failWith(port.error());

  if (report.listening) report.listening(*port);
  const char* signal = nullptr;
  for (;;) {
    signal = waitForSignal(signals);
    if (std::string_view(signal) != "SIGUSR1") break;
    if (auto deployed = (*client)->deployUpload(); !deployed) return failWith(deployed.error());
  }
  if (report.stopping) report.stopping(signal);
  (*client)->stop();
  if (report.stopped) report.stopped();
  return {};
}

}  // namespace voronka::server
