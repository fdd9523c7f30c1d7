#include "runtime/crm/pull.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/utf8.h"

namespace voronka::crm {

namespace {

constexpr int kMaxPages = 50;  // 50 pages of 250: more users or fields than any account has

std::string str(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  const auto& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return "";
}

std::string encode(const std::u32string& text) {
  std::string out;
  for (char32_t c : text) utf8::append(out, c);
  return out;
}

// Titles compare without case and surrounding blanks ("Новая заявка " = "новая заявка").
std::string folded(const std::string& title) {
  std::u32string text;
  for (char32_t c : utf8::decodeAll(title)) {
    if (c >= U'А' && c <= U'Я') c += 32;
    if (c == U'Ё') c = U'ё';
    if (c >= U'A' && c <= U'Z') c += 32;
    text += c;
  }
  std::string out = encode(text);
  size_t b = out.find_first_not_of(" \t"), e = out.find_last_not_of(" \t");
  return b == std::string::npos ? "" : out.substr(b, e - b + 1);
}

const AccountItem* byTitle(const std::vector<AccountItem>& items, const std::string& title) {
  for (const auto& item : items) {
    if (folded(item.title) == folded(title)) return &item;
  }
  return nullptr;
}

std::string quoted(const std::string& s) { return nlohmann::json(s).dump(); }

// An id as TOML: a number when it is one, else a string.
std::string tomlId(const std::string& id) {
  return !id.empty() && id.find_first_not_of("0123456789") == std::string::npos && id.size() < 16 ? id : quoted(id);
}

// A bare TOML key when it can be one.
std::string tomlKey(const std::string& name) {
  bool bare = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return bare ? name : quoted(name);
}

// A read that the account's limit refused (429, 503) is tried again after the wait it asked for.
template <typename Call>
ApiAnswer patiently(Call call) {
  ApiAnswer a;
  for (int attempt = 0; attempt < 4; ++attempt) {
    a = call();
    if (a.status != ApiAnswer::Status::Retry) break;
  }
  return a;
}

Result<std::vector<nlohmann::json>> amoList(CrmApi& api, const std::string& path, const char* embedded) {
  std::vector<nlohmann::json> all;
  for (int page = 1; page <= kMaxPages; ++page) {
    std::string sep = path.find('?') == std::string::npos ? "?" : "&";
    ApiAnswer a = patiently([&] { return api.amo("GET", fmt::format("{}{}limit=250&page={}", path, sep, page)); });
    if (!a.ok()) return fail(a.error);
    if (!a.body.is_object() || !a.body.contains("_embedded")) break;  // 204: no more
    const auto& items = a.body["_embedded"].value(embedded, nlohmann::json::array());
    for (const auto& item : items) all.push_back(item);
    if (items.size() < 250 || !a.body.contains("_links") || !a.body["_links"].contains("next")) break;
  }
  return all;
}

Result<CrmAccount> readAmo(CrmApi& api) {
  CrmAccount account;
  Result<std::vector<nlohmann::json>> pipelines = amoList(api, "/api/v4/leads/pipelines", "pipelines");
  if (!pipelines) return fail(pipelines.error());
  for (const auto& p : *pipelines) {
    AccountItem pipeline{str(p, "id"), str(p, "name"), "", {}};
    if (p.contains("_embedded")) {
      for (const auto& s : p["_embedded"].value("statuses", nlohmann::json::array())) {
        std::string id = str(s, "id");
        pipeline.items.push_back({id, str(s, "name"), id == "142" ? "won" : id == "143" ? "lost" : "working", {}});
      }
    }
    account.pipelines.push_back(std::move(pipeline));
  }
  Result<std::vector<nlohmann::json>> fields = amoList(api, "/api/v4/leads/custom_fields", "custom_fields");
  if (!fields) return fail(fields.error());
  for (const auto& f : *fields) {
    AccountItem field{str(f, "id"), str(f, "name"), str(f, "type"), {}};
    if (f.contains("enums") && f["enums"].is_array()) {
      for (const auto& e : f["enums"]) field.items.push_back({str(e, "id"), str(e, "value"), "", {}});
    }
    account.fields.push_back(std::move(field));
  }
  account.fields.push_back({"price", "Бюджет", "price", {}});
  Result<std::vector<nlohmann::json>> users = amoList(api, "/api/v4/users", "users");
  if (!users) return fail(users.error());
  for (const auto& u : *users) account.users.push_back({str(u, "id"), str(u, "name"), "", {}});
  ApiAnswer a = patiently([&] { return api.amo("GET", "/api/v4/account?with=task_types"); });
  if (!a.ok()) return fail(a.error);
  account.currentUser = str(a.body, "current_user_id");
  if (a.body.contains("_embedded")) {
    for (const auto& t : a.body["_embedded"].value("task_types", nlohmann::json::array()))
      account.taskTypes.push_back({str(t, "id"), str(t, "name"), "", {}});
  }
  return account;
}

Result<CrmAccount> readBitrix(CrmApi& api) {
  CrmAccount account;
  std::vector<std::pair<std::string, std::string>> categories = {{"0", "Общая"}};
  ApiAnswer cats = patiently([&] { return api.bitrix("crm.category.list", {{"entityTypeId", 2}}); });
  if (!cats.ok()) return fail(cats.error);
  for (const auto& c : cats.body.value("categories", nlohmann::json::array())) {
    std::string id = str(c, "id");
    if (id == "0") {
      categories[0].second = str(c, "name");
    } else {
      categories.emplace_back(id, str(c, "name"));
    }
  }
  for (const auto& [id, name] : categories) {
    std::string entity = id == "0" ? "DEAL_STAGE" : "DEAL_STAGE_" + id;
    ApiAnswer stages = patiently([&] { return api.bitrix("crm.status.list", {{"filter", {{"ENTITY_ID", entity}}}}); });
    if (!stages.ok()) return fail(stages.error);
    AccountItem pipeline{id, name, "", {}};
    for (const auto& s : stages.body) {
      std::string semantic = str(s, "SEMANTICS");
      std::string status = str(s, "STATUS_ID");
      std::string role = semantic == "S" || status.ends_with("WON")    ? "won"
                         : semantic == "F" || status.ends_with("LOSE") ? "lost"
                                                                       : "working";
      pipeline.items.push_back({status, str(s, "NAME"), role, {}});
    }
    account.pipelines.push_back(std::move(pipeline));
  }
  ApiAnswer fields = patiently([&] { return api.bitrix("crm.deal.userfield.list", {{"order", {{"SORT", "ASC"}}}}); });
  if (!fields.ok()) return fail(fields.error);
  for (const auto& f : fields.body) {
    std::string title = str(f, "EDIT_FORM_LABEL");
    if (f.contains("EDIT_FORM_LABEL") && f["EDIT_FORM_LABEL"].is_object())
      title = f["EDIT_FORM_LABEL"].value("ru", f["EDIT_FORM_LABEL"].value("en", ""));
    if (title.empty()) title = str(f, "FIELD_NAME");
    AccountItem field{str(f, "FIELD_NAME"), title, str(f, "USER_TYPE_ID"), {}};
    for (const auto& e : f.value("LIST", nlohmann::json::array()))
      field.items.push_back({str(e, "ID"), str(e, "VALUE"), "", {}});
    account.fields.push_back(std::move(field));
  }
  account.fields.push_back({"OPPORTUNITY", "Сумма", "money", {}});
  ApiAnswer users = patiently([&] { return api.bitrix("user.get", {{"ACTIVE", true}}); });
  if (!users.ok()) return fail(users.error);
  for (const auto& u : users.body) {
    std::string name = str(u, "NAME") + (str(u, "LAST_NAME").empty() ? "" : " " + str(u, "LAST_NAME"));
    account.users.push_back({str(u, "ID"), name, "", {}});
  }
  ApiAnswer me = patiently([&] { return api.bitrix("profile", nlohmann::json::object()); });
  if (me.ok()) account.currentUser = str(me.body, "ID");
  return account;
}

// A name of the funnel made from a title: lower case, words joined by '_'.
std::string nameFrom(const std::string& title, std::set<std::string>& taken, const std::string& fallback) {
  std::u32string out;
  for (char32_t c : utf8::decodeAll(title)) {
    if (c >= U'А' && c <= U'Я') c += 32;
    if (c == U'Ё') c = U'ё';
    if (c >= U'A' && c <= U'Z') c += 32;
    bool letter = (c >= U'a' && c <= U'z') || (c >= U'0' && c <= U'9') || (c >= U'а' && c <= U'я') || c == U'ё';
    if (letter) {
      out += c;
    } else if (!out.empty() && out.back() != U'_') {
      out += U'_';
    }
  }
  while (!out.empty() && out.back() == U'_') out.pop_back();
  std::string name = encode(out);
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    name = fallback + (name.empty() ? "" : "_" + name);
  std::string unique = name;
  for (int i = 2; taken.count(unique); ++i) unique = fmt::format("{}_{}", name, i);
  taken.insert(unique);
  return unique;
}

std::string funnelType(const AccountItem& field) {
  const std::string& t = field.type;
  if (t == "numeric" || t == "integer" || t == "double") return "number";
  if (t == "price" || t == "monetary" || t == "money") return "money";
  if (t == "checkbox" || t == "boolean") return "bool";
  if (t == "date" || t == "birthday") return "date";
  if (t == "date_time" || t == "datetime") return "datetime";
  if (t == "url") return "url";
  if ((t == "select" || t == "radiobutton" || t == "enumeration") && !field.items.empty()) return "enum";
  return "text";
}

}  // namespace

bool typeFits(bc::ValueType funnel, const std::string& crmType) {
  if (crmType.empty()) return true;
  static const std::map<std::string, std::vector<bc::ValueType>> fits = {
      {"numeric", {bc::ValueType::Number, bc::ValueType::Money}},
      {"integer", {bc::ValueType::Number, bc::ValueType::Money}},
      {"double", {bc::ValueType::Number, bc::ValueType::Money}},
      {"price", {bc::ValueType::Number, bc::ValueType::Money}},
      {"monetary", {bc::ValueType::Number, bc::ValueType::Money}},
      {"money", {bc::ValueType::Number, bc::ValueType::Money}},
      {"checkbox", {bc::ValueType::Bool}},
      {"boolean", {bc::ValueType::Bool}},
      {"date", {bc::ValueType::Date, bc::ValueType::DateTime}},
      {"birthday", {bc::ValueType::Date}},
      {"date_time", {bc::ValueType::DateTime, bc::ValueType::Date}},
      {"datetime", {bc::ValueType::DateTime, bc::ValueType::Date}},
      {"select", {bc::ValueType::Enum}},
      {"radiobutton", {bc::ValueType::Enum}},
      {"enumeration", {bc::ValueType::Enum}},
      {"url", {bc::ValueType::Url, bc::ValueType::Text}},
  };
  auto it = fits.find(crmType);
  if (it == fits.end()) {  // text, textarea, string, …: text of any kind
    return funnel == bc::ValueType::Text || funnel == bc::ValueType::Url || funnel == bc::ValueType::Email ||
           funnel == bc::ValueType::Phone;
  }
  return std::find(it->second.begin(), it->second.end(), funnel) != it->second.end();
}

Result<CrmAccount> readAccount(CrmApi& api, CrmKind kind) {
  return kind == CrmKind::AmoCrm ? readAmo(api) : readBitrix(api);
}

PullResult bindByTitles(const CrmAccount& account, const bc::Module& m, const PullHeader& header) {
  PullResult r;
  std::string& t = r.toml;
  bool amo = header.kind == CrmKind::AmoCrm;
  t += "# Written by `voronka crm pull`: the funnel's names bound to the account's ids by title.\n";
  t += "# Review it like code; `voronka check --crm` checks it against the funnel.\n\n";
  t += fmt::format("[{}]\nurl = {}\ntoken_env = {}\n", crmName(header.kind), quoted(header.url),
                   quoted(header.tokenEnv));
  t += "webhook_secret_env = \"VORONKA_CRM_WEBHOOK_SECRET\"  # the secret part of the webhook address\n";
  if (!amo) t += "application_token_env = \"VORONKA_B24_APPLICATION_TOKEN\"  # auth[application_token] of events\n";
  if (!account.currentUser.empty())
    t += fmt::format("robot_user = {}  # the token's user: its changes are echoes\n", tomlId(account.currentUser));
  for (const bc::PipelineDef& p : m.pipelines) {
    const std::string name = m.str(p.name);
    const AccountItem* crm = byTitle(account.pipelines, m.str(p.title));
    if (!crm) {
      r.unmatched.push_back(
          fmt::format("pipeline {} {}: the account has no pipeline of that name", name, quoted(m.str(p.title))));
      t += fmt::format("\n# pipeline {} {}: not matched\n", name, quoted(m.str(p.title)));
      continue;
    }
    t += fmt::format("\n[pipelines.{}]  # {}\nid = {}\n[pipelines.{}.stages]\n", tomlKey(name), crm->title,
                     tomlId(crm->id), tomlKey(name));
    for (const bc::StageDef& s : p.stages) {
      const std::string stage = m.str(s.name);
      const AccountItem* status = nullptr;
      std::string role = s.kind == bc::StageKind::Won ? "won" : s.kind == bc::StageKind::Lost ? "lost" : "working";
      if (role != "working") {
        for (const auto& item : crm->items) {
          if (item.type == role && !status) status = &item;
        }
      } else {
        status = byTitle(crm->items, m.str(s.title));
      }
      if (!status) {
        r.unmatched.push_back(
            fmt::format("stage {}.{} {}: no status of that name", name, stage, quoted(m.str(s.title))));
        t += fmt::format("# {} = ?  # {}: not matched\n", tomlKey(stage), m.str(s.title));
        continue;
      }
      t += fmt::format("{} = {}  # {}\n", tomlKey(stage), tomlId(status->id), status->title);
    }
  }
  t += "\n[fields]\n";
  for (const bc::FieldDef& f : m.fields) {
    const std::string name = m.str(f.name);
    const AccountItem* crm = byTitle(account.fields, m.str(f.title));
    if (!crm) {
      r.unmatched.push_back(fmt::format("field {} {}: no field of that name", name, quoted(m.str(f.title))));
      t += fmt::format("# {} = ?  # {}: not matched\n", tomlKey(name), m.str(f.title));
      continue;
    }
    std::string enums;
    if (f.type == bc::ValueType::Enum) {
      const bc::EnumDef& e = m.enums[static_cast<size_t>(f.enumId)];
      for (size_t i = 0; i < e.members.size(); ++i) {
        const AccountItem* value = byTitle(crm->items, m.str(e.titles[i]));
        if (!value) {
          r.unmatched.push_back(fmt::format("field {}: member {} {}: no value of that name", name, m.str(e.members[i]),
                                            quoted(m.str(e.titles[i]))));
          continue;
        }
        enums += fmt::format("{}{} = {}", enums.empty() ? "" : ", ", tomlKey(m.str(e.members[i])), tomlId(value->id));
      }
    }
    t += fmt::format("{} = {{ id = {}, type = {}{} }}  # {}\n", tomlKey(name), tomlId(crm->id), quoted(crm->type),
                     enums.empty() ? "" : ", enums = { " + enums + " }", crm->title);
  }
  t += "\n[users]\n";
  for (const bc::UserDef& u : m.users) {
    const AccountItem* crm = byTitle(account.users, m.str(u.title));
    if (!crm) {
      r.unmatched.push_back(fmt::format("user {} {}: no user of that name", m.str(u.name), quoted(m.str(u.title))));
      t += fmt::format("# {} = ?  # {}: not matched\n", tomlKey(m.str(u.name)), m.str(u.title));
      continue;
    }
    t += fmt::format("{} = {}  # {}\n", tomlKey(m.str(u.name)), tomlId(crm->id), crm->title);
  }
  if (amo) {
    t += "\n[task_types]\n";
    for (const bc::NamedDef& tt : m.taskTypes) {
      const std::string name = m.str(tt.name);
      const AccountItem* crm = byTitle(account.taskTypes, m.str(tt.title));
      if (crm) {
        t += fmt::format("{} = {}  # {}\n", tomlKey(name), tomlId(crm->id), crm->title);
      } else if (name != "call" && name != "meeting" && name != "email") {
        r.unmatched.push_back(fmt::format("task type {} {}: no task type of that name", name, quoted(m.str(tt.title))));
      }
    }
  }
  return r;
}

std::string funnelSkeleton(const CrmAccount& account) {
  std::set<std::string> taken;
  std::string out =
      "// Written by `voronka crm pull --skeleton` from the account: its fields, users,\n"
      "// pipelines and stages. Add the rules; `voronka crm pull` then writes crm.toml.\n\n";
  out += "account \"Клиент\" {\n  timezone \"Europe/Moscow\"\n  workhours mon..fri 09:00-18:00\n  currency RUB\n}\n\n";
  for (const auto& f : account.fields) {
    if (f.id == "price" || f.id == "OPPORTUNITY") {
      out += fmt::format("field {}: money {}\n", nameFrom("budget", taken, "field"), quoted(f.title));
      continue;
    }
    std::string type = funnelType(f);
    if (type == "enum") {
      std::set<std::string> members;
      std::string list;
      for (const auto& v : f.items) list += fmt::format(" {} {}", nameFrom(v.title, members, "value"), quoted(v.title));
      out += fmt::format("field {}: enum {{{} }} {}\n", nameFrom(f.title, taken, "field"), list, quoted(f.title));
    } else {
      out += fmt::format("field {}: {} {}\n", nameFrom(f.title, taken, "field"), type, quoted(f.title));
    }
  }
  if (!account.users.empty()) {
    out += "\nteam sales \"Отдел продаж\" {\n";
    taken.insert("sales");
    for (const auto& u : account.users)
      out += fmt::format("  {} {}\n", nameFrom(u.title, taken, "user"), quoted(u.title));
    out += "}\n";
  }
  for (const auto& p : account.pipelines) {
    out += fmt::format("\npipeline {} {} {{\n", nameFrom(p.title, taken, "pipeline"), quoted(p.title));
    std::set<std::string> stages = {"won", "lost"};
    const AccountItem* won = nullptr;
    const AccountItem* lost = nullptr;
    bool first = true;
    for (const auto& s : p.items) {
      if (s.type == "won") won = &s;
      if (s.type == "lost") lost = &s;
      if (s.type != "working") continue;
      out += fmt::format("  stage {} {}{}\n", nameFrom(s.title, stages, "stage"), quoted(s.title),
                         first ? " initial" : "");
      first = false;
    }
    out += fmt::format("  won {}\n", quoted(won ? won->title : "Успешно реализовано"));
    out += fmt::format(
        "  lost {} reasons {{ \"Дорого\", \"Купил у конкурента\", \"Сроки\", \"Нет модели\", "
        "\"Не целевой\", other \"Другое\" }}\n}}\n",
        quoted(lost ? lost->title : "Закрыто и не реализовано"));
  }
  return out;
}

}  // namespace voronka::crm
