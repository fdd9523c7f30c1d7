#include "tools/voronka/live_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <iostream>
#include <nlohmann/json.hpp>

namespace voronka::tool {

std::optional<moddiff::LiveCounts> liveCountsFromServer(const std::string& url, const std::string& token,
                                                        const bc::Module& old) {
  auto fail = [&](const std::string& why) -> std::optional<moddiff::LiveCounts> {
    std::cerr << fmt::format("voronka: error: --live {}: {}\n", url, why);
    return std::nullopt;
  };
  if (url.rfind("http://", 0) != 0)
    return fail("give the server as http://HOST:PORT (the address `voronka serve --listen` took) or the store file");
  std::string host = url.substr(7);
  if (size_t slash = host.find('/'); slash != std::string::npos) host.resize(slash);
  httplib::Client client("http://" + host);
  client.set_connection_timeout(10);
  client.set_read_timeout(30);
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  httplib::Result res = client.Get("/v1/pipelines", headers);
  if (!res) return fail(fmt::format("cannot reach the server ({})", httplib::to_string(res.error())));
  if (res->status == 401 || res->status == 403)
    return fail(fmt::format("the server refused the token (HTTP {}): give an accepted one with --token", res->status));
  if (res->status != 200) return fail(fmt::format("GET /v1/pipelines answered HTTP {}", res->status));
  nlohmann::json body = nlohmann::json::parse(res->body, nullptr, false);
  if (!body.is_object() || !body.contains("pipelines") || !body["pipelines"].is_array())
    return fail("GET /v1/pipelines did not answer with {\"pipelines\": […]}");
  // Deals are counted by position: the server must run OLD's pipelines and
  // stages in OLD's order.
  const nlohmann::json& pipelines = body["pipelines"];
  moddiff::LiveCounts counts;
  auto mismatch = [&](const std::string& what) {
    return fail(fmt::format("the server runs another funnel ({}); give the module it runs as OLD", what));
  };
  if (pipelines.size() != old.pipelines.size())
    return mismatch(fmt::format("{} pipelines, OLD has {}", pipelines.size(), old.pipelines.size()));
  for (size_t p = 0; p < old.pipelines.size(); ++p) {
    const bc::PipelineDef& def = old.pipelines[p];
    const nlohmann::json& got = pipelines[p];
    if (got.value("name", "") != old.str(def.name) || !got.contains("stages") || !got["stages"].is_array() ||
        got["stages"].size() != def.stages.size())
      return mismatch(
          fmt::format("its pipeline {} is not `{}` with {} stages", p + 1, old.str(def.name), def.stages.size()));
    for (size_t s = 0; s < def.stages.size(); ++s) {
      const nlohmann::json& stage = got["stages"][s];
      if (stage.value("name", "") != old.str(def.stages[s].name))
        return mismatch(fmt::format("stage {} of `{}` is `{}`, not `{}`", s + 1, old.str(def.name),
                                    stage.value("name", "?"), old.str(def.stages[s].name)));
      const nlohmann::json& deals = stage.value("deals", nlohmann::json(0));
      if (deals.is_number_integer())
        counts.dealsIn[{static_cast<int32_t>(p), static_cast<int32_t>(s)}] = deals.get<int64_t>();
    }
  }
  return counts;
}

}  // namespace voronka::tool
