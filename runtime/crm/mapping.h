// The mapping of crm.toml resolved against a module: each funnel name is an
// index of the module, each bound to the CRM's id, looked up both ways.
// Values convert between the funnel's types and the CRM's JSON here too.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "runtime/bytecode/module.h"
#include "runtime/crm/crm_config.h"
#include "runtime/store/records.h"

namespace voronka::crm {

// The deal's own values that the CRM keeps as plain properties, not custom
// fields: amoCRM's "price" and "name", Bitrix24's "OPPORTUNITY" and "TITLE".
bool isBuiltinCrmField(CrmKind kind, const std::string& crmId);

class Mapping {
 public:
  // Resolves every name of `config` in `module`. Fails listing each name the
  // module does not have, at its place in crm.toml (FILE:LINE:COL).
  static Result<Mapping, std::vector<std::string>> resolve(const CrmConfig& config, const bc::Module& module);

  CrmKind kind() const { return kind_; }
  const bc::Module& module() const { return *module_; }

  // pipeline, stage → the CRM's pipeline (category) and status (STAGE_ID).
  std::optional<std::pair<std::string, std::string>> crmStage(int32_t pipeline, int32_t stage) const;
  // The CRM's pipeline and status → the module's; nullopt when not mapped.
  std::optional<std::pair<int32_t, int32_t>> stageOf(const std::string& crmPipeline, const std::string& crmStage) const;
  bool pipelineMapped(const std::string& crmPipeline) const;

  std::optional<std::string> crmField(int32_t field) const;
  std::optional<int32_t> fieldOf(const std::string& crmField) const;
  std::optional<std::string> crmUser(int32_t user) const;
  std::optional<int32_t> userOf(const std::string& crmUser) const;
  std::optional<std::string> crmTaskType(int32_t taskType) const;

  // A field's value as the CRM's API takes it (amoCRM: the `values` array of
  // custom_fields_values, or a plain value for price/name; Bitrix24: the value
  // of UF_CRM_…); nullopt when it cannot be said (an enum member not mapped).
  std::optional<nlohmann::json> toCrm(int32_t field, const store::FieldValue& value) const;
  // A value from the CRM as the wire format writes it (a number, a string, an
  // enum member's name, "YYYY-MM-DD"); nullopt when it does not fit the field.
  std::optional<nlohmann::json> fromCrm(int32_t field, const nlohmann::json& crmValue) const;

 private:
  CrmKind kind_ = CrmKind::AmoCrm;
  const bc::Module* module_ = nullptr;
  std::map<std::pair<int32_t, int32_t>, std::pair<std::string, std::string>> stages_;
  std::map<std::pair<std::string, std::string>, std::pair<int32_t, int32_t>> stagesBack_;
  std::map<std::string, int32_t> pipelinesBack_;
  std::map<int32_t, std::string> fields_;
  std::map<std::string, int32_t> fieldsBack_;
  std::map<std::pair<int32_t, int64_t>, std::string> enumIds_;  // (enum, member) → CRM enum id
  std::map<std::pair<int32_t, std::string>, int64_t> enumBack_;
  std::map<int32_t, std::string> users_;
  std::map<std::string, int32_t> usersBack_;
  std::map<int32_t, std::string> taskTypes_;
};

}  // namespace voronka::crm
