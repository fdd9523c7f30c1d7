// `voronka crm pull`: reads an account's pipelines, stages, custom fields,
// users and task types, and binds a funnel's names to their ids by title
// (a stage's title is the CRM status's name), as crm.toml text to review;
// or writes a funnel skeleton from the account, a consultant's first step
// with a new client.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/bytecode/module.h"
#include "runtime/crm/crm_api.h"

namespace voronka::crm {

struct AccountItem {
  std::string id;
  std::string title;
  std::string type;                // fields: the CRM's type; statuses: "working", "won", "lost"
  std::vector<AccountItem> items;  // a pipeline's statuses, an enum field's values
};

struct CrmAccount {
  std::vector<AccountItem> pipelines;
  std::vector<AccountItem> fields;
  std::vector<AccountItem> users;
  std::vector<AccountItem> taskTypes;
  std::string currentUser;  // the user the token belongs to: crm.toml's robot_user
};

Result<CrmAccount> readAccount(CrmApi& api, CrmKind kind);

// The head of crm.toml: how to reach the account (secrets as _env names).
struct PullHeader {
  CrmKind kind = CrmKind::AmoCrm;
  std::string url;
  std::string tokenEnv;
};

struct PullResult {
  std::string toml;
  std::vector<std::string> unmatched;  // "stage retail.collect \"Сбор информации\": no status of that name"
};

PullResult bindByTitles(const CrmAccount& account, const bc::Module& module, const PullHeader& header);

// A funnel skeleton from the account: fields, a team of its users, its
// pipelines and stages, with names made from titles.
std::string funnelSkeleton(const CrmAccount& account);

// Whether a field of the funnel can hold the CRM field's values.
bool typeFits(bc::ValueType funnel, const std::string& crmType);

}  // namespace voronka::crm
