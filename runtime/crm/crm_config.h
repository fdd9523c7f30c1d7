// crm.toml: how a funnel is connected to the client's amoCRM or Bitrix24
// account — the address and credentials of the API, the secret of the
// inbound webhook URL, the rate limit, and the mapping of the funnel's
// names (pipelines, stages, fields, enum members, users, task types) to the
// account's ids. It is text, written by `voronka crm pull` and reviewed like
// code; docs/crm.md documents every key.
//
// Everything is checked when the file is read, with the file, line and
// column of each problem, all of them at once. Secrets can stay in the
// environment (`token_env`, `webhook_secret_env`, …) and are never logged.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "runtime/outbox/config.h"

namespace voronka::crm {

enum class CrmKind { AmoCrm, Bitrix24 };
std::string_view crmName(CrmKind kind);  // "amocrm", "bitrix24"

// A place in crm.toml, for messages about a binding.
struct Place {
  int line = 0;
  int column = 0;
};

// OAuth 2 with a refresh token: amoCRM's integrations and Bitrix24's apps.
struct OAuthSettings {
  std::string clientId;
  std::string clientSecret;
  std::string redirectUri;   // amoCRM asks for it again on every refresh
  std::string refreshToken;  // the first one; later pairs are kept in tokenFile
  std::string accessToken;   // optional: the first access token
  std::string tokenUrl;      // where refreshes go (a default per CRM)
  std::filesystem::path tokenFile;
};

// One funnel name bound to a CRM id ("collect" → "142", "budget" → "UF_CRM_5").
struct Binding {
  std::string name;
  std::string crmId;
  Place place;
};

struct FieldBinding : Binding {
  std::string crmType;               // the CRM's type of the field, as `crm pull` saw it ("numeric", "enumeration")
  std::vector<Binding> enumMembers;  // member name → enum value id
};

struct PipelineBinding : Binding {
  std::vector<Binding> stages;
};

struct CrmConfig {
  std::string source;  // the file, for messages
  CrmKind kind = CrmKind::AmoCrm;
  std::string url;    // amoCRM: https://SUBDOMAIN.amocrm.ru; Bitrix24: the REST base (a webhook URL or the portal)
  std::string token;  // amoCRM long-lived token (empty with OAuth or a Bitrix24 webhook URL)
  std::optional<OAuthSettings> oauth;
  std::string webhookSecret;      // the {secret} of POST /v1/crm/KIND/{secret}
  std::string applicationToken;   // Bitrix24: auth[application_token] of every event
  std::string robotUser;          // the CRM user Voronka acts as: its changes are echoes
  std::string dealPrefix;         // Voronka's deal id = prefix + the CRM's id ("amo-42")
  double rateLimit = 7;           // requests per second (amoCRM 7; Bitrix24 2)
  int32_t burst = 1;              // Bitrix24's bucket: requests that may go at once (50)
  double timeout = 10;            // seconds per API call
  bool notifyThroughCrm = false;  // `notify` as a CRM notification instead of the gateway
  double offlinePoll = 0;         // Bitrix24: seconds between drains of the offline queue (0: on ONOFFLINEEVENT only)
  std::vector<PipelineBinding> pipelines;
  std::vector<FieldBinding> fields;
  std::vector<Binding> users;
  std::vector<Binding> taskTypes;
};

using CrmConfigErrors = std::vector<std::string>;

Result<CrmConfig, CrmConfigErrors> loadCrmConfig(const std::filesystem::path& file,
                                                 const outbox::EnvLookup& env = outbox::processEnvironment);
Result<CrmConfig, CrmConfigErrors> parseCrmConfig(std::string_view text, const std::string& sourceName,
                                                  const outbox::EnvLookup& env = outbox::processEnvironment);

}  // namespace voronka::crm
