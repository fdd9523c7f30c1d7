#include "runtime/server/module_route.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/hash.h"
#include "runtime/deploy/deploy.h"

namespace voronka::server {

namespace {

ExtraReply error(int status, const std::string& code, const std::string& message,
                 const std::vector<std::string>& problems = {}) {
  nlohmann::json j = {{"error", code}, {"message", message}};
  if (!problems.empty()) j["problems"] = problems;
  return {status, j.dump()};
}

std::optional<std::string> decodeBase64(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : in) {
    if (c == '=' || c == '\n' || c == '\r') continue;
    int v = value(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return out;
}

ExtraReply handle(const ExtraRequest& req, store::Store& store, engine::Clock& clock,
                  const ModuleRouteSettings& settings, const std::function<void(ModuleUpload)>& accept) {
  // The pre-routing check has accepted the token when tokens are configured;
  // without any, nobody may deploy.
  if (!settings.tokensConfigured || req.token.empty()) {
    return error(401, "unauthorized",
                 "deploying a module needs an API token: start the server with --token (or [server] tokens) and send "
                 "Authorization: Bearer TOKEN");
  }
  if (!settings.refusal.empty()) return error(409, "not_supported", settings.refusal);
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (!body.is_object()) return error(400, "bad_json", "the body must be a JSON object: {\"module\": BASE64, …}");
  if (!body.contains("module") || !body["module"].is_string())
    return error(400, "bad_request", "\"module\" must be the .funnelc file in base64");
  std::optional<std::string> bytes = decodeBase64(body["module"].get<std::string>());
  if (!bytes || bytes->empty()) return error(400, "bad_request", "\"module\" is not valid base64");
  deploy::Plan plan;
  if (body.contains("plan")) {
    if (!body["plan"].is_string()) return error(400, "bad_request", "\"plan\" must be the plan's TOML text");
    auto parsed = deploy::parsePlan(body["plan"].get<std::string>(), "plan");
    if (!parsed) return error(422, "bad_plan", "the plan does not read", parsed.error());
    plan = std::move(*parsed);
  }
  bool dryRun = body.value("dry_run", false);
  deploy::DeployOptions options;
  options.by = fmt::format("token:{:08x}", fnv1a(req.token) & 0xffffffffu);
  options.dryRun = dryRun;
  options.checkOnly = !dryRun;
  auto outcome = deploy::deployModule(store, *bytes, "POST /v1/modules", plan, clock, options);
  if (!outcome) return error(409, "cannot_deploy", outcome.error());
  if (outcome->status == deploy::DeployOutcome::Status::Refused) {
    return error(422, "plan_falls_short", "the plan does not say how to move every deal; nothing was changed",
                 outcome->problems);
  }
  nlohmann::json reply = outcome->json();
  if (dryRun) return {200, reply.dump()};
  accept({*bytes, std::move(plan), options.by});
  reply["status"] = "deploying";
  reply["message"] =
      "the server finishes the events in flight, moves the deals onto the new version and comes back on it; "
      "the deployment journal has the result";
  return {202, reply.dump()};
}

}  // namespace

ExtraRoute moduleRoute(store::Store& store, engine::Clock& clock, ModuleRouteSettings settings,
                       std::function<void(ModuleUpload)> accept) {
  ExtraRoute route;
  route.prefix = "/v1/modules";
  route.exact = true;
  route.needsToken = true;
  route.handle = [&store, &clock, settings = std::move(settings), accept = std::move(accept)](
                     const ExtraRequest& req, EventWriter&) { return handle(req, store, clock, settings, accept); };
  return route;
}

}  // namespace voronka::server
