#include "runtime/server/tenants_config.h"

#include <fmt/format.h>

#include <toml++/toml.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/hash.h"
#include "common/read_file.h"
#include "common/secret.h"
#include "runtime/bytecode/container.h"
#include "runtime/outbox/config_checks.h"

namespace voronka::server {

namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kServerKeys = {"listen", "admin_tokens", "admin_tokens_env", "tenants_dir"};
const std::vector<std::string> kTenantKeys = {"store",      "store_env",   "module",          "tokens",
                                              "tokens_env", "read_tokens", "read_tokens_env", "config",
                                              "crm",        "plan",        "synchronous"};
constexpr size_t kMinTokenLength = 16;

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string place(const std::string& file, const toml::source_region& r) {
  return fmt::format("{}:{}:{}", file, r.begin.line, r.begin.column);
}

// Reads the keys of one table (an entry, or [server]) and collects problems.
class TableReader {
 public:
  TableReader(std::string file, const toml::table& table, std::string name, const fs::path& baseDir,
              const outbox::EnvLookup& env, std::vector<std::string>& problems)
      : file_(std::move(file)),
        table_(table),
        name_(std::move(name)),
        baseDir_(baseDir),
        env_(env),
        problems_(problems) {}

  void error(const toml::node* at, const std::string& message) {
    const toml::source_region& r = at ? at->source() : table_.source();
    problems_.push_back(fmt::format("{}: {}: {}", place(file_, r), name_, message));
  }

  void checkKeys(const std::vector<std::string>& known) {
    for (const auto& [key, node] : table_) {
      std::string k(key.str());
      if (std::find(known.begin(), known.end(), k) != known.end()) continue;
      std::optional<std::string> near = outbox::closest(k, known);
      error(&node, fmt::format("unknown key \"{}\"{}; the keys are {}", k,
                               near ? fmt::format(" (did you mean \"{}\"?)", *near) : "", joined(known)));
    }
  }

  const toml::node* node(const std::string& key) const { return table_.get(key); }

  std::optional<std::string> text(const std::string& key) {
    const toml::node* n = node(key);
    if (!n) return std::nullopt;
    if (!n->is_string() || n->as_string()->get().empty()) {
      error(n, fmt::format("\"{}\" must be a non-empty string", key));
      return std::nullopt;
    }
    return n->as_string()->get();
  }

  // A value or the environment variable `envKey` names.
  std::optional<std::string> textOrEnv(const std::string& key, const std::string& envKey) {
    if (node(key) && node(envKey)) {
      error(node(envKey), fmt::format("both \"{}\" and \"{}\"; keep one", key, envKey));
      return std::nullopt;
    }
    if (!node(envKey)) return text(key);
    std::optional<std::string> var = text(envKey);
    if (!var) return std::nullopt;
    std::optional<std::string> value = env_(*var);
    if (!value || value->empty()) {
      error(node(envKey), fmt::format("the environment variable {} is not set (or empty)", *var));
      return std::nullopt;
    }
    return value;
  }

  // Tokens: an array of strings, or an environment variable holding them
  // separated by commas or spaces.
  std::vector<std::string> tokens(const std::string& key, const std::string& envKey) {
    std::vector<std::string> out;
    const toml::node* at = node(key) ? node(key) : node(envKey);
    if (node(key) && node(envKey)) {
      error(node(envKey), fmt::format("both \"{}\" and \"{}\"; keep one", key, envKey));
      return out;
    }
    if (const toml::node* n = node(key)) {
      const toml::array* list = n->as_array();
      if (!list) {
        error(n, fmt::format("\"{}\" is a list of strings: {} = [\"…\"]", key, key));
        return out;
      }
      for (const toml::node& item : *list) {
        if (!item.is_string()) {
          error(&item, fmt::format("\"{}\" holds strings only", key));
          continue;
        }
        out.push_back(item.as_string()->get());
      }
    } else if (auto value = textOrEnv("", envKey)) {
      std::string word;
      for (char c : *value + ",") {
        if (c == ',' || c == ' ' || c == '\t' || c == '\n') {
          if (!word.empty()) out.push_back(word);
          word.clear();
        } else {
          word += c;
        }
      }
    }
    for (const auto& t : out) {
      bool bad = t.size() < kMinTokenLength ||
                 std::any_of(t.begin(), t.end(), [](char c) { return static_cast<unsigned char>(c) <= ' '; });
      if (bad) {
        error(at, fmt::format("\"{}\": a token is at least {} characters without spaces (make one with `openssl "
                              "rand -hex 16`)",
                              key, kMinTokenLength));
        return {};
      }
    }
    return out;
  }

  fs::path resolve(const std::string& path) const {
    fs::path p(path);
    return p.is_absolute() ? p : baseDir_ / p;
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
  const toml::table& table_;
  std::string name_;
  fs::path baseDir_;
  const outbox::EnvLookup& env_;
  std::vector<std::string>& problems_;
};

// Reads one tenant's entry; nullopt when it has a problem (in `problems`).
std::optional<TenantEntry> readEntry(const std::string& id, const std::string& file, const toml::table& table,
                                     const std::string& name, const fs::path& baseDir, const outbox::EnvLookup& env,
                                     std::vector<std::string>& problems) {
  size_t before = problems.size();
  TableReader r(file, table, name, baseDir, env, problems);
  TenantEntry e;
  e.id = id;
  e.where = place(file, table.source());
  if (auto why = tenantIdProblem(id)) r.error(nullptr, *why);
  r.checkKeys(kTenantKeys);
  std::string fingerprint = "id=" + id;

  if (auto store = r.textOrEnv("store", "store_env")) {
    if (auto problem = outbox::storeProblem(*store)) {
      r.error(r.node("store") ? r.node("store") : r.node("store_env"), "store: " + *problem);
    } else {
      // A relative SQLite path is relative to the file that names it.
      bool sqlite = store->rfind("sqlite:", 0) == 0 || store->find(':') == std::string::npos;
      std::string path = store->rfind("sqlite:", 0) == 0 ? store->substr(7) : *store;
      e.store = sqlite ? "sqlite:" + r.resolve(path).lexically_normal().string() : *store;
    }
  } else if (!r.node("store") && !r.node("store_env")) {
    r.error(nullptr, "\"store\" is missing: where the tenant's deals live (sqlite:PATH or postgres:CONNINFO)");
  }
  fingerprint += "\nstore=" + e.store;

  if (auto module = r.text("module")) {
    fs::path path = r.resolve(*module);
    e.modulePath = path.string();
    if (Result<std::string> bytes = readWholeFile(path)) {
      try {
        (void)bc::load(*bytes);
        e.moduleBytes = std::move(*bytes);
      } catch (const std::exception& ex) {
        r.error(r.node("module"), fmt::format("{} is not a module this Voronka can run: {}", e.modulePath, ex.what()));
      }
    } else {
      r.error(r.node("module"),
              fmt::format("cannot read {}: {} (a .funnelc file made by `voronka build`)", e.modulePath, bytes.error()));
    }
  }
  fingerprint += fmt::format("\nmodule={}:{:016x}", e.modulePath, fnv1a(e.moduleBytes));

  e.tokens = r.tokens("tokens", "tokens_env");
  e.readTokens = r.tokens("read_tokens", "read_tokens_env");
  if (e.tokens.empty() && !r.node("tokens") && !r.node("tokens_env")) {
    r.error(nullptr,
            "\"tokens\" is missing: every tenant needs an API token of its own (tokens = [\"…\"] or tokens_env)");
  }
  for (const auto& t : e.tokens) fingerprint += "\ntoken=" + t;
  for (const auto& t : e.readTokens) fingerprint += "\nread_token=" + t;

  // The files an entry names: their problems carry their own places.
  auto file_ = [&](const char* key, auto&& load) {
    std::optional<std::string> path = r.text(key);
    if (!path) return;
    fs::path resolved = r.resolve(*path);
    Result<std::string> text = readWholeFile(resolved);
    if (!text) {
      r.error(r.node(key), fmt::format("cannot read {}: {}", resolved.string(), text.error()));
      return;
    }
    fingerprint += fmt::format("\n{}={}:{:016x}", key, resolved.string(), fnv1a(*text));
    load(resolved, *text);
  };
  auto report = [&](const std::vector<std::string>& errors) {
    for (const auto& err : errors) problems.push_back(fmt::format("{} (in {} of {})", err, name, e.where));
  };
  file_("config", [&](const fs::path& path, const std::string& text) {
    auto loaded = outbox::parseServeConfig(text, path.string(), env);
    if (!loaded) return report(loaded.error());
    const outbox::ServerSettings defaults;
    if (loaded->server.listen != defaults.listen || loaded->server.store != defaults.store ||
        !loaded->server.tokens.empty()) {
      r.error(r.node("config"),
              fmt::format("{}: [server] listen, store and tokens of a tenant are in its entry (and listen in the "
                          "tenants file's [server]); take them out of this file",
                          path.string()));
      return;
    }
    e.config = std::move(*loaded);
  });
  file_("crm", [&](const fs::path& path, const std::string& text) {
    auto loaded = crm::parseCrmConfig(text, path.string(), env);
    if (!loaded) return report(loaded.error());
    e.crm = std::move(*loaded);
  });
  file_("plan", [&](const fs::path& path, const std::string& text) {
    auto loaded = deploy::parsePlan(text, path.string());
    if (!loaded) return report(loaded.error());
    e.plan = std::move(*loaded);
  });
  if (auto sync = r.text("synchronous")) {
    if (*sync == "normal") {
      e.synchronous = store::Synchronous::Normal;
    } else if (*sync != "full") {
      r.error(r.node("synchronous"), "\"synchronous\" is \"full\" or \"normal\" (SQLite's durability)");
    }
    fingerprint += "\nsynchronous=" + *sync;
  }
  e.fingerprint = std::move(fingerprint);
  if (problems.size() != before) return std::nullopt;
  return e;
}

struct Found {
  std::string id;
  std::string file;
  const toml::table* table;
  std::string name;
  fs::path baseDir;
};

}  // namespace

std::optional<std::string> tenantIdProblem(const std::string& id) {
  bool ok = !id.empty() && id.size() <= 64 && (std::islower(static_cast<unsigned char>(id[0])) || std::isdigit(id[0]));
  for (char c : id) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_' ||
          c == '-'))
      ok = false;
  }
  if (ok) return std::nullopt;
  return fmt::format(
      "the tenant id \"{}\" is not usable in a path: at most 64 of a-z, 0-9, _ and -, starting with a letter or digit",
      id);
}

Result<TenantsFile, std::vector<std::string>> loadTenantsFile(const fs::path& file, const outbox::EnvLookup& env) {
  std::string name = file.string();
  Result<std::string> text = readWholeFile(file);
  if (!text) {
    return failWith(std::vector<std::string>{
        fmt::format("{}: cannot read the file: {}; check the path given to --tenants", name, text.error())});
  }
  toml::table root;
  try {
    root = toml::parse(*text, name);
  } catch (const toml::parse_error& e) {
    return failWith(std::vector<std::string>{
        fmt::format("{}: {} (tenants.toml is TOML: [server] and a [tenant.ID] table per client)",
                    place(name, e.source()), e.description())});
  }
  fs::path baseDir = file.parent_path();
  TenantsFile out;
  std::vector<std::string> fatal;

  for (const auto& [key, node] : root) {
    std::string k(key.str());
    if (k == "server" || k == "tenant") continue;
    fatal.push_back(fmt::format("{}: unknown table \"{}\"; tenants.toml has [server] and [tenant.ID] tables",
                                place(name, node.source()), k));
  }
  if (const toml::node* s = root.get("server")) {
    if (!s->is_table()) {
      fatal.push_back(place(name, s->source()) + ": [server] must be a table");
    } else {
      TableReader r(name, *s->as_table(), "[server]", baseDir, env, fatal);
      r.checkKeys(kServerKeys);
      if (auto listen = r.text("listen")) {
        if (auto problem = outbox::listenProblem(*listen)) {
          r.error(r.node("listen"), "listen: " + *problem);
        } else {
          out.server.listen = *listen;
        }
      }
      out.server.adminTokens = r.tokens("admin_tokens", "admin_tokens_env");
      if (auto dir = r.text("tenants_dir")) {
        fs::path resolved = r.resolve(*dir);
        std::error_code ec;
        if (!fs::is_directory(resolved, ec)) {
          r.error(r.node("tenants_dir"), fmt::format("{} is not a directory", resolved.string()));
        } else {
          out.server.tenantsDir = resolved.string();
        }
      }
    }
  }
  if (!fatal.empty()) return failWith(std::move(fatal));

  // The entries: [tenant.ID] in file order, then the directory's files by name.
  std::vector<Found> found;
  if (const toml::node* t = root.get("tenant")) {
    if (!t->is_table())
      return failWith(
          std::vector<std::string>{place(name, t->source()) + ": [tenant] must be a table of [tenant.ID] tables"});
    for (const auto& [key, node] : *t->as_table()) {
      std::string id(key.str());
      if (!node.is_table()) {
        out.errors.push_back(
            fmt::format("{}: tenant \"{}\" must be a table: [tenant.{}]", place(name, node.source()), id, id));
        out.broken.push_back(id);
        continue;
      }
      found.push_back({id, name, node.as_table(), "[tenant." + id + "]", baseDir});
    }
    std::stable_sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
      return a.table->source().begin.line < b.table->source().begin.line;
    });
  }
  std::vector<std::unique_ptr<toml::table>> dirTables;  // alive while `found` points at them
  if (!out.server.tenantsDir.empty()) {
    std::vector<fs::path> files;
    for (const auto& f : fs::directory_iterator(out.server.tenantsDir)) {
      if (f.path().extension() == ".toml") files.push_back(f.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
      std::string id = path.stem().string();
      std::string fileName = path.string();
      Result<std::string> content = readWholeFile(path);
      if (!content) {
        out.errors.push_back(fmt::format("{}: cannot read the file: {}", fileName, content.error()));
        out.broken.push_back(id);
        continue;
      }
      try {
        dirTables.push_back(std::make_unique<toml::table>(toml::parse(*content, fileName)));
      } catch (const toml::parse_error& e) {
        out.errors.push_back(fmt::format("{}: {} (a tenant's file is TOML: store = …, tokens = […])",
                                         place(fileName, e.source()), e.description()));
        out.broken.push_back(id);
        continue;
      }
      found.push_back({id, fileName, dirTables.back().get(), "tenant " + id, path.parent_path()});
    }
  }

  std::map<std::string, std::string> ids, stores;                          // → where first given
  std::map<std::string, std::pair<std::string, std::string>> tokenOwners;  // → tenant, where
  for (const Found& f : found) {
    std::vector<std::string> problems;
    std::optional<TenantEntry> entry = readEntry(f.id, f.file, *f.table, f.name, f.baseDir, env, problems);
    std::string where = place(f.file, f.table->source());
    if (auto [it, fresh] = ids.emplace(f.id, where); !fresh) {
      problems.push_back(
          fmt::format("{}: tenant \"{}\" is given twice (first at {}); keep one", where, f.id, it->second));
      entry.reset();
    }
    if (entry) {
      if (auto [it, fresh] = stores.emplace(entry->store, where); !fresh) {
        problems.push_back(fmt::format("{}: {}: the store {} is another tenant's (at {}); each tenant has its own",
                                       where, f.name, entry->store, it->second));
        entry.reset();
      }
    }
    if (entry) {
      std::vector<std::string> all = entry->tokens;
      all.insert(all.end(), entry->readTokens.begin(), entry->readTokens.end());
      // The operator's token logs in to every tenant's console: one a tenant's users hold would open all of them.
      for (const auto& t : all) {
        if (findSecret(out.server.adminTokens, t) < 0) continue;
        problems.push_back(fmt::format(
            "{}: {}: a token is one of [server] admin_tokens, which log in to every tenant's console; give the tenant "
            "a token of its own",
            where, f.name));
        entry.reset();
        break;
      }
    }
    if (entry) {
      std::vector<std::string> all = entry->tokens;
      all.insert(all.end(), entry->readTokens.begin(), entry->readTokens.end());
      for (const auto& t : all) {
        auto [it, fresh] = tokenOwners.emplace(t, std::make_pair(f.id, where));
        if (!fresh && it->second.second != where) {
          problems.push_back(fmt::format("{}: {}: a token is tenant {}'s too (at {}); a token identifies one tenant",
                                         where, f.name, it->second.first, it->second.second));
          entry.reset();
          break;
        }
      }
    }
    for (auto& p : problems) out.errors.push_back(std::move(p));
    if (entry) {
      out.tenants.push_back(std::move(*entry));
    } else {
      out.broken.push_back(f.id);
    }
  }
  return out;
}

}  // namespace voronka::server
