#include "runtime/server/serve.h"

#include "runtime/server/client_runtime.h"
#include "runtime/server/serve_signals.h"
#include "runtime/server/worker_serve.h"

namespace voronka::server {

Result<void, ServeError> serve(const ServeSettings& settings, const ServeReport& report) {
  if (settings.sharedWorkers) return serveSharedWorkers(settings, report);
  sigset_t signals = blockServeSignals();
  ClientRuntime::Hooks hooks;
  hooks.deployed = report.deployed;
  auto client = ClientRuntime::open(settings, hooks);
  if (!client) return failWith(client.error());
  Result<int, ServeError> port = (*client)->start();
  if (!port) return failWith(port.error());

  if (report.listening) report.listening(*port);
  const char* signal = stopSignalName(waitForServeSignal(signals));
  if (report.stopping) report.stopping(signal);
  (*client)->stop();
  if (report.stopped) report.stopped();
  return {};
}

}  // namespace voronka::server
