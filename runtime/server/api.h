// The HTTP/JSON API of `voronka serve` (docs/serve.md): events in, deals and
// pipelines out. Routes are plain functions of the request, registered on a
// cpp-httplib server by server.cpp.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

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
  Api(const bc::Module& module, const engine::Names& names, store::Store& store, EventWriter& writer, Metrics& metrics)
      : m_(module), names_(names), store_(store), writer_(writer), metrics_(metrics) {}

  Reply postEvents(const std::string& body);
  Reply postDeal(const std::string& body, const std::string& idempotencyKey);
  Reply getDeal(const std::string& id);
  Reply moveDeal(const std::string& id, const std::string& body, const std::string& idempotencyKey);
  Reply getPipelines();
  Reply getOutbox(const std::string& status, size_t limit);
  Reply health();
  std::string metricsText();

 private:
  // Parses a JSON body; on failure fills `error` with a 400 naming the place.
  bool parseBody(const std::string& body, nlohmann::json& out, Reply& error);
  // A reason an event object cannot even be queued (not an object, missing
  // id/deal/type, unknown type); empty when it can.
  std::string shapeError(const nlohmann::json& event) const;
  static int statusCodeOf(const WriteResult& r);
  nlohmann::json dealJson(const std::string& id, bool details, bool& found);

  const bc::Module& m_;
  const engine::Names& names_;
  store::Store& store_;
  EventWriter& writer_;
  Metrics& metrics_;
};

}  // namespace voronka::server
