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

// Bitrix24: one `batch` of the same method for several parameter sets
// (halt=0: each command on its own); the result of each, or nothing for a
// command the portal refused.
ApiAnswer bitrixBatch(CrmApi& api, const char* method, const std::vector<nlohmann::json>& params,
                      std::vector<std::optional<nlohmann::json>>& results) {
  nlohmann::json commands = nlohmann::json::object();
  for (size_t i = 0; i < params.size(); ++i)
    commands[fmt::format("c{}", i)] = std::string(method) + "?" + encodeForm(params[i]);
  ApiAnswer a = api.bitrix("batch", {{"halt", 0}, {"cmd", commands}});
  if (!a.ok()) return a;
  const nlohmann::json done = a.body.is_object() ? a.body.value("result", nlohmann::json::object()) : nlohmann::json();
  for (size_t i = 0; i < params.size(); ++i) {
    std::string name = fmt::format("c{}", i);
    results.push_back(done.is_object() && done.contains(name) ? std::optional<nlohmann::json>(done[name])
                                                              : std::nullopt);
  }
  return a;
}

// The ids amoCRM gave what one call created, in the order of the request.
void idsOf(const ApiAnswer& a, const char* what, std::vector<std::optional<std::string>>& ids) {
  if (!a.ok() || !a.body.is_object() || !a.body.contains("_embedded")) return;
  for (const auto& item : a.body["_embedded"].value(what, nlohmann::json::array()))
    ids.push_back(item.contains("id") ? std::optional<std::string>(textOf(item["id"])) : std::nullopt);
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

  // Effects tried for the first time are created together when the CRM
  // takes an array (createMany); one the CRM refused in a batch, or one an
  // earlier attempt may have created, goes alone (deliver).
  std::vector<DeliveryResult> deliverMany(const std::vector<store::EffectRecord>& effects) override {
    std::vector<DeliveryResult> results(effects.size(), DeliveryResult::delivered());
    std::vector<size_t> fresh;
    for (size_t i = 0; i < effects.size(); ++i) {
      if (effects[i].attempts <= 1 && !memory_->get("crm.created:" + effects[i].key)) {
        fresh.push_back(i);
      } else {
        results[i] = deliver(effects[i]);
      }
    }
    std::vector<size_t> notCreated;
    for (size_t start = 0; start < fresh.size(); start += kCrmBatch) {
      size_t end = std::min(fresh.size(), start + kCrmBatch);
      std::vector<nlohmann::json> payloads;
      for (size_t k = start; k < end; ++k) payloads.push_back(payloadOf(effects[fresh[k]]));
      std::vector<std::optional<std::string>> ids;
      std::optional<ApiAnswer> a = payloads.size() > 1 ? createMany(payloads, ids) : std::nullopt;
      if (!a || a->status == ApiAnswer::Status::Permanent) {  // nothing was created: each alone, to say which
        for (size_t k = start; k < end; ++k) results[fresh[k]] = deliver(effects[fresh[k]]);
        continue;
      }
      if (a->ok() && ids.size() != payloads.size()) {
        // Created, but which is which is not said: the next attempt looks before creating.
        *a = {ApiAnswer::Status::Retry, nullptr, "the CRM did not give an id for each item created", std::nullopt};
      }
      if (!a->ok()) {
        for (size_t k = start; k < end; ++k) results[fresh[k]] = resultOf(*a);
        continue;
      }
      std::vector<std::pair<std::string, std::string>> remember;
      for (size_t k = start; k < end; ++k) {
        if (ids[k - start]) {
          rememberCreated(effects[fresh[k]], payloads[k - start], ids[k - start], remember);
        } else {
          notCreated.push_back(fresh[k]);  // the CRM refused this one (Bitrix24's batch says which)
        }
      }
      memory_->put(remember);
    }
    for (size_t i : notCreated) results[i] = deliver(effects[i]);
    return results;
  }

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
    std::vector<std::pair<std::string, std::string>> remember;
    rememberCreated(effect, p, id, remember);
    memory_->put(remember);
    return DeliveryResult::delivered();
  }

 protected:
  // Creates them all in one call, setting one id per payload in order (an
  // empty one: that item was refused and not created); nullopt: the CRM has
  // no such call (then each is created alone).
  virtual std::optional<ApiAnswer> createMany(const std::vector<nlohmann::json>& /*payloads*/,
                                              std::vector<std::optional<std::string>>& /*ids*/) {
    return std::nullopt;
  }
  static void rememberCreated(const store::EffectRecord& effect, const nlohmann::json& p,
                              const std::optional<std::string>& id,
                              std::vector<std::pair<std::string, std::string>>& remember) {
    remember.emplace_back("crm.created:" + effect.key, id.value_or("?"));
    if (p.contains("task") && id) remember.emplace_back(fmt::format("crm.task:{}", asNumber(p["task"])), *id);
  }

  // Finds what an earlier attempt created (sets `id`); Ok with no id when there is none.
  virtual ApiAnswer lookUp(const nlohmann::json& payload, std::optional<std::string>& id) = 0;
  virtual ApiAnswer create(const nlohmann::json& payload, std::optional<std::string>& id) = 0;
  // create() for a CRM whose only create call takes an array (amoCRM):
  // createMany with one payload, which must not answer nullopt.
  ApiAnswer createAlone(const nlohmann::json& payload, std::optional<std::string>& id) {
    std::vector<std::optional<std::string>> ids;
    ApiAnswer a = *createMany({payload}, ids);
    if (!ids.empty()) id = ids.front();
    return a;
  }

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
  static nlohmann::json taskBody(const nlohmann::json& p) {
    nlohmann::json task = {{"text", p.value("text", "")},
                           {"entity_id", asNumber(p["lead"])},
                           {"entity_type", "leads"},
                           // amoCRM needs a deadline: a task without one is due in a day
                           {"complete_till", deadline(p) ? deadline(p) : static_cast<int64_t>(time(nullptr)) + 86400}};
    if (p.contains("type")) task["task_type_id"] = asNumber(p["type"]);
    if (p.contains("responsible")) task["responsible_user_id"] = asNumber(p["responsible"]);
    return task;
  }
  ApiAnswer create(const nlohmann::json& p, std::optional<std::string>& id) override { return createAlone(p, id); }
  std::optional<ApiAnswer> createMany(const std::vector<nlohmann::json>& payloads,
                                      std::vector<std::optional<std::string>>& ids) override {
    nlohmann::json tasks = nlohmann::json::array();
    for (const auto& p : payloads) tasks.push_back(taskBody(p));
    ApiAnswer a = api_.amo("POST", "/api/v4/tasks", tasks);
    idsOf(a, "tasks", ids);
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
  ApiAnswer create(const nlohmann::json& p, std::optional<std::string>& id) override { return createAlone(p, id); }
  // Notes of many leads in one call: POST /api/v4/leads/notes, each with its entity_id.
  std::optional<ApiAnswer> createMany(const std::vector<nlohmann::json>& payloads,
                                      std::vector<std::optional<std::string>>& ids) override {
    nlohmann::json notes = nlohmann::json::array();
    for (const auto& p : payloads)
      notes.push_back(
          {{"entity_id", asNumber(p["lead"])}, {"note_type", "common"}, {"params", {{"text", textFor(p)}}}});
    ApiAnswer a = api_.amo("POST", "/api/v4/leads/notes", notes);
    idsOf(a, "notes", ids);
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

  // Up to 50 tasks completed in one PATCH /api/v4/tasks (amoCRM) or one `batch` (Bitrix24).
  std::vector<DeliveryResult> deliverMany(const std::vector<store::EffectRecord>& effects) override {
    if (effects.size() == 1) return outbox::Connector::deliverMany(effects);
    std::vector<DeliveryResult> results(effects.size(), DeliveryResult::delivered());
    std::vector<size_t> known;
    std::vector<nlohmann::json> bodies;
    for (size_t i = 0; i < effects.size(); ++i) {
      nlohmann::json p = payloadOf(effects[i]);
      std::optional<std::string> id = memory_->get(fmt::format("crm.task:{}", asNumber(p["task"])));
      if (!id) {
        results[i] = DeliveryResult::retry("the task is not in the CRM yet (its crm_task effect is not delivered)");
        continue;
      }
      known.push_back(i);
      bodies.push_back(taskDone(*id, p));
    }
    for (size_t start = 0; start < known.size(); start += kCrmBatch) {
      size_t end = std::min(known.size(), start + kCrmBatch);
      if (kind_ == CrmKind::Bitrix24) {
        std::vector<nlohmann::json> params;
        for (size_t k = start; k < end; ++k) params.push_back({{"taskId", bodies[k]["id"]}});
        std::vector<std::optional<nlohmann::json>> done;
        ApiAnswer a = bitrixBatch(api_, "tasks.task.complete", params, done);
        for (size_t k = start; k < end; ++k) {
          bool refused = a.ok() && !done[k - start];  // a task deleted in the portal, say
          results[known[k]] =
              refused ? DeliveryResult::permanent("batch: tasks.task.complete refused the task") : resultOf(a);
        }
        continue;
      }
      nlohmann::json body = nlohmann::json::array();
      for (size_t k = start; k < end; ++k) body.push_back(bodies[k]);
      ApiAnswer a = api_.amo("PATCH", "/api/v4/tasks", body);
      for (size_t k = start; k < end; ++k) {
        // A batch amoCRM refused as a whole (a task deleted there): each alone, to say which.
        results[known[k]] =
            a.status == ApiAnswer::Status::Permanent && end - start > 1 ? deliver(effects[known[k]]) : resultOf(a);
      }
    }
    return results;
  }

  DeliveryResult deliver(const store::EffectRecord& effect) override {
    nlohmann::json p = payloadOf(effect);
    std::optional<std::string> id = memory_->get(fmt::format("crm.task:{}", asNumber(p["task"])));
    if (!id) return DeliveryResult::retry("the task is not in the CRM yet (its crm_task effect is not delivered)");
    if (kind_ == CrmKind::AmoCrm)
      return resultOf(api_.amo("PATCH", "/api/v4/tasks", nlohmann::json::array({taskDone(*id, p)})));
    return resultOf(api_.bitrix("tasks.task.complete", {{"taskId", *id}}));
  }

 private:
  static nlohmann::json taskDone(const std::string& id, const nlohmann::json& p) {
    nlohmann::json task = {{"id", asNumber(nlohmann::json(id))}, {"is_completed", true}};
    if (p.contains("comment")) task["result"] = {{"text", p["comment"]}};
    return task;
  }

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

// A Bitrix24 method that creates one thing per effect (a task, a timeline
// comment): alone, or up to 50 in one `batch`.
class BitrixCreatingConnector : public CreatingConnector {
 public:
  BitrixCreatingConnector(CrmApi& api, std::shared_ptr<Memory> memory, std::string method)
      : CreatingConnector(api, std::move(memory)), method_(std::move(method)) {}

 protected:
  virtual nlohmann::json params(const nlohmann::json& p) const = 0;
  virtual std::optional<std::string> idOf(const nlohmann::json& result) const = 0;

  ApiAnswer create(const nlohmann::json& p, std::optional<std::string>& id) override {
    ApiAnswer a = api_.bitrix(method_, params(p));
    if (a.ok()) id = idOf(a.body);
    return a;
  }
  std::optional<ApiAnswer> createMany(const std::vector<nlohmann::json>& payloads,
                                      std::vector<std::optional<std::string>>& ids) override {
    std::vector<nlohmann::json> all;
    for (const auto& p : payloads) all.push_back(params(p));
    std::vector<std::optional<nlohmann::json>> results;
    ApiAnswer a = bitrixBatch(api_, method_.c_str(), all, results);
    for (const auto& r : results) ids.push_back(r ? idOf(*r) : std::nullopt);
    return a;
  }

 private:
  std::string method_;
};

class BitrixTask : public BitrixCreatingConnector {
 public:
  BitrixTask(CrmApi& api, std::shared_ptr<Memory> memory, std::string fallbackResponsible)
      : BitrixCreatingConnector(api, std::move(memory), "tasks.task.add"),
        fallbackResponsible_(std::move(fallbackResponsible)) {}

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
  nlohmann::json params(const nlohmann::json& p) const override {
    nlohmann::json fields = {
        {"TITLE", p.value("text", "")},
        {"UF_CRM_TASK", {"D_" + textOf(p["lead"])}},
        {"RESPONSIBLE_ID", p.contains("responsible") ? textOf(p["responsible"]) : fallbackResponsible_}};
    if (p.contains("due")) fields["DEADLINE"] = isoUtc(asNumber(p["due"]));
    return {{"fields", fields}};
  }
  std::optional<std::string> idOf(const nlohmann::json& result) const override {
    if (!result.is_object() || !result.contains("task") || !result["task"].is_object()) return std::nullopt;
    std::string id = textOf(result["task"].value("id", nlohmann::json()));
    return id.empty() ? std::nullopt : std::optional<std::string>(id);
  }
  std::string fallbackResponsible_;
};

class BitrixNote : public BitrixCreatingConnector {
 public:
  BitrixNote(CrmApi& api, std::shared_ptr<Memory> memory)
      : BitrixCreatingConnector(api, std::move(memory), "crm.timeline.comment.add") {}

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
  nlohmann::json params(const nlohmann::json& p) const override {
    return {{"fields", {{"ENTITY_ID", textOf(p["lead"])}, {"ENTITY_TYPE", "deal"}, {"COMMENT", p.value("text", "")}}}};
  }
  std::optional<std::string> idOf(const nlohmann::json& result) const override {
    std::string id = textOf(result);
    return id.empty() ? std::nullopt : std::optional<std::string>(id);
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

// The answer a Bitrix24 robot waits for: its return values (status,
// message, stage). Sent again after a crash; Bitrix24 ignores a second one.
class BitrixRobotReply : public outbox::Connector {
 public:
  explicit BitrixRobotReply(CrmApi& api) : api_(api) {}
  DeliveryResult deliver(const store::EffectRecord& effect) override {
    nlohmann::json p = payloadOf(effect);
    return resultOf(api_.bitrix(
        "bizproc.event.send",
        {{"EVENT_TOKEN", p.value("event_token", "")}, {"RETURN_VALUES", p.value("values", nlohmann::json::object())}}));
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
    connectors.set("crm_robot_reply", std::make_shared<BitrixRobotReply>(api));
  }
  connectors.set("crm_complete_task", std::make_shared<CompleteTask>(config.kind, api, m));
}

}  // namespace voronka::crm
