#include "runtime/crm/bitrix_bind.h"

#include <fmt/format.h>

namespace voronka::crm {

namespace {

// Bitrix24 answers a second event.bind or bizproc.robot.add with an error
// that says so; that is success for a command meant to be run again.
bool alreadyThere(const std::string& error) {
  return error.find("already") != std::string::npos || error.find("ALREADY") != std::string::npos;
}

BindStep step(const std::string& what, const ApiAnswer& a, const char* done) {
  if (a.ok()) return {what, true, done};
  if (alreadyThere(a.error)) return {what, true, "already there"};
  return {what, false, a.error};
}

nlohmann::json property(const char* name, const char* type, bool required) {
  return {{"Name", name}, {"Type", type}, {"Required", required ? "Y" : "N"}};
}

}  // namespace

std::vector<BindStep> bindBitrix(CrmApi& api, const BindOptions& o) {
  std::vector<BindStep> steps;
  for (const char* event : {"ONCRMDEALADD", "ONCRMDEALUPDATE"}) {
    nlohmann::json params = {{"event", event}, {"event_type", o.offline ? "offline" : "online"}};
    if (!o.offline) params["handler"] = o.handler;
    steps.push_back(step(fmt::format("event.bind {} ({})", event, o.offline ? "offline" : "online"),
                         api.bitrix("event.bind", params), "bound"));
  }
  if (o.offline) {
    // The hint that offline events are waiting; at most one a second.
    steps.push_back(
        step("event.bind ONOFFLINEEVENT",
             api.bitrix("event.bind",
                        {{"event", "ONOFFLINEEVENT"}, {"handler", o.handler}, {"options", {{"minTimeout", 1}}}}),
             "bound"));
  }
  if (o.robot) {
    nlohmann::json robot = {{"CODE", "voronka"},
                            {"HANDLER", o.handler},
                            {"NAME", "Воронка"},
                            {"USE_SUBSCRIPTION", "Y"},
                            {"PROPERTIES",
                             {{"event", property("Событие воронки (его имя в funnel)", "string", true)},
                              {"arg", property("Аргумент события", "string", false)},
                              {"payload", property("Данные события (JSON-объект)", "text", false)}}},
                            {"RETURN_PROPERTIES",
                             {{"status", property("Результат", "string", false)},
                              {"message", property("Пояснение", "string", false)},
                              {"stage", property("Этап в воронке", "string", false)}}}};
    if (!o.robotUser.empty()) robot["AUTH_USER_ID"] = o.robotUser;
    steps.push_back(step("bizproc.robot.add (voronka)", api.bitrix("bizproc.robot.add", robot), "installed"));
  }
  return steps;
}

}  // namespace voronka::crm
