#include "runtime/server/api.h"

#include <fmt/format.h>

#include <atomic>

#include "common/utf8.h"
#include "runtime/engine/values.h"
#include "runtime/engine/wire.h"
#include "runtime/server/json_guard.h"
#include "runtime/server/limits.h"

namespace voronka::server {

namespace {

constexpr size_t kMaxEventsPerRequest = 1000;

bool isSpecialType(const std::string& type) {
  return type == "deal_created" || type == "field_set" || type == "manual_move";
}

// An id for a request that brought none: unique within this process run.
std::string generatedId(const std::string& prefix) {
  static std::atomic<uint64_t> counter{0};
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return fmt::format("{}:{}:{}", prefix, std::chrono::duration_cast<std::chrono::microseconds>(now).count(), ++counter);
}

nlohmann::json resultJson(const nlohmann::json& event, const WriteResult& r) {
  nlohmann::json j = {{"status", !r.stored  ? "not stored"
                                 : r.queued ? "queued"
                                            : engine::statusName(r.outcome.status)}};
  if (event.is_object() && event.contains("id")) j["id"] = event["id"];
  if (!r.outcome.message.empty()) j["message"] = r.outcome.message;
  return j;
}

}  // namespace

Reply errorReply(int status, const std::string& code, const std::string& message) {
  return {status, {{"error", {{"code", code}, {"message", message}}}}};
}

Result<nlohmann::json, Reply> Api::parseBody(const std::string& body) {
  if (Result<void> depth = checkJsonDepth(body, limits::kMaxJsonDepth); !depth)
    return failWith(errorReply(400, "too_deep", depth.error()));
  Result<nlohmann::json> parsed = parseJsonBody(body);
  if (!parsed) return failWith(errorReply(400, "malformed_json", parsed.error()));
  return std::move(*parsed);
}

Result<void> Api::checkShape(const nlohmann::json& e) const {
  if (!e.is_object()) return fail("an event is a JSON object");
  if (Result<void> sizes = checkEventSizes(e); !sizes) return sizes;
  for (const char* key : {"id", "deal", "type"}) {
    auto it = e.find(key);
    if (it == e.end() || it->is_null()) return fail(fmt::format("\"{}\" is missing", key));
    if (!it->is_string() || it->get<std::string>().empty())
      return fail(fmt::format("\"{}\" must be a non-empty string", key));
  }
  std::string type = e["type"].get<std::string>();
  if (isSpecialType(type)) return {};
  LiveVersions::Version v = writer_.versions().current();
  int32_t event = v.names->event(type);
  if (event == bc::kNo || v.module->events[event].lifecycle) {
    return fail(fmt::format("\"type\": unknown event \"{}\"; events are deal_created, field_set, manual_move, {}", type,
                            v.names->eventList()));
  }
  return {};
}

int Api::statusCodeOf(const WriteResult& r) {
  if (!r.stored) return 503;
  if (r.keyConflict) return 422;
  switch (r.outcome.status) {
    case engine::Outcome::Status::Applied: return 202;
    case engine::Outcome::Status::Duplicate: return 200;
    case engine::Outcome::Status::Invalid: return 400;
    case engine::Outcome::Status::UnknownDeal: return 404;
    case engine::Outcome::Status::Rejected: return 409;
    case engine::Outcome::Status::Failed: return 422;
  }
  return 500;
}

Reply Api::postEvents(const std::string& body) {
  Result<nlohmann::json, Reply> read = parseBody(body);
  if (!read) return read.error();
  nlohmann::json parsed = std::move(*read);
  bool single = parsed.is_object();
  if (!single && !parsed.is_array())
    return errorReply(400, "bad_request", "the body must be an event (a JSON object) or an array of events");
  std::vector<nlohmann::json> events;
  if (single) {
    events.push_back(std::move(parsed));
  } else {
    if (parsed.empty()) return errorReply(400, "bad_request", "the array of events is empty");
    if (parsed.size() > kMaxEventsPerRequest) {
      return errorReply(
          400, "bad_request",
          fmt::format("at most {} events per request; this one has {}", kMaxEventsPerRequest, parsed.size()));
    }
    for (auto& e : parsed) events.push_back(std::move(e));
  }
  // A malformed event refuses the whole request before anything is applied.
  for (size_t i = 0; i < events.size(); ++i) {
    Result<void> shape = checkShape(events[i]);
    if (shape) continue;
    const std::string& why = shape.error();
    Reply r = errorReply(400, "invalid_event", single ? why : fmt::format("event {}: {}", i, why));
    if (!single) r.body["error"]["index"] = i;
    metrics_.countEvent("invalid");
    return r;
  }
  std::vector<WriteResult> results = writer_.apply(events);
  if (single) {
    Reply r{statusCodeOf(results[0]), resultJson(events[0], results[0])};
    if (r.status >= 400)
      r.body = {{"error", {{"code", r.body["status"]}, {"message", results[0].outcome.message}}},
                {"id", events[0]["id"]}};
    return r;
  }
  nlohmann::json list = nlohmann::json::array();
  int status = 202;
  for (size_t i = 0; i < events.size(); ++i) {
    list.push_back(resultJson(events[i], results[i]));
    int code = statusCodeOf(results[i]);
    if (code >= 400 && status < 400) status = code;  // the first failure decides
  }
  return {status, {{"results", list}}};
}

std::optional<nlohmann::json> Api::dealJson(const std::string& id, bool details) {
  auto tx = store_.begin();
  std::optional<store::DealRecord> d = tx->deal(id);
  if (!d) return std::nullopt;
  // A deal not yet moved by a deployment under way is read with its own version.
  std::shared_ptr<const bc::Module> module = writer_.versions().moduleOf(d->moduleVersion);
  return engine::dealToJson(*module, *tx, *d, details);
}

Reply Api::failureReply(int status, const WriteResult& r) {
  std::string code = !r.stored       ? "not_stored"
                     : r.keyConflict ? "idempotency_key_reused"
                                     : engine::statusName(r.outcome.status);
  return errorReply(status, code, r.outcome.message);
}

Reply Api::postDeal(const std::string& body, const std::optional<IdempotencyClaim>& claim) {
  Result<nlohmann::json, Reply> parsed = parseBody(body);
  if (!parsed) return parsed.error();
  const nlohmann::json& deal = *parsed;
  if (!deal.is_object()) return errorReply(400, "bad_request", "a deal is a JSON object");
  auto id = deal.find("id");
  if (id == deal.end() || !id->is_string() || id->get<std::string>().empty()) {
    return errorReply(400, "invalid_deal", "\"id\": the deal's id is missing (a non-empty string)");
  }
  std::string dealId = id->get<std::string>();
  nlohmann::json event = deal;
  event["deal"] = dealId;
  event["type"] = "deal_created";
  event["id"] = claim                                                       ? claim->eventId
                : deal.contains("event_id") && deal["event_id"].is_string() ? deal["event_id"].get<std::string>()
                                                                            : "create:" + dealId;
  event.erase("event_id");
  if (Result<void> shape = checkShape(event); !shape) return errorReply(400, "invalid_deal", shape.error());
  WriteResult r = writer_.apply({event}, claim)[0];
  int status = statusCodeOf(r);
  if (status >= 400) return failureReply(status, r);
  return {status == 202 ? 201 : 200, dealJson(dealId, true).value_or(nullptr)};
}

Reply Api::getDeal(const std::string& id) {
  if (utf8::firstInvalid(id)) return errorReply(400, "bad_request", "the deal's id in the path is not valid UTF-8");
  std::optional<nlohmann::json> j = dealJson(id, true);
  if (!j) return errorReply(404, "unknown_deal", fmt::format("there is no deal \"{}\"", id));
  return {200, std::move(*j)};
}

Reply Api::moveDeal(const std::string& id, const std::string& body, const std::optional<IdempotencyClaim>& claim) {
  Result<nlohmann::json, Reply> parsed = parseBody(body);
  if (!parsed) return parsed.error();
  const nlohmann::json& request = *parsed;
  if (!request.is_object())
    return errorReply(400, "bad_request", "the body is a JSON object: {\"stage\": \"contract\"}");
  nlohmann::json event = {{"type", "manual_move"}, {"deal", id}};
  for (const char* key : {"stage", "reason"}) {
    if (request.contains(key)) event[key] = request[key];
  }
  for (const auto& [key, value] : request.items()) {
    if (key != "stage" && key != "reason" && key != "id")
      return errorReply(400, "bad_request", fmt::format("unknown key \"{}\"; a move takes stage, reason and id", key));
  }
  event["id"] = claim                                                 ? claim->eventId
                : request.contains("id") && request["id"].is_string() ? request["id"].get<std::string>()
                                                                      : generatedId("move:" + id);
  if (Result<void> sizes = checkEventSizes(event); !sizes) return errorReply(400, "bad_request", sizes.error());
  WriteResult r = writer_.apply({event}, claim)[0];
  int status = statusCodeOf(r);
  if (status >= 400) return failureReply(status, r);
  return {200, dealJson(id, false).value_or(nullptr)};
}

Reply Api::getPipelines() {
  std::vector<store::StageCount> counts;
  {
    auto tx = store_.begin();
    counts = tx->dealsPerStage();
  }
  std::shared_ptr<const bc::Module> current = writer_.versions().current().module;
  const bc::Module& m_ = *current;
  nlohmann::json pipelines = nlohmann::json::array();
  for (size_t pi = 0; pi < m_.pipelines.size(); ++pi) {
    const bc::PipelineDef& p = m_.pipelines[pi];
    nlohmann::json stages = nlohmann::json::array();
    for (size_t si = 0; si < p.stages.size(); ++si) {
      const bc::StageDef& s = p.stages[si];
      int64_t deals = 0;
      for (const auto& c : counts) {
        if (c.pipeline == static_cast<int32_t>(pi) && c.stage == static_cast<int32_t>(si)) deals = c.deals;
      }
      static const char* kinds[] = {"working", "won", "lost"};
      stages.push_back({{"name", m_.str(s.name)},
                        {"title", m_.str(s.title)},
                        {"kind", kinds[static_cast<int>(s.kind)]},
                        {"deals", deals}});
    }
    pipelines.push_back({{"name", m_.str(p.name)}, {"title", m_.str(p.title)}, {"stages", stages}});
  }
  return {200, {{"pipelines", pipelines}}};
}

Reply Api::getOutbox(const std::string& status, size_t limit) {
  if (status != "pending" && status != "delivered" && status != "dead") {
    return errorReply(400, "bad_request", "\"status\" is pending, delivered or dead");
  }
  std::vector<store::EffectRecord> effects;
  {
    auto tx = store_.begin();
    effects = tx->effectsWithStatus(status, limit);
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : effects) {
    nlohmann::json j = {{"id", e.id},
                        {"deal", e.deal},
                        {"kind", e.kind},
                        {"key", e.key},
                        {"status", e.status},
                        {"attempts", e.attempts},
                        {"created_at", engine::isoUtc(e.createdAt)},
                        {"payload", nlohmann::json::parse(e.payload, nullptr, false)}};
    if (!e.lastError.empty()) j["last_error"] = e.lastError;
    if (e.deliveredAt) j["delivered_at"] = engine::isoUtc(e.deliveredAt);
    if (e.status == "pending" && e.nextAttemptAt) j["next_attempt_at"] = engine::isoUtc(e.nextAttemptAt);
    list.push_back(std::move(j));
  }
  return {200, {{"effects", list}}};
}

Reply Api::health() {
  try {
    auto tx = store_.begin();
    store::StoreCounts c = tx->counts();
    return {200,
            {{"status", "ok"},
             {"deals", c.deals},
             {"timers_pending", c.timersPending},
             {"outbox_backlog", c.effectsPending}}};
  } catch (const std::exception& e) {
    return errorReply(503, "store_unavailable", e.what());
  }
}

Reply Api::ready(int64_t maxBacklog) {
  store::StoreCounts c;
  try {
    auto tx = store_.begin();
    c = tx->counts();
  } catch (const std::exception& e) {
    return errorReply(503, "store_unavailable", e.what());
  }
  nlohmann::json reasons = nlohmann::json::array();
  if (metrics_.writes.failing()) reasons.push_back("the store refused the last write: " + metrics_.writes.lastError());
  if (c.effectsPending > maxBacklog) {
    reasons.push_back(fmt::format("the outbox has {} effects waiting, more than {} (--ready-max-backlog)",
                                  c.effectsPending, maxBacklog));
  }
  nlohmann::json body = {{"status", reasons.empty() ? "ready" : "not_ready"},
                         {"store_writes", metrics_.writes.failing() ? "failing" : "ok"},
                         {"outbox_backlog", c.effectsPending}};
  if (!reasons.empty()) body["reasons"] = reasons;
  return {reasons.empty() ? 200 : 503, std::move(body)};
}

std::string Api::metricsText() {
  store::StoreCounts c;
  {
    auto tx = store_.begin();
    c = tx->counts();
  }
  return metrics_.render(c);
}

}  // namespace voronka::server
