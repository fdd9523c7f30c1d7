#include "runtime/crm/crm_connectors.h"

#include <fmt/format.h>

#include <map>

#include "runtime/crm/form_body.h"
#include "runtime/crm/mapping.h"

namespace voronka::crm {

namespace {

using outbox::DeliveryResult;

DeliveryResult resultOf(const ApiAnswer& a) {
  switch (a.status) {
    case ApiAnswer::Status::Ok: return DeliveryResult::delivered();
    case ApiAnswer::Status::Retry: return DeliveryResult::retry(a.error, a.retryAfter);
    case ApiAnswer::Status::Permanent: return DeliveryResult::permanent(a.error);
  }
  return DeliveryResult::retry(a.error);
}

nlohmann::json payloadOf(const store::EffectRecord& e) {
  nlohmann::json p = nlohmann::json::parse(e.payload, nullptr, false);
  return p.is_object() ? p : nlohmann::json::object();
}

int64_t asNumber(const nlohmann::json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string()) {
    try {
      return std::stoll(v.get<std::string>());
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

std::string textOf(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return std::to_string(asNumber(v));
  return "";
}

std::string isoUtc(int64_t t) {
  time_t tt = static_cast<time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// What was created for an effect, remembered in the store.
class Memory {
 public:
  explicit Memory(store::Store& store) : store_(store) {}
  std::optional<std::string> get(const std::string& key) {
    auto tx = store_.begin();
    return tx->meta(key);
  }
  void put(const std::vector<std::pair<std::string, std::string>>& entries) {
    auto tx = store_.begin();
    for (const auto& [key, value] : entries) tx->putMeta(key, value);
    tx->commit();
  }

 private:
  store::Store& store_;
};

// Shared by the kinds: creating a thing once (task, note).
class CreatingConnector : public outbox::Connector {
 public:
  CreatingConnector(CrmApi& api, std::shared_ptr<Memory> memory) : api_(api), memory_(std::move(memory)) {}

  DeliveryResult deliver(const store::EffectRecord& effect) override {
    std::string createdKey = "crm.created:" + effect.key;
    nlohmann::json p = payloadOf(effect);
    if (memory_->get(createdKey)) return DeliveryResult::delivered();
    std::optional<std::string> id;
    if (effect.attempts > 1) {  // an earlier attempt may have created it before the process stopped
      ApiAnswer found = lookUp(p, id);
      if (!found.ok()) return resultOf(found);
    }
    if (!id) {
      ApiAnswer created = create(p, id);
      if (!created.ok()) return resultOf(created);
    }
    std::vector<std::pair<std::string, std::string>> remember = {{createdKey, id.value_or("?")}};
    if (p.contains("task") && id) remember.emplace_back(fmt::format("crm.task:{}", asNumber(p["task"])), *id);
    memory_->put(remember);
    return DeliveryResult::delivered();
  }

 protected:
  // Finds what an earlier attempt created (sets `id`); Ok with no id when there is none.
  virtual ApiAnswer lookUp(const nlohmann::json& payload, std::optional<std::string>& id) = 0;
  virtual ApiAnswer create(const nlohmann::json& payload, std::optional<std::string>& id) = 0;

  CrmApi& api_;
  std::shared_ptr<Memory> memory_;
};

// ── amoCRM ──

class AmoUpdate : public outbox::Connector {
 public:
  explicit AmoUpdate(CrmApi& api) : api_(api) {}
  DeliveryResult deliver(const store::EffectRecord& effect) override { return deliverMany({effect}).front(); }

  std::vector<DeliveryResult> deliverMany(const std::vector<store::EffectRecord>& effects) override {
    std::vector<DeliveryResult> results;
    for (size_t start = 0; start < effects.size(); start += kCrmBatch) {
      size_t end = std::min(effects.size(), start + kCrmBatch);
      // One object per lead: later changes of the same lead win.
      std::vector<std::string> order;
      std::map<std::string, nlohmann::json> leads;
      for (size_t i = start; i < end; ++i) {
        nlohmann::json p = payloadOf(effects[i]);
        std::string lead = textOf(p["lead"]);
        if (!leads.count(lead)) {
          order.push_back(lead);
          leads[lead] = {{"id", asNumber(p["lead"])}};
        }
        merge(leads[lead], p.value("changes", nlohmann::json::object()));
      }
      nlohmann::json body = nlohmann::json::array();
      for (const auto& lead : order) body.push_back(leads[lead]);
      DeliveryResult r = resultOf(api_.amo("PATCH", "/api/v4/leads", body));
      for (size_t i = start; i < end; ++i) results.push_back(r);
    }
    return results;
  }

 private:
  static void merge(nlohmann::json& lead, const nlohmann::json& changes) {
    if (changes.contains("status")) {
      lead["status_id"] = asNumber(changes["status"]);
      lead["pipeline_id"] = asNumber(changes["pipeline"]);
    }
    if (changes.contains("responsible")) lead["responsible_user_id"] = asNumber(changes["responsible"]);
    if (changes.contains("tags")) {
      nlohmann::json tags = nlohmann::json::array();
      for (const auto& t : changes["tags"]) tags.push_back({{"name", t}});
      lead["_embedded"]["tags"] = tags;
    }
    if (changes.contains("fields")) {
      nlohmann::json& custom = lead["custom_fields_values"];
      if (!custom.is_array()) custom = nlohmann::json::array();
      for (const auto& [id, value] : changes["fields"].items()) {
        if (isBuiltinCrmField(CrmKind::AmoCrm, id)) {
          lead[id] = value;
          continue;
        }
        nlohmann::json entry = {{"field_id", asNumber(nlohmann::json(id))}, {"values", value}};
        bool replaced = false;
        for (auto& c : custom) {
          if (c["field_id"] == entry["field_id"]) {
            c = entry;
            replaced = true;
          }
        }
        if (!replaced) custom.push_back(entry);
      }
      if (custom.empty()) lead.erase("custom_fields_values");
    }
  }
  CrmApi& api_;
};

class AmoTask : public CreatingConnector {
 public:
  using CreatingConnector::CreatingConnector;

 protected:
  static int64_t deadline(const nlohmann::json& p) { return p.contains("due") ? asNumber(p["due"]) : 0; }
  ApiAnswer lookUp(const nlohmann::json& p, std::optional<std::string>& id) override {
    ApiAnswer a = api_.amo(
        "GET", fmt::format("/api/v4/tasks?filter[entity_type]=leads&filter[entity_id][]={}", textOf(p["lead"])));
    if (!a.ok()) return a;
    if (a.body.is_object() && a.body.contains("_embedded")) {
      for (const auto& t : a.body["_embedded"].value("tasks", nlohmann::json::array())) {
        if (t.value("text", "") == p.value("text", "") &&
            (!deadline(p) || t.value("complete_till", int64_t{0}) == deadline(p)))
          id = textOf(t["id"]);
      }
    }
    return a;
  }
  ApiAnswer create(const nlohmann::json& p, std::optional<std::string>& id) override {
    nlohmann::json task = {{"text", p.value("text", "")},
                           {"entity_id", asNumber(p["lead"])},
                           {"entity_type", "leads"},
                           // amoCRM needs a deadline: a task without one is due in a day
                           {"complete_till", deadline(p) ? deadline(p) : static_cast<int64_t>(time(nullptr)) + 86400}};
    if (p.contains("type")) task["task_type_id"] = asNumber(p["type"]);
    if (p.contains("responsible")) task["responsible_user_id"] = asNumber(p["responsible"]);
    ApiAnswer a = api_.amo("POST", "/api/v4/tasks", nlohmann::json::array({task}));
    if (a.ok() && a.body.is_object() && a.body.contains("_embedded")) {
      const auto& tasks = a.body["_embedded"].value("tasks", nlohmann::json::array());
      if (!tasks.empty()) id = textOf(tasks.front()["id"]);
    }
    return a;
  }
};

class AmoNote : public CreatingConnector {
 public:
  using CreatingConnector::CreatingConnector;

 protected:
  static std::string textFor(const nlohmann::json& p) { return p.value("text", ""); }
  ApiAnswer lookUp(const nlohmann::json& p, std::optional<std::string>& id) override {
    ApiAnswer a = api_.amo("GET", fmt::format("/api/v4/leads/{}/notes?filter[note_type]=common", textOf(p["lead"])));
    if (!a.ok()) return a;
    if (a.body.is_object() && a.body.contains("_embedded")) {
      for (const auto& n : a.body["_embedded"].value("notes", nlohmann::json::array())) {
        if (n.contains("params") && n["params"].value("text", "") == textFor(p)) id = textOf(n["id"]);
      }
    }
    return a;
  }
  ApiAnswer create(const nlohmann::json& p, std::optional<std::string>& id) override {
    nlohmann::json note = {{"note_type", "common"}, {"params", {{"text", textFor(p)}}}};
    ApiAnswer a =
        api_.amo("POST", fmt::format("/api/v4/leads/{}/notes", textOf(p["lead"])), nlohmann::json::array({note}));
    if (a.ok() && a.body.is_object() && a.body.contains("_embedded")) {
      const auto& notes = a.body["_embedded"].value("notes", nlohmann::json::array());
      if (!notes.empty()) id = textOf(notes.front()["id"]);
    }
    return a;
  }
};

// amoCRM has no API to notify a user: the notification is a note on the lead.
class AmoNotify : public AmoNote {
 public:
  using AmoNote::AmoNote;
};

class CompleteTask : public outbox::Connector {
 public:
  CompleteTask(CrmKind kind, CrmApi& api, std::shared_ptr<Memory> memory)
      : kind_(kind), api_(api), memory_(std::move(memory)) {}
  DeliveryResult deliver(const store::EffectRecord& effect) override {
    nlohmann::json p = payloadOf(effect);
    std::optional<std::string> id = memory_->get(fmt::format("crm.task:{}", asNumber(p["task"])));
    if (!id) return DeliveryResult::retry("the task is not in the CRM yet (its crm_task effect is not delivered)");
    if (kind_ == CrmKind::AmoCrm) {
      nlohmann::json task = {{"id", asNumber(*id)}, {"is_completed", true}};
      if (p.contains("comment")) task["result"] = {{"text", p["comment"]}};
      return resultOf(api_.amo("PATCH", "/api/v4/tasks", nlohmann::json::array({task})));
    }
    return resultOf(api_.bitrix("tasks.task.complete", {{"taskId", *id}}));
  }

 private:
  CrmKind kind_;
  CrmApi& api_;
  std::shared_ptr<Memory> memory_;
};

// ── Bitrix24 ──

class BitrixUpdate : public outbox::Connector {
 public:
  explicit BitrixUpdate(CrmApi& api) : api_(api) {}
  DeliveryResult deliver(const store::EffectRecord& effect) override { return deliverMany({effect}).front(); }

  std::vector<DeliveryResult> deliverMany(const std::vector<store::EffectRecord>& effects) override {
    std::vector<DeliveryResult> results;
    // A deal moved to another category takes two commands; keep a batch within 50.
    for (size_t start = 0; start < effects.size(); start += kCrmBatch / 2) {
      size_t end = std::min(effects.size(), start + kCrmBatch / 2);
      nlohmann::json commands = nlohmann::json::object();
      std::vector<std::vector<std::string>> namesOf(end - start);
      for (size_t i = start; i < end; ++i) {
        nlohmann::json p = payloadOf(effects[i]);
        nlohmann::json changes = p.value("changes", nlohmann::json::object());
        std::string deal = textOf(p["lead"]);
        nlohmann::json fields = nlohmann::json::object();
        if (changes.contains("status")) {
          if (changes.value("pipeline_changed", false)) {
            std::string name = fmt::format("c{}", i);
            commands[name] =
                "crm.item.update?" +
                encodeForm({{"entityTypeId", 2},
                            {"id", deal},
                            {"fields", {{"categoryId", changes["pipeline"]}, {"stageId", changes["status"]}}}});
            namesOf[i - start].push_back(name);
          } else {
            fields["STAGE_ID"] = changes["status"];
          }
        }
        if (changes.contains("responsible")) fields["ASSIGNED_BY_ID"] = changes["responsible"];
        if (changes.contains("fields")) {
          for (const auto& [id, value] : changes["fields"].items()) fields[id] = value;
        }
        if (!fields.empty()) {
          std::string name = fmt::format("u{}", i);
          commands[name] = "crm.deal.update?" + encodeForm({{"id", deal}, {"fields", fields}});
          namesOf[i - start].push_back(name);
        }
      }
      if (commands.empty()) {
        for (size_t i = start; i < end; ++i) results.push_back(DeliveryResult::delivered());
        continue;
      }
      ApiAnswer a = api_.bitrix("batch", {{"halt", 0}, {"cmd", commands}});
      for (size_t i = start; i < end; ++i) {
        if (!a.ok()) {
          results.push_back(resultOf(a));
          continue;
        }
        const nlohmann::json errors = a.body.value("result_error", nlohmann::json::object());
        std::string error;
        for (const auto& name : namesOf[i - start]) {
          if (errors.is_object() && errors.contains(name)) error = errors[name].dump();
        }
        results.push_back(error.empty() ? DeliveryResult::delivered()
                                        : DeliveryResult::permanent("batch: crm.deal.update: " + error.substr(0, 300)));
      }
    }
    return results;
  }

 private:
  CrmApi& api_;
};

class BitrixTask : public CreatingConnector {
 public:
  BitrixTask(CrmApi& api, std::shared_ptr<Memory> memory, std::string fallbackResponsible)
      : CreatingConnector(api, std::move(memory)), fallbackResponsible_(std::move(fallbackResponsible)) {}

 protected:
  ApiAnswer lookUp(const nlohmann::json& p, std::optional<std::string>& id) override {
    ApiAnswer a = api_.bitrix("tasks.task.list",
                              {{"filter", {{"UF_CRM_TASK", "D_" + textOf(p["lead"])}, {"TITLE", p.value("text", "")}}},
                               {"select", {"ID", "TITLE"}}});
    if (!a.ok()) return a;
    for (const auto& t : a.body.value("tasks", nlohmann::json::array())) {
      if (t.value("title", t.value("TITLE", "")) == p.value("text", ""))
        id = textOf(t.value("id", t.value("ID", nlohmann::json())));
    }
    return a;
  }
  ApiAnswer create(const nlohmann::json& p, std::optional<std::string>& id) override {
    nlohmann::json fields = {
        {"TITLE", p.value("text", "")},
        {"UF_CRM_TASK", {"D_" + textOf(p["lead"])}},
        {"RESPONSIBLE_ID", p.contains("responsible") ? textOf(p["responsible"]) : fallbackResponsible_}};
    if (p.contains("due")) fields["DEADLINE"] = isoUtc(asNumber(p["due"]));
    ApiAnswer a = api_.bitrix("tasks.task.add", {{"fields", fields}});
    if (a.ok() && a.body.is_object() && a.body.contains("task"))
      id = textOf(a.body["task"].value("id", nlohmann::json()));
    return a;
  }
  std::string fallbackResponsible_;
};

class BitrixNote : public CreatingConnector {
 public:
  using CreatingConnector::CreatingConnector;

 protected:
  ApiAnswer lookUp(const nlohmann::json& p, std::optional<std::string>& id) override {
    ApiAnswer a = api_.bitrix("crm.timeline.comment.list",
                              {{"filter", {{"ENTITY_ID", textOf(p["lead"])}, {"ENTITY_TYPE", "deal"}}}});
    if (!a.ok()) return a;
    if (a.body.is_array()) {
      for (const auto& c : a.body) {
        if (c.value("COMMENT", "") == p.value("text", "")) id = textOf(c.value("ID", nlohmann::json()));
      }
    }
    return a;
  }
  ApiAnswer create(const nlohmann::json& p, std::optional<std::string>& id) override {
    ApiAnswer a = api_.bitrix(
        "crm.timeline.comment.add",
        {{"fields", {{"ENTITY_ID", textOf(p["lead"])}, {"ENTITY_TYPE", "deal"}, {"COMMENT", p.value("text", "")}}}});
    if (a.ok()) id = textOf(a.body);
    return a;
  }
};

class BitrixNotify : public outbox::Connector {
 public:
  explicit BitrixNotify(CrmApi& api) : api_(api) {}
  DeliveryResult deliver(const store::EffectRecord& effect) override {
    nlohmann::json p = payloadOf(effect);
    const auto& users = p.value("users", nlohmann::json::array());
    if (users.empty()) return DeliveryResult::permanent("no user to notify has an id in crm.toml [users]");
    // Sent again after a crash: a notification may come twice, never zero times.
    for (const auto& user : users) {
      ApiAnswer a = api_.bitrix("im.notify.system.add", {{"USER_ID", textOf(user)}, {"MESSAGE", p.value("text", "")}});
      if (!a.ok()) return resultOf(a);
    }
    return DeliveryResult::delivered();
  }

 private:
  CrmApi& api_;
};

}  // namespace

void addCrmConnectors(outbox::Connectors& connectors, const CrmConfig& config, CrmApi& api, store::Store& memory) {
  auto m = std::make_shared<Memory>(memory);
  if (config.kind == CrmKind::AmoCrm) {
    connectors.set("crm_update", std::make_shared<AmoUpdate>(api));
    connectors.set("crm_task", std::make_shared<AmoTask>(api, m));
    connectors.set("crm_note", std::make_shared<AmoNote>(api, m));
    connectors.set("crm_notify", std::make_shared<AmoNotify>(api, m));
  } else {
    connectors.set("crm_update", std::make_shared<BitrixUpdate>(api));
    connectors.set("crm_task", std::make_shared<BitrixTask>(api, m, config.robotUser.empty() ? "1" : config.robotUser));
    connectors.set("crm_note", std::make_shared<BitrixNote>(api, m));
    connectors.set("crm_notify", std::make_shared<BitrixNotify>(api));
  }
  connectors.set("crm_complete_task", std::make_shared<CompleteTask>(config.kind, api, m));
}

}  // namespace voronka::crm
