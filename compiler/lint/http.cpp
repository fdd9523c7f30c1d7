// plain-http: webhooks and integrations that post deal data over http://.
// host-from-field: addresses whose scheme or host is interpolated.
#include <fmt/format.h>

#include <optional>
#include <set>
#include <string>

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

// Which part of the address an interpolation stands in before the path
// starts, and the interpolation: nullopt when the scheme and host are text.
struct DataDrivenPart {
  const char* part;  // "scheme" or "host"
  const ast::InterpolatedText::Part* value;
};

std::optional<DataDrivenPart> dataDrivenPart(const ast::InterpolatedText& url) {
  std::string before;  // the literal text seen so far
  for (const auto& part : url.parts) {
    if (!part.expr) {
      before += part.literal;
      continue;
    }
    size_t scheme = before.find("://");
    if (scheme == std::string::npos) return DataDrivenPart{"scheme", &part};
    if (before.find_first_of("/?#", scheme + 3) == std::string::npos) return DataDrivenPart{"host", &part};
    return std::nullopt;  // every later interpolation is in the path, query or fragment
  }
  return std::nullopt;
}

void reportHostFromField(LintContext& ctx, const ast::InterpolatedText& url, const std::string& what) {
  std::optional<DataDrivenPart> found = dataDrivenPart(url);
  if (!found) return;
  ctx.sink.emit(diag::HostFromField, found->value->range, found->part, what, ctx.text(found->value->expr->range));
}

}  // namespace

void lintHostFromField(LintContext& ctx) {
  std::set<const ast::Action*> seen;
  for (const auto& r : ctx.program.rules) {
    forEachAction(r.rule->body, [&](const ast::Action& a, const ActionContext&) {
      if (a.kind != ast::ActionKind::Webhook || !seen.insert(&a).second) return;
      reportHostFromField(ctx, a.as<ast::WebhookAction>().url, "this webhook");
    });
  }
  for (const auto& integration : ctx.program.integrations) {
    if (integration.decl && integration.decl->url) {
      reportHostFromField(ctx, *integration.decl->url, fmt::format("integration `{}`", integration.name));
    }
  }
}

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
