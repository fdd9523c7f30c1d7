// The HTTP/JSON API of `voronka serve` (docs/serve.md): events in, deals and
// pipelines out. Routes are plain functions of the request, registered on a
// cpp-httplib server by server.cpp.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/bytecode/module.h"
#include "runtime/engine/names.h"
#include "runtime/server/metrics.h"
#include "runtime/server/writer.h"
#include "runtime/store/store.h"

namespace voronka::server {

struct Reply {
  int status = 200;
  nlohmann::json body;
};

// A JSON error body: {"error": {"code": …, "message": …}} plus details.
Reply errorReply(int status, const std::string& code, const std::string& message);

class Api {
 public:
  // The module comes from the writer's versions (a deployment changes it).
  Api(store::Store& store, EventWriter& writer, Metrics& metrics) : store_(store), writer_(writer), metrics_(metrics) {}

  Reply postEvents(const std::string& body);
  // `claim`: the request's Idempotency-Key, scoped (idempotency.h).
  Reply postDeal(const std::string& body, const std::optional<IdempotencyClaim>& claim);
  Reply getDeal(const std::string& id);
  Reply moveDeal(const std::string& id, const std::string& body, const std::optional<IdempotencyClaim>& claim);
  Reply getPipelines();
  Reply getOutbox(const std::string& status, size_t limit);
  // Liveness: the process answers and the store can be read.
  Reply health();
  // Readiness: the store took the last write, and the outbox backlog is at
  // most `maxBacklog` effects.
  Reply ready(int64_t maxBacklog);
  std::string metricsText();

 private:
  // Parses a JSON body (no deeper than limits::kMaxJsonDepth, numbers
  // finite); fails with a 400 reply naming the place.
  static Result<nlohmann::json, Reply> parseBody(const std::string& body);
  // Fails with the reason an event object cannot even be queued (not an
  // object, missing id/deal/type, unknown type, a value over a limit).
  Result<void> checkShape(const nlohmann::json& event) const;
  static int statusCodeOf(const WriteResult& r);
  // The reply of a failed deal creation or move.
  static Reply failureReply(int status, const WriteResult& r);
  // The deal as the API shows it; nullopt when there is no such deal.
  std::optional<nlohmann::json> dealJson(const std::string& id, bool details);

  store::Store& store_;
  EventWriter& writer_;
  Metrics& metrics_;
};

}  // namespace voronka::server
