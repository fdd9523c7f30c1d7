#include "runtime/crm/report_order.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace voronka::crm {

namespace {

bool allDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// "2026-12-03T10:00:00+03:00": Bitrix24's DATE_MODIFY.
bool isoTime(const std::string& s) {
  return s.size() >= 19 && std::isdigit(static_cast<unsigned char>(s[0])) && s[4] == '-' && s[10] == 'T';
}

std::string reportedKey(const std::string& deal) { return "crm.reported:" + deal; }

}  // namespace

bool olderVersion(const std::string& a, const std::string& b) {
  if (allDigits(a) && allDigits(b)) {
    if (a.size() != b.size()) return a.size() < b.size();
    return a < b;
  }
  if (isoTime(a) && isoTime(b)) return a < b;
  return false;
}

nlohmann::json applyInVersionOrder(Mirror& mirror, store::Store& mirrorStore, CrmReport report,
                                   const ApplyEvents& applyEvents) {
  std::string deal = mirror.dealId(report.crmId);
  std::optional<std::string> applied;
  {
    auto tx = mirrorStore.begin();  // read only
    applied = tx->meta(reportedKey(deal));
  }
  bool stale = applied && olderVersion(report.version, *applied);
  if (stale && report.events.empty()) {
    return {{"deal", deal},
            {"status", "ignored"},
            {"reason", fmt::format("an older state of the deal (version {}) than one applied before ({})",
                                   report.version, *applied)}};
  }
  if (stale) {
    // A robot's call (or a Digital Pipeline event) is an event of its own:
    // applied, answered — only the deal's state it carries is out of date.
    report.crmStage.clear();
    report.fields.clear();
    report.responsible.reset();
    report.tags.reset();
  }
  nlohmann::json out = applyReport(mirror, mirrorStore, report, applyEvents);
  const std::string& v = report.version;
  if (!stale && (allDigits(v) || isoTime(v)) && (!applied || !olderVersion(v, *applied))) {
    auto tx = mirrorStore.begin();
    tx->putMeta(reportedKey(deal), report.version);
    tx->commit();
  }
  return out;
}

}  // namespace voronka::crm
