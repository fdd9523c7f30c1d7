// plain-http: webhooks and integrations that post deal data over http://.
#include <fmt/format.h>

#include <set>

#include "compiler/analysis/blocks.h"
#include "compiler/lint/context.h"

namespace voronka::lint {
namespace {

bool plainHttp(const ast::InterpolatedText& url) {
  if (url.parts.empty() || url.parts.front().expr) return false;
  const std::string& start = url.parts.front().literal;
  if (start.size() < 7) return false;
  std::string scheme = start.substr(0, 7);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return scheme == "http://";
}

}  // namespace

void lintPlainHttp(LintContext& ctx) {
  std::set<const ast::Action*> seen;
  for (const auto& r : ctx.program.rules) {
    forEachAction(r.rule->body, [&](const ast::Action& a, const ActionContext&) {
      if (a.kind != ast::ActionKind::Webhook || !seen.insert(&a).second) return;
      const auto& hook = a.as<ast::WebhookAction>();
      if (plainHttp(hook.url)) ctx.sink.emit(diag::PlainHttp, hook.url.range, "this webhook");
    });
  }
  for (const auto& integration : ctx.program.integrations) {
    if (!integration.decl || !integration.decl->url) continue;
    if (plainHttp(*integration.decl->url)) {
      ctx.sink.emit(diag::PlainHttp, integration.decl->url->range, fmt::format("integration `{}`", integration.name));
    }
  }
}

}  // namespace voronka::lint
