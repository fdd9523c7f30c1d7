#include "runtime/server/worker_serve.h"

#include <fmt/format.h>
#include <signal.h>

#include "runtime/server/serve_signals.h"
#include "runtime/server/shared_worker_runtime.h"
#include "runtime/store/pg_store.h"
#include "runtime/store/pg_work_queue.h"

namespace voronka::server {

std::optional<std::string> sharedWorkLeft(store::Store& store) {
  auto* pg = dynamic_cast<store::PostgresStore*>(&store);
  if (!pg) return std::nullopt;
  int64_t waiting = store::pg::inboxWaiting(pg->connection());
  if (waiting == 0) return std::nullopt;
  return fmt::format(
      "store {}: {} events acknowledged by shared workers wait in its inbox; serve it with --workers shared until "
      "they are applied (a single server does not read the inbox)",
      pg->label(), waiting);
}

Result<void, ServeError> serveSharedWorkers(const ServeSettings& settings, const ServeReport& report) {
  ClientRuntime::Hooks hooks;
  hooks.deployed = report.deployed;
  // Until it serves (waiting for the other workers to start, say), SIGTERM ends the process at once.
  auto worker = SharedWorkerRuntime::open(settings, "", hooks);
  if (!worker) return failWith(worker.error());
  sigset_t signals = blockServeSignals();  // before its threads start: they inherit it
  Result<int, ServeError> port = (*worker)->start();
  if (!port) return failWith(port.error());
  if (report.listening) report.listening(*port);

  int received = waitForServeSignal(signals);
  if (report.stopping) report.stopping(stopSignalName(received));
  (*worker)->stop();
  if (report.stopped) report.stopped();
  return {};
}

}  // namespace voronka::server
