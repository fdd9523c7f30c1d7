// tenants.toml: the clients one `voronka serve --tenants` hosts
// (docs/serve.md#tenants). The file has a [server] table (where to listen,
// the server's admin tokens, a directory of per-tenant files) and a
// [tenant.ID] table per client; each *.toml file of the directory is one
// more client, named by the file. An entry names the client's store, its
// module (or none: the version the store runs), its API tokens, and the
// files of its outbox delivery (a serve.toml), CRM and migration plan.
//
// Every problem is "FILE:LINE:COL: what is wrong; what to do". A broken
// entry is reported and left out; the others stand. Only a file that cannot
// be read at all, or a broken [server], refuses the whole file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/crm/crm_config.h"
#include "runtime/deploy/plan.h"
#include "runtime/outbox/config.h"
#include "runtime/store/sqlite_store.h"

namespace voronka::server {

struct TenantEntry {
  std::string id;                       // [a-z0-9][a-z0-9_-]*: the path's /t/ID
  std::string where;                    // "tenants.toml:12:1": the entry, for messages
  std::string store;                    // sqlite:PATH or postgres:CONNINFO
  std::string modulePath;               // empty: the version the store runs
  std::string moduleBytes;              // read from modulePath
  std::vector<std::string> tokens;      // read and write (and POST /v1/modules)
  std::vector<std::string> readTokens;  // GET only
  outbox::ServeConfig config;           // `config`: outbox delivery, users, [server] max_body_bytes
  std::optional<crm::CrmConfig> crm;
  deploy::Plan plan;
  store::Synchronous synchronous = store::Synchronous::Full;
  // What the entry says and the content of every file it names: a reload
  // restarts a tenant only when this changed.
  std::string fingerprint;
};

struct TenantsServerSettings {
  std::string listen = "127.0.0.1:8080";
  std::vector<std::string> adminTokens;  // /admin/*, /metrics and the details of /readyz
  std::string tenantsDir;                // resolved; empty: none
};

struct TenantsFile {
  TenantsServerSettings server;
  std::vector<TenantEntry> tenants;  // the entries without a problem
  std::vector<std::string> broken;   // ids of the entries with one (a running tenant keeps its old entry)
  std::vector<std::string> errors;   // every problem, in file order
};

// Reads `file` and its tenants directory. Fails (with every problem) only
// when the file itself cannot be read or parsed, or its [server] is wrong.
Result<TenantsFile, std::vector<std::string>> loadTenantsFile(
    const std::filesystem::path& file, const outbox::EnvLookup& env = outbox::processEnvironment);

// Why `id` cannot name a tenant; nullopt when it can.
std::optional<std::string> tenantIdProblem(const std::string& id);

}  // namespace voronka::server
