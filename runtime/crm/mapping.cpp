#include "runtime/crm/mapping.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

namespace voronka::crm {

namespace {

std::string civilDate(int64_t days) {
  std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

std::string isoUtcSeconds(int64_t t) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t rest = t - days * 86400;
  return fmt::format("{}T{:02}:{:02}:{:02}+00:00", civilDate(days), rest / 3600, rest / 60 % 60, rest % 60);
}

std::optional<double> numberOf(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  std::string s = v.get<std::string>();
  size_t bar = s.find('|');  // Bitrix24 money: "1000|RUB"
  if (bar != std::string::npos) s = s.substr(0, bar);
  std::string digits;
  for (char c : s) {
    if (c != ' ' && c != '_') digits += c == ',' ? '.' : c;
  }
  if (digits.empty()) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(digits.c_str(), &end);
  if (*end) return std::nullopt;
  return d;
}

std::string textOf(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

}  // namespace

bool isBuiltinCrmField(CrmKind kind, const std::string& crmId) {
  if (kind == CrmKind::AmoCrm) return crmId == "price" || crmId == "name";
  return crmId.rfind("UF_CRM_", 0) != 0;  // OPPORTUNITY, TITLE, COMMENTS, …
}

Result<Mapping, std::vector<std::string>> Mapping::resolve(const CrmConfig& config, const bc::Module& m) {
  Mapping map;
  map.kind_ = config.kind;
  map.module_ = &m;
  std::vector<std::string> errors;
  auto at = [&config](const Place& p) { return fmt::format("{}:{}:{}", config.source, p.line, p.column); };
  auto findNamed = [&m](const auto& defs, const std::string& name) -> int32_t {
    for (size_t i = 0; i < defs.size(); ++i) {
      if (m.str(defs[i].name) == name) return static_cast<int32_t>(i);
    }
    return bc::kNo;
  };
  for (const PipelineBinding& pb : config.pipelines) {
    int32_t p = findNamed(m.pipelines, pb.name);
    if (p == bc::kNo) {
      errors.push_back(fmt::format("{}: the funnel has no pipeline `{}`", at(pb.place), pb.name));
      continue;
    }
    map.pipelinesBack_[pb.crmId] = p;
    for (const Binding& sb : pb.stages) {
      int32_t s = findNamed(m.pipelines[p].stages, sb.name);
      if (s == bc::kNo) {
        errors.push_back(fmt::format("{}: pipeline `{}` has no stage `{}`", at(sb.place), pb.name, sb.name));
        continue;
      }
      map.stages_[{p, s}] = {pb.crmId, sb.crmId};
      map.stagesBack_[{pb.crmId, sb.crmId}] = {p, s};
    }
  }
  for (const FieldBinding& fb : config.fields) {
    int32_t f = findNamed(m.fields, fb.name);
    if (f == bc::kNo) {
      errors.push_back(fmt::format("{}: the funnel has no field `{}`", at(fb.place), fb.name));
      continue;
    }
    map.fields_[f] = fb.crmId;
    map.fieldsBack_[fb.crmId] = f;
    const bc::FieldDef& def = m.fields[f];
    if (!fb.enumMembers.empty() && def.type != bc::ValueType::Enum) {
      errors.push_back(
          fmt::format("{}: field `{}` is not an enum, so it has no members to map", at(fb.place), fb.name));
      continue;
    }
    for (const Binding& eb : fb.enumMembers) {
      const bc::EnumDef& e = m.enums[def.enumId];
      int64_t member = -1;
      for (size_t i = 0; i < e.members.size(); ++i) {
        if (m.str(e.members[i]) == eb.name) member = static_cast<int64_t>(i);
      }
      if (member < 0) {
        errors.push_back(fmt::format("{}: field `{}` has no member `{}`", at(eb.place), fb.name, eb.name));
        continue;
      }
      map.enumIds_[{def.enumId, member}] = eb.crmId;
      map.enumBack_[{def.enumId, eb.crmId}] = member;
    }
  }
  for (const Binding& ub : config.users) {
    int32_t u = findNamed(m.users, ub.name);
    if (u == bc::kNo) {
      errors.push_back(fmt::format("{}: the funnel has no user `{}`", at(ub.place), ub.name));
      continue;
    }
    map.users_[u] = ub.crmId;
    map.usersBack_[ub.crmId] = u;
  }
  // amoCRM's built-in task types, unless crm.toml says otherwise.
  if (config.kind == CrmKind::AmoCrm) {
    for (auto [name, id] : {std::pair{"call", "1"}, {"meeting", "2"}, {"email", "3"}}) {
      int32_t t = findNamed(m.taskTypes, name);
      if (t != bc::kNo) map.taskTypes_[t] = id;
    }
  }
  for (const Binding& tb : config.taskTypes) {
    int32_t t = findNamed(m.taskTypes, tb.name);
    if (t == bc::kNo) {
      errors.push_back(fmt::format("{}: the funnel has no task type `{}`", at(tb.place), tb.name));
      continue;
    }
    map.taskTypes_[t] = tb.crmId;
  }
  if (!errors.empty()) return failWith(std::move(errors));
  return map;
}

std::optional<std::pair<std::string, std::string>> Mapping::crmStage(int32_t pipeline, int32_t stage) const {
  auto it = stages_.find({pipeline, stage});
  if (it == stages_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::pair<int32_t, int32_t>> Mapping::stageOf(const std::string& crmPipeline,
                                                            const std::string& crmStage) const {
  auto it = stagesBack_.find({crmPipeline, crmStage});
  if (it == stagesBack_.end()) return std::nullopt;
  return it->second;
}

bool Mapping::pipelineMapped(const std::string& crmPipeline) const { return pipelinesBack_.count(crmPipeline) > 0; }

std::optional<std::string> Mapping::crmField(int32_t field) const {
  auto it = fields_.find(field);
  if (it == fields_.end()) return std::nullopt;
  return it->second;
}

std::optional<int32_t> Mapping::fieldOf(const std::string& crmField) const {
  auto it = fieldsBack_.find(crmField);
  if (it == fieldsBack_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Mapping::crmUser(int32_t user) const {
  auto it = users_.find(user);
  if (it == users_.end()) return std::nullopt;
  return it->second;
}

std::optional<int32_t> Mapping::userOf(const std::string& crmUser) const {
  auto it = usersBack_.find(crmUser);
  if (it == usersBack_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Mapping::crmTaskType(int32_t taskType) const {
  auto it = taskTypes_.find(taskType);
  if (it == taskTypes_.end()) return std::nullopt;
  return it->second;
}

std::optional<nlohmann::json> Mapping::toCrm(int32_t field, const store::FieldValue& v) const {
  std::optional<std::string> id = crmField(field);
  if (!id) return std::nullopt;
  const bc::Module& m = *module_;
  bool amo = kind_ == CrmKind::AmoCrm;
  nlohmann::json plain;
  switch (v.tag) {
    case bc::Tag::None: plain = amo ? nlohmann::json() : nlohmann::json(""); break;
    case bc::Tag::Bool: plain = amo ? nlohmann::json(v.i != 0) : nlohmann::json(v.i != 0 ? 1 : 0); break;
    case bc::Tag::Number:
      plain = std::floor(v.num) == v.num && std::fabs(v.num) < 1e15 ? nlohmann::json(static_cast<int64_t>(v.num))
                                                                    : nlohmann::json(v.num);
      break;
    case bc::Tag::Text: plain = v.text; break;
    case bc::Tag::Date: plain = amo ? nlohmann::json(v.i * 86400) : nlohmann::json(civilDate(v.i)); break;
    case bc::Tag::DateTime: plain = amo ? nlohmann::json(v.i) : nlohmann::json(isoUtcSeconds(v.i)); break;
    case bc::Tag::Duration:
    case bc::Tag::Time: plain = v.i; break;
    case bc::Tag::Enum: {
      auto it = enumIds_.find({v.aux, v.i});
      if (it == enumIds_.end()) return std::nullopt;
      if (!amo) return nlohmann::json(it->second);
      return nlohmann::json::array({{{"enum_id", std::stoll(it->second)}}});
    }
    case bc::Tag::User: {
      std::optional<std::string> user = crmUser(static_cast<int32_t>(v.i));
      if (user) {
        plain = *user;
      } else {
        plain = m.str(m.users[static_cast<size_t>(v.i)].title);
      }
      break;
    }
    case bc::Tag::Tags:
    case bc::Tag::Stage:  // deal.stage and deal.pipeline are read, never stored in a field
    case bc::Tag::Pipeline: return std::nullopt;
  }
  if (!amo || isBuiltinCrmField(kind_, *id)) return plain;
  if (plain.is_null()) return nlohmann::json();  // amoCRM clears a field with null values
  return nlohmann::json::array({{{"value", plain}}});
}

std::optional<nlohmann::json> Mapping::fromCrm(int32_t field, const nlohmann::json& crmValue) const {
  const bc::Module& m = *module_;
  const bc::FieldDef& def = m.fields[static_cast<size_t>(field)];
  // amoCRM's custom field values come as {"value": …, "enum": id}; take the value.
  nlohmann::json value = crmValue;
  std::string enumId;
  if (crmValue.is_object()) {
    value = crmValue.value("value", nlohmann::json());
    if (crmValue.contains("enum")) enumId = textOf(crmValue["enum"]);
    if (crmValue.contains("enum_id")) enumId = textOf(crmValue["enum_id"]);
  }
  if (value.is_array()) value = value.empty() ? nlohmann::json() : value.front();
  // A select's value may come as its enum id alone ({"enum": 9002}): not empty.
  if (def.type == bc::ValueType::Enum && value.is_null() && !enumId.empty()) value = enumId;
  if (value.is_null() || (value.is_string() && value.get<std::string>().empty() && def.type != bc::ValueType::Text))
    return nlohmann::json();
  switch (def.type) {
    case bc::ValueType::Number:
    case bc::ValueType::Money: {
      std::optional<double> d = numberOf(value);
      if (!d) return std::nullopt;
      return nlohmann::json(*d);
    }
    case bc::ValueType::Text:
    case bc::ValueType::Url:
    case bc::ValueType::Email:
    case bc::ValueType::Phone: return nlohmann::json(textOf(value));
    case bc::ValueType::Bool: {
      std::string t = textOf(value);
      if (value.is_boolean()) return value;
      return nlohmann::json(t == "1" || t == "Y" || t == "true");
    }
    case bc::ValueType::Date:
    case bc::ValueType::DateTime: {
      std::string t = textOf(value);
      bool digits = !t.empty() && t.find_first_not_of("0123456789") == std::string::npos;
      if (value.is_number() || digits) {
        int64_t ts = value.is_number() ? value.get<int64_t>() : std::stoll(t);
        if (def.type == bc::ValueType::Date) return nlohmann::json(civilDate(ts >= 0 ? ts / 86400 : 0));
        return nlohmann::json(isoUtcSeconds(ts));
      }
      if (def.type == bc::ValueType::Date) return nlohmann::json(t.substr(0, 10));
      return nlohmann::json(t);
    }
    case bc::ValueType::Enum: {
      if (enumId.empty()) enumId = textOf(value);
      auto it = enumBack_.find({def.enumId, enumId});
      if (it != enumBack_.end()) return nlohmann::json(m.str(m.enums[def.enumId].members[it->second]));
      return nlohmann::json(textOf(value));  // a title: the wire format reads titles too
    }
    case bc::ValueType::User: {
      std::optional<int32_t> u = userOf(textOf(value));
      if (!u) return std::nullopt;
      return nlohmann::json(m.str(m.users[*u].name));
    }
    case bc::ValueType::Duration:
    case bc::ValueType::Time:
    case bc::ValueType::Tags:
    case bc::ValueType::Stage: return std::nullopt;  // no field holds a stage
  }
  return std::nullopt;
}

}  // namespace voronka::crm
