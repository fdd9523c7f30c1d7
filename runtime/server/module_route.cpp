#include "runtime/server/module_route.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/hash.h"
#include "runtime/bytecode/container.h"
#include "runtime/deploy/deploy.h"
#include "runtime/engine/values.h"
#include "runtime/server/live_deploy.h"
#include "runtime/server/writer.h"

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

std::string isoOrNull(int64_t t) { return t ? engine::isoUtc(t) : ""; }

nlohmann::json entryJson(const store::DeploymentRecord& d, bool details) {
  nlohmann::json j = {{"id", d.id},
                      {"started_at", isoOrNull(d.startedAt)},
                      {"finished_at", d.finishedAt ? nlohmann::json(engine::isoUtc(d.finishedAt)) : nullptr},
                      {"by", d.by},
                      {"from", d.fromVersion},
                      {"to", d.toVersion},
                      {"status", d.status}};
  if (!details) return j;
  j["plan"] = nlohmann::json::parse(d.plan, nullptr, false);
  // While it runs, the result is its progress so far (saved with each chunk).
  j["result"] = d.result.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(d.result, nullptr, false);
  return j;
}

}  // namespace

ExtraReply moduleRouteError(int status, const std::string& code, const std::string& message,
                            const std::vector<std::string>& problems) {
  return error(status, code, message, problems);
}

std::string movingMessage(int64_t id) {
  return fmt::format(
      "deployment {} is moving deals onto its version; follow it with GET /v1/deployments/{} and deploy again when "
      "it is done",
      id, id);
}

Result<ModuleUpload, ExtraReply> readModuleUpload(const ExtraRequest& req, bool tokensConfigured,
                                                  const std::string& refusal) {
  // The pre-routing check has accepted the token when tokens are configured;
  // without any, nobody may deploy.
  if (!tokensConfigured || req.token.empty()) {
    return failWith(
        error(401, "unauthorized",
              "deploying a module needs an API token: start the server with --token (or [server] tokens) and send "
              "Authorization: Bearer TOKEN"));
  }
  if (!refusal.empty()) return failWith(error(409, "not_supported", refusal));
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (!body.is_object())
    return failWith(error(400, "bad_json", "the body must be a JSON object: {\"module\": BASE64, …}"));
  if (!body.contains("module") || !body["module"].is_string())
    return failWith(error(400, "bad_request", "\"module\" must be the .funnelc file in base64"));
  std::optional<std::string> bytes = decodeBase64(body["module"].get<std::string>());
  if (!bytes || bytes->empty()) return failWith(error(400, "bad_request", "\"module\" is not valid base64"));
  ModuleUpload upload;
  upload.bytes = std::move(*bytes);
  if (body.contains("plan")) {
    if (!body["plan"].is_string()) return failWith(error(400, "bad_request", "\"plan\" must be the plan's TOML text"));
    auto parsed = deploy::parsePlan(body["plan"].get<std::string>(), "plan");
    if (!parsed) return failWith(error(422, "bad_plan", "the plan does not read", parsed.error()));
    upload.plan = std::move(*parsed);
  }
  upload.dryRun = body.value("dry_run", false);
  upload.options.by = fmt::format("token:{:08x}", fnv1a(req.token) & 0xffffffffu);
  upload.options.dryRun = upload.dryRun;
  return upload;
}

ExtraReply dryRunReply(store::Store& store, engine::Clock& clock, const ModuleUpload& upload) {
  std::optional<Result<deploy::DeployOutcome>> dry;
  try {
    dry = deploy::deployModule(store, upload.bytes, "POST /v1/modules", upload.plan, clock, upload.options);
  } catch (const std::exception& e) {  // the store failed (on PostgreSQL, a deadlock with the workers' writes)
    return error(503, "not_deployed",
                 fmt::format("the dry run did not finish: {}; nothing was changed, send it again", e.what()));
  }
  auto& outcome = *dry;
  if (!outcome) return error(409, "cannot_deploy", outcome.error());
  if (outcome->status == deploy::DeployOutcome::Status::Refused) {
    return error(422, "plan_falls_short", "the plan does not say how to move every deal; nothing was changed",
                 outcome->problems);
  }
  return {200, outcome->json().dump()};
}

std::optional<std::string> moduleCannotRun(const std::string& bytes, store::Store& store, engine::Clock& clock) {
  try {
    bc::Module probe = bc::load(bytes);
    engine::Engine check(probe, store, clock);
  } catch (const std::exception& e) {
    return fmt::format("the module cannot run here: {}", e.what());
  }
  return std::nullopt;
}

ExtraReply startedReply(const std::optional<Result<deploy::DeployOutcome>>& started, const std::string& how,
                        const std::function<void(const std::string&)>& report) {
  if (!started || !*started) return error(409, "cannot_deploy", started ? started->error() : "not started");
  const deploy::DeployOutcome& outcome = **started;
  nlohmann::json reply = outcome.json();
  switch (outcome.status) {
    case deploy::DeployOutcome::Status::Refused:
      return error(422, "plan_falls_short", "the plan does not say how to move every deal; nothing was changed",
                   outcome.problems);
    case deploy::DeployOutcome::Status::AlreadyCurrent:
    case deploy::DeployOutcome::Status::FirstVersion: return {200, reply.dump()};
    case deploy::DeployOutcome::Status::Deployed: break;
  }
  if (report)
    report(fmt::format("deployment {} started through POST /v1/modules: version {} over {}", outcome.deployment,
                       outcome.toVersion, outcome.fromVersion));
  reply["status"] = "running";
  reply["location"] = fmt::format("/v1/deployments/{}", outcome.deployment);
  reply["message"] = how;
  return {202, reply.dump()};
}

namespace {

ExtraReply handle(const ExtraRequest& req, EventWriter& writer, store::Store& store, engine::Clock& clock,
                  const ModuleRouteSettings& settings, const std::function<void(const std::string&)>& report) {
  Result<ModuleUpload, ExtraReply> read = readModuleUpload(req, settings.tokensConfigured, settings.refusal);
  if (!read) return read.error();
  const ModuleUpload& upload = *read;
  const std::string& bytes = upload.bytes;
  const deploy::Plan& plan = upload.plan;
  const deploy::DeployOptions& options = upload.options;
  if (writer.migrating()) return error(409, "deployment_running", movingMessage(writer.metrics().deployment.id));
  if (upload.dryRun) return dryRunReply(store, clock, upload);
  // Started on the writer thread, between batches: the plan is checked
  // against the store as the events before it left it.
  std::optional<Result<deploy::DeployOutcome>> started;
  try {
    writer.migrate([&]() -> std::unique_ptr<LiveMigration> {
      if (writer.migrating()) {  // another request started one meanwhile
        started = fail(movingMessage(writer.metrics().deployment.id));
        return nullptr;
      }
      // What could keep the new version's engine from starting (a time zone
      // this machine does not know) refuses before anything is journaled.
      if (std::optional<std::string> why = moduleCannotRun(bytes, store, clock)) {
        started = fail(*why);
        return nullptr;
      }
      Result<deploy::Started> r = deploy::startDeployment(store, bytes, "POST /v1/modules", plan, clock, options);
      if (!r) {
        started = fail(r.error());
        return nullptr;
      }
      started = r->outcome;
      using Status = deploy::DeployOutcome::Status;
      if (!r->migration && r->outcome.status != Status::FirstVersion) return nullptr;
      std::shared_ptr<const bc::Module> module =
          r->migration ? r->migration->target() : std::make_shared<const bc::Module>(bc::load(bytes));
      return std::make_unique<LiveDeployment>(std::move(module), r->outcome.toVersion, std::move(r->migration), store,
                                              clock, writer.metrics(), LiveDeployOptions{.onDone = report});
    });
  } catch (const std::exception& e) {  // the store failed, or the server is stopping: nothing changed
    return error(503, "not_deployed", fmt::format("the deployment did not start: {}; send it again", e.what()));
  }
  return startedReply(started,
                      "the server goes on applying events while the deals move onto the new version, each before its "
                      "next event; GET the location for the progress and the result",
                      report);
}

}  // namespace

ExtraRoute moduleRoute(store::Store& store, engine::Clock& clock, ModuleRouteSettings settings,
                       std::function<void(const std::string&)> report) {
  ExtraRoute route;
  route.prefix = "/v1/modules";
  route.exact = true;
  route.needsToken = true;
  route.handle = [&store, &clock, settings = std::move(settings), report = std::move(report)](const ExtraRequest& req,
                                                                                              EventWriter& writer) {
    return handle(req, writer, store, clock, settings, report);
  };
  return route;
}

std::vector<ExtraRoute> deploymentRoutes(store::Store& store) {
  ExtraRoute list;
  list.prefix = "/v1/deployments";
  list.exact = true;
  list.needsToken = true;
  list.method = "GET";
  list.handle = [&store](const ExtraRequest&, EventWriter&) -> ExtraReply {
    nlohmann::json entries = nlohmann::json::array();
    auto tx = store.begin();
    for (const auto& d : tx->deployments(50)) entries.push_back(entryJson(d, false));
    return {200, nlohmann::json{{"deployments", entries}}.dump()};
  };
  ExtraRoute one = list;
  one.prefix = "/v1/deployments/";
  one.exact = false;
  one.handle = [&store](const ExtraRequest& req, EventWriter&) -> ExtraReply {
    const std::string& id = req.secret;
    if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos)
      return error(400, "bad_request", "the deployment's id is a number, as GET /v1/deployments lists them");
    auto tx = store.begin();
    std::optional<store::DeploymentRecord> d = tx->deployment(std::stoll(id));
    if (!d) return error(404, "unknown_deployment", fmt::format("there is no deployment {}", id));
    return {200, entryJson(*d, true).dump()};
  };
  return {list, one};
}

}  // namespace voronka::server
