#include "runtime/crm/crm_config.h"

#include <fmt/format.h>

#include <toml++/toml.h>

#include <algorithm>
#include <tuple>

#include "common/edit_distance.h"
#include "common/read_file.h"
#include "runtime/crm/tokens.h"

namespace voronka::crm {

std::string_view crmName(CrmKind kind) { return kind == CrmKind::AmoCrm ? "amocrm" : "bitrix24"; }

namespace {

const std::vector<std::string> kAmoKeys = {
    "url",        "token",   "token_env", "webhook_secret", "webhook_secret_env", "robot_user", "deal_prefix",
    "rate_limit", "timeout", "notify",    "oauth"};
const std::vector<std::string> kBitrixKeys = {"url",
                                              "url_env",
                                              "token",
                                              "token_env",
                                              "application_token",
                                              "application_token_env",
                                              "webhook_secret",
                                              "webhook_secret_env",
                                              "robot_user",
                                              "deal_prefix",
                                              "rate_limit",
                                              "burst",
                                              "timeout",
                                              "notify",
                                              "offline_poll",
                                              "oauth"};
const std::vector<std::string> kOAuthKeys = {"client_id",        "client_secret", "client_secret_env",
                                             "redirect_uri",     "refresh_token", "refresh_token_env",
                                             "access_token_env", "token_url",     "token_file"};
const std::vector<std::string> kTopLevel = {"amocrm", "bitrix24", "pipelines", "fields", "users", "task_types"};

std::optional<std::string> closest(std::string_view name, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t bestDistance = std::max<size_t>(2, name.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = editDistance(name, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

class Reader {
 public:
  Reader(std::string file, const outbox::EnvLookup& env) : file_(std::move(file)), env_(env) {}

  void error(const toml::source_region& where, const std::string& message) {
    found_.push_back({where.begin.line, where.begin.column,
                      fmt::format("{}:{}:{}: {}", file_, where.begin.line, where.begin.column, message)});
  }
  void errorAtTop(const std::string& message) { found_.push_back({0, 0, fmt::format("{}: {}", file_, message)}); }

  CrmConfigErrors finish() {
    std::stable_sort(found_.begin(), found_.end(), [](const Found& a, const Found& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    CrmConfigErrors errors;
    for (auto& f : found_) errors.push_back(std::move(f.message));
    return errors;
  }

  void checkKeys(const toml::table& table, const std::string& section, const std::vector<std::string>& known) {
    for (const auto& [key, value] : table) {
      if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
      std::string hint;
      if (auto close = closest(key.str(), known)) hint = fmt::format("; did you mean `{}`?", *close);
      error(key.source(), fmt::format("unknown key `{}` in {}{}", key.str(), section, hint));
    }
  }

  std::optional<std::string> text(const toml::table& t, const std::string& section, std::string_view key) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (auto v = n->value<std::string>()) return v;
    error(n->source(), fmt::format("{} {} must be a string", section, key));
    return std::nullopt;
  }

  // `key` or `key_env` (the name of an environment variable holding it), not both.
  std::string secret(const toml::table& t, const std::string& section, const std::string& key) {
    std::optional<std::string> direct = text(t, section, key);
    std::optional<std::string> var = text(t, section, key + "_env");
    if (direct && var) {
      error(t.get(key + "_env")->source(), fmt::format("{}: give {} or {}_env, not both", section, key, key));
      return "";
    }
    if (!var) return direct.value_or("");
    std::optional<std::string> value = env_(*var);
    if (!value || value->empty()) {
      error(t.get(key + "_env")->source(),
            fmt::format("{} {}_env: the environment variable {} is not set or empty; set it before starting", section,
                        key, *var));
      return "";
    }
    return *value;
  }

  std::optional<double> number(const toml::table& t, const std::string& section, std::string_view key, double min,
                               double max) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    std::optional<double> v;
    if (n->is_integer()) v = static_cast<double>(n->as_integer()->get());
    if (n->is_floating_point()) v = n->as_floating_point()->get();
    if (!v || *v < min || *v > max) {
      error(n->source(), fmt::format("{} {} must be a number from {} to {}", section, key, min, max));
      return std::nullopt;
    }
    return v;
  }

  // An id of the CRM: a whole number (amoCRM) or a string (Bitrix24's "C1:NEW", "UF_CRM_5").
  std::optional<std::string> crmId(const toml::node& n, const std::string& what) {
    if (n.is_integer()) return std::to_string(n.as_integer()->get());
    if (auto s = n.value<std::string>(); s && !s->empty()) return s;
    error(n.source(), fmt::format("{} must be the CRM's id: a whole number or a non-empty string", what));
    return std::nullopt;
  }

  Place place(const toml::node& n) {
    return {static_cast<int>(n.source().begin.line), static_cast<int>(n.source().begin.column)};
  }

  std::vector<Binding> bindings(const toml::table& t, const std::string& section) {
    std::vector<Binding> out;
    for (const auto& [key, value] : t) {
      std::optional<std::string> id = crmId(value, fmt::format("{} {}", section, key.str()));
      if (id) out.push_back({std::string(key.str()), *id, place(value)});
    }
    return out;
  }

 private:
  struct Found {
    uint32_t line, column;
    std::string message;
  };
  std::string file_;
  const outbox::EnvLookup& env_;
  std::vector<Found> found_;
};

void readAccount(Reader& r, const toml::table& t, CrmConfig& c) {
  std::string section = c.kind == CrmKind::AmoCrm ? "[amocrm]" : "[bitrix24]";
  r.checkKeys(t, section, c.kind == CrmKind::AmoCrm ? kAmoKeys : kBitrixKeys);
  if (c.kind == CrmKind::AmoCrm) {
    c.url = r.text(t, section, "url").value_or("");
    c.token = r.secret(t, section, "token");
    c.rateLimit = 7;
    c.burst = 1;
    c.dealPrefix = "amo-";
  } else {
    c.url = r.secret(t, section, "url");
    // The incoming webhook's secret, kept apart from its address: URL/TOKEN/method.json.
    if (std::string token = r.secret(t, section, "token"); !token.empty() && !c.url.empty()) {
      while (c.url.back() == '/') c.url.pop_back();
      c.url += "/" + token;
    }
    c.applicationToken = r.secret(t, section, "application_token");
    c.rateLimit = 2;
    c.burst = 50;
    c.dealPrefix = "b24-";
  }
  if (c.url.empty()) {
    r.errorAtTop(fmt::format("{} needs url: {}", section,
                             c.kind == CrmKind::AmoCrm ? "the account's address, like \"https://mebel.amocrm.ru\""
                                                       : "the REST address, like the incoming webhook "
                                                         "\"https://mebel.bitrix24.ru/rest/1/SECRET/\" (url_env)"));
  } else if (c.url.rfind("http://", 0) != 0 && c.url.rfind("https://", 0) != 0) {
    r.error(t.get("url") ? t.get("url")->source() : t.source(),
            fmt::format("{} url must start with https://", section));
  }
  while (!c.url.empty() && c.url.back() == '/') c.url.pop_back();
  c.webhookSecret = r.secret(t, section, "webhook_secret");
  if (c.webhookSecret.empty()) {
    r.errorAtTop(
        fmt::format("{} needs webhook_secret (or webhook_secret_env): the secret part of the address the "
                    "CRM posts to, /v1/crm/{}/SECRET",
                    section, crmName(c.kind)));
  } else if (c.webhookSecret.size() < 16 ||
             c.webhookSecret.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
                 std::string::npos) {
    r.errorAtTop(
        fmt::format("{} webhook_secret must be at least 16 letters, digits, - or _ (it is part of a URL)", section));
  }
  if (const toml::node* n = t.get("robot_user")) {
    if (auto id = r.crmId(*n, section + " robot_user")) c.robotUser = *id;
  }
  if (auto prefix = r.text(t, section, "deal_prefix")) c.dealPrefix = *prefix;
  if (auto rate = r.number(t, section, "rate_limit", 0.1, 1000)) c.rateLimit = *rate;
  if (auto burst = r.number(t, section, "burst", 1, 1000)) c.burst = static_cast<int32_t>(*burst);
  if (auto timeout = r.number(t, section, "timeout", 0.1, 600)) c.timeout = *timeout;
  if (c.kind == CrmKind::Bitrix24) {
    if (auto poll = r.number(t, section, "offline_poll", 1, 3600)) c.offlinePoll = *poll;
  }
  if (auto notify = r.text(t, section, "notify")) {
    if (*notify == "crm") {
      c.notifyThroughCrm = true;
    } else if (*notify != "gateway") {
      r.error(t.get("notify")->source(), fmt::format("{} notify is \"crm\" or \"gateway\"", section));
    }
  }
  if (const toml::node* o = t.get("oauth")) {
    const toml::table* ot = o->as_table();
    if (!ot) {
      r.error(o->source(), section + " oauth must be a table");
      return;
    }
    std::string osection = section.substr(0, section.size() - 1) + ".oauth]";
    r.checkKeys(*ot, osection, kOAuthKeys);
    OAuthSettings oauth;
    oauth.clientId = r.text(*ot, osection, "client_id").value_or("");
    oauth.clientSecret = r.secret(*ot, osection, "client_secret");
    oauth.redirectUri = r.text(*ot, osection, "redirect_uri").value_or("");
    oauth.refreshToken = r.secret(*ot, osection, "refresh_token");
    oauth.accessToken = r.secret(*ot, osection, "access_token");
    oauth.tokenUrl = r.text(*ot, osection, "token_url")
                         .value_or(c.kind == CrmKind::AmoCrm ? c.url + "/oauth2/access_token"
                                                             : "https://oauth.bitrix.info/oauth/token/");
    oauth.tokenFile = r.text(*ot, osection, "token_file").value_or("");
    if (oauth.clientId.empty() || oauth.clientSecret.empty() || oauth.refreshToken.empty() || oauth.tokenFile.empty()) {
      r.error(o->source(), fmt::format("{} needs client_id, client_secret (or _env), refresh_token (or _env) and "
                                       "token_file (where each new pair of tokens is kept)",
                                       osection));
    }
    if (!oauth.tokenFile.empty()) {
      // The pair kept there is what the server starts from (tokens.h).
      if (Result<std::optional<TokenPair>> kept = readTokenFile(oauth.tokenFile); !kept)
        r.error(ot->get("token_file")->source(), kept.error());
    }
    if (c.kind == CrmKind::AmoCrm && oauth.redirectUri.empty())
      r.error(o->source(), osection + " needs redirect_uri: amoCRM asks for it on every refresh");
    c.oauth = std::move(oauth);
  }
  if (c.kind == CrmKind::AmoCrm && c.token.empty() && !c.oauth) {
    r.errorAtTop("[amocrm] needs token (or token_env): a long-lived token of the account, or an [amocrm.oauth] table");
  }
}

void readMapping(Reader& r, const toml::table& root, CrmConfig& c) {
  if (const toml::node* n = root.get("pipelines")) {
    const toml::table* t = n->as_table();
    if (!t) {
      r.error(n->source(), "[pipelines] must be a table of [pipelines.NAME] tables");
    } else {
      for (const auto& [name, value] : *t) {
        std::string section = fmt::format("[pipelines.{}]", name.str());
        const toml::table* p = value.as_table();
        if (!p) {
          r.error(value.source(), section + " must be a table with id and stages");
          continue;
        }
        r.checkKeys(*p, section, {"id", "stages"});
        PipelineBinding pb;
        pb.name = std::string(name.str());
        pb.place = r.place(value);
        if (const toml::node* id = p->get("id")) {
          if (auto crmId = r.crmId(*id, section + " id")) pb.crmId = *crmId;
        } else {
          r.error(value.source(), section + " needs id: the CRM's pipeline id (amoCRM) or category id (Bitrix24)");
        }
        if (const toml::node* s = p->get("stages")) {
          if (const toml::table* st = s->as_table()) {
            pb.stages = r.bindings(*st, section.substr(0, section.size() - 1) + ".stages]");
          } else {
            r.error(s->source(), section + " stages must be a table: stage = status id");
          }
        }
        c.pipelines.push_back(std::move(pb));
      }
    }
  }
  if (const toml::node* n = root.get("fields")) {
    if (const toml::table* t = n->as_table()) {
      for (const auto& [name, value] : *t) {
        FieldBinding fb;
        fb.name = std::string(name.str());
        fb.place = r.place(value);
        std::string what = fmt::format("[fields] {}", name.str());
        if (const toml::table* ft = value.as_table()) {
          r.checkKeys(*ft, what, {"id", "enums", "type"});
          fb.crmType = r.text(*ft, what, "type").value_or("");
          if (const toml::node* id = ft->get("id")) {
            if (auto crmId = r.crmId(*id, what + " id")) fb.crmId = *crmId;
          } else {
            r.error(value.source(), what + " needs id");
          }
          if (const toml::node* e = ft->get("enums")) {
            if (const toml::table* et = e->as_table()) {
              fb.enumMembers = r.bindings(*et, what + " enums");
            } else {
              r.error(e->source(), what + " enums must be a table: member = enum value id");
            }
          }
        } else if (auto crmId = r.crmId(value, what)) {
          fb.crmId = *crmId;
        }
        c.fields.push_back(std::move(fb));
      }
    } else {
      r.error(n->source(), "[fields] must be a table: field = custom field id");
    }
  }
  for (auto [key, out] :
       {std::pair<const char*, std::vector<Binding>*>{"users", &c.users}, {"task_types", &c.taskTypes}}) {
    if (const toml::node* n = root.get(key)) {
      if (const toml::table* t = n->as_table()) {
        *out = r.bindings(*t, fmt::format("[{}]", key));
      } else {
        r.error(n->source(), fmt::format("[{}] must be a table: name = CRM id", key));
      }
    }
  }
}

}  // namespace

Result<CrmConfig, CrmConfigErrors> parseCrmConfig(std::string_view text, const std::string& sourceName,
                                                  const outbox::EnvLookup& env) {
  toml::table root;
  try {
    root = toml::parse(text, sourceName);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return failWith(
        CrmConfigErrors{fmt::format("{}:{}:{}: {}", sourceName, where.line, where.column, e.description())});
  }
  Reader r(sourceName, env);
  CrmConfig c;
  c.source = sourceName;
  r.checkKeys(root, "crm.toml", kTopLevel);
  const toml::node* amo = root.get("amocrm");
  const toml::node* bitrix = root.get("bitrix24");
  if ((amo != nullptr) == (bitrix != nullptr)) {
    r.errorAtTop("crm.toml connects one account: give either [amocrm] or [bitrix24]");
  } else {
    c.kind = amo ? CrmKind::AmoCrm : CrmKind::Bitrix24;
    const toml::node* account = amo ? amo : bitrix;
    if (const toml::table* t = account->as_table()) {
      readAccount(r, *t, c);
    } else {
      r.error(account->source(), "the account's section must be a table");
    }
  }
  readMapping(r, root, c);
  CrmConfigErrors errors = r.finish();
  if (!errors.empty()) return failWith(std::move(errors));
  return c;
}

Result<CrmConfig, CrmConfigErrors> loadCrmConfig(const std::filesystem::path& file, const outbox::EnvLookup& env) {
  Result<std::string> text = readWholeFile(file);
  if (!text) return failWith(CrmConfigErrors{fmt::format("{}: cannot read the file: {}", file.string(), text.error())});
  return parseCrmConfig(*text, file.string(), env);
}

}  // namespace voronka::crm
