// `voronka crm pull amocrm|bitrix24 --url BASE --token-env NAME -o crm.toml FUNNEL…`:
// reads the account and binds the funnel's names to its ids by title;
// `--skeleton client.funnel` writes a funnel skeleton from the account
// instead. `voronka crm bind --crm crm.toml --handler URL` subscribes a
// Bitrix24 app to the deal events and installs the robot. The work is
// runtime/crm/pull.h and bitrix_bind.h; this file reads options and files.
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>

#include "common/write_file.h"
#include "compiler/lower/lower.h"
#include "runtime/crm/bitrix_bind.h"
#include "runtime/crm/crm_config.h"
#include "runtime/crm/pull.h"
#include "tools/voronka/commands.h"
#include "tools/voronka/compile_inputs.h"

namespace voronka::tool {

namespace {

struct PullOptions {
  std::string kind;
  std::string url;
  std::string tokenEnv;
  std::string output = "crm.toml";
  std::string skeleton;
  std::vector<std::string> funnels;
  std::string stdlib;
};

int runPull(const PullOptions& o) {
  const char* token = std::getenv(o.tokenEnv.c_str());
  if (!token || !*token) {
    std::cerr << fmt::format("voronka: error: the environment variable {} is not set: put the account's token in it\n",
                             o.tokenEnv);
    return 2;
  }
  if (o.skeleton.empty() && o.funnels.empty()) {
    std::cerr << "voronka: error: name the funnel files to bind, or --skeleton FILE to write one from the account\n";
    return 2;
  }
  crm::CrmConfig config;
  config.kind = o.kind == "amocrm" ? crm::CrmKind::AmoCrm : crm::CrmKind::Bitrix24;
  config.url = o.url;
  while (!config.url.empty() && config.url.back() == '/') config.url.pop_back();
  if (config.kind == crm::CrmKind::AmoCrm) {
    config.token = token;
    config.rateLimit = 7;
  } else {
    config.url += "/" + std::string(token);  // an incoming webhook: BASE/SECRET/method.json
    config.rateLimit = 2;
    config.burst = 50;
  }
  crm::RateLimiter limiter(config.rateLimit, config.burst);
  crm::TokenKeeper tokens(config);
  crm::CrmApi api(config, tokens, limiter);
  Result<crm::CrmAccount> account = crm::readAccount(api, config.kind);
  if (!account) {
    std::cerr << "voronka: error: cannot read the account: " << account.error() << "\n";
    return 2;
  }
  if (!o.skeleton.empty()) {
    if (Result<void> written = writeFileAtomically(o.skeleton, crm::funnelSkeleton(*account)); !written) {
      std::cerr << fmt::format("voronka: error: cannot write {}: {}\n", o.skeleton, written.error());
      return 2;
    }
    std::cout << fmt::format("wrote {}: {} pipelines, {} fields, {} users from the account\n", o.skeleton,
                             account->pipelines.size(), account->fields.size(), account->users.size());
    if (o.funnels.empty()) return 0;
  }
  CompiledInputs in = compileInputs(o.funnels, o.stdlib, /*union_=*/true);
  if (in.exitCode) return in.exitCode;
  bc::Module module;
  try {
    module = lower::lowerProgram(*in.checked.front(), in.compilation->sources());
  } catch (const lower::LowerError& e) {
    std::cerr << "voronka: error: " << e.what() << "\n";
    return 1;
  }
  crm::PullResult pulled = crm::bindByTitles(*account, module, {config.kind, o.url, o.tokenEnv});
  if (Result<void> written = writeFileAtomically(o.output, pulled.toml); !written) {
    std::cerr << fmt::format("voronka: error: cannot write {}: {}\n", o.output, written.error());
    return 2;
  }
  for (const auto& u : pulled.unmatched) std::cerr << "not matched: " << u << "\n";
  std::cout << fmt::format("wrote {}; {} names not matched{}\n", o.output, pulled.unmatched.size(),
                           pulled.unmatched.empty() ? "" : ": give the CRM's ids by hand (see the comments)");
  return 0;
}

struct BindCommandOptions {
  std::string crm;
  std::string handler;
  bool offline = false;
  bool noRobot = false;
};

int runBind(const BindCommandOptions& o) {
  auto loaded = crm::loadCrmConfig(o.crm);
  if (!loaded) {
    for (const auto& e : loaded.error()) std::cerr << e << "\n";
    return 2;
  }
  const crm::CrmConfig& config = *loaded;
  if (config.kind != crm::CrmKind::Bitrix24) {
    std::cerr << fmt::format(
        "voronka: error: {}: `crm bind` is for Bitrix24; amoCRM's webhooks are set up by hand (docs/crm.md)\n", o.crm);
    return 2;
  }
  if (o.handler.rfind("https://", 0) != 0 && o.handler.rfind("http://", 0) != 0) {
    std::cerr << "voronka: error: --handler must be the address Bitrix24 posts to, "
                 "https://HOST/v1/crm/bitrix24/SECRET\n";
    return 2;
  }
  crm::RateLimiter limiter(config.rateLimit, config.burst);
  crm::TokenKeeper tokens(config);
  crm::CrmApi api(config, tokens, limiter);
  bool ok = true;
  for (const auto& s : crm::bindBitrix(api, {o.handler, o.offline, !o.noRobot, config.robotUser})) {
    std::cout << fmt::format("{:<40} {}\n", s.what, s.note);
    ok = ok && s.ok;
  }
  if (!ok) std::cerr << "voronka: error: Bitrix24 allows these methods to an app only: use [bitrix24.oauth]\n";
  return ok ? 0 : 2;
}

}  // namespace

Runner addCrmCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("crm", "Connect a funnel to the client's amoCRM or Bitrix24 (docs/crm.md)");
  cmd->require_subcommand(1);
  auto* pull = cmd->add_subcommand("pull", "Read the account and write crm.toml: the funnel's names bound to its ids");
  auto o = std::make_shared<PullOptions>();
  pull->add_option("crm", o->kind, "amocrm or bitrix24")->required()->check(CLI::IsMember({"amocrm", "bitrix24"}));
  pull->add_option("funnels", o->funnels, "The funnel's files (together one program)");
  pull->add_option("--url", o->url,
                   "amoCRM: https://SUBDOMAIN.amocrm.ru; Bitrix24: the incoming webhook's address without its "
                   "secret, https://PORTAL/rest/USER")
      ->required();
  pull->add_option("--token-env", o->tokenEnv,
                   "The variable holding the token (amoCRM: a long-lived token; Bitrix24: the webhook's secret)")
      ->required();
  pull->add_option("-o,--output", o->output, "Where to write the mapping (default crm.toml)");
  pull->add_option("--skeleton", o->skeleton, "Write a funnel skeleton from the account into this file");
  pull->add_option("--stdlib", o->stdlib, "Directory of the std.* modules");
  pull->footer(
      "Exit status: 0 written (names not matched are listed), 1 errors in the funnels, 2 usage, I/O or API error.");
  auto* bind = cmd->add_subcommand(
      "bind", "Bitrix24: subscribe to the deal events and install the \"Воронка\" robot (an app's OAuth)");
  auto b = std::make_shared<BindCommandOptions>();
  bind->add_option("--crm", b->crm, "crm.toml with [bitrix24] (and [bitrix24.oauth])")->required();
  bind->add_option("--handler", b->handler, "Where Bitrix24 posts: https://HOST/v1/crm/bitrix24/SECRET")->required();
  bind->add_flag("--offline", b->offline,
                 "Deal events wait in the portal's offline queue (no loss while Voronka is down); "
                 "ONOFFLINEEVENT tells Voronka to fetch them");
  bind->add_flag("--no-robot", b->noRobot, "Do not install the robot");
  bind->footer("Exit status: 0 done (or already there), 2 usage, crm.toml or API error.");
  return [o, b, bind]() { return bind->parsed() ? runBind(*b) : runPull(*o); };
}

}  // namespace voronka::tool
