#include "tools/voronka/deploy_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>

namespace voronka::tool {

void printDeployOutcome(std::ostream& out, const deploy::DeployOutcome& o) {
  using Status = deploy::DeployOutcome::Status;
  switch (o.status) {
    case Status::FirstVersion:
      out << fmt::format("version {} is the store's first: no deals to move\n", o.toVersion);
      return;
    case Status::AlreadyCurrent: out << fmt::format("the store runs version {} already\n", o.toVersion); return;
    case Status::Refused:
      out << fmt::format("refused: version {} cannot replace {} with this plan; nothing was changed\n", o.toVersion,
                         o.fromVersion);
      for (const auto& p : o.problems) out << "  " << p << "\n";
      if (!o.diff.empty()) out << "what changed (voronka diff):\n" << o.diff;
      return;
    case Status::Deployed: break;
  }
  for (const auto& c : o.changes) {
    out << fmt::format("  {}: {}{}", c.deal, c.fromStage, c.toStage == c.fromStage ? "" : " -> " + c.toStage);
    out << fmt::format(" (timers: {} kept, {} recomputed, {} cancelled", c.timersKept, c.timersRecomputed,
                       c.timersCancelled);
    if (c.enterRun) out << fmt::format("; on enter ran, {} effects", c.effects);
    if (c.fieldsDropped) out << fmt::format("; {} field values dropped", c.fieldsDropped);
    if (c.addedTimersStarted) out << fmt::format("; {} added timers started", c.addedTimersStarted);
    out << ")\n";
  }
  if (o.dryRun && o.deals > static_cast<int64_t>(o.changes.size()))
    out << fmt::format("  … and {} more deals\n", o.deals - static_cast<int64_t>(o.changes.size()));
  for (const auto& f : o.failures) out << "  failed: " << f << "\n";
  out << fmt::format(
      "{} {} deals from {} to {}{}: timers {} kept, {} recomputed, {} cancelled; on enter ran for {} deals ({} "
      "effects); {:.2f}s\n",
      o.dryRun ? "dry run: would move" : "moved", o.deals, o.fromVersion, o.toVersion,
      o.resumed ? " (finishing an interrupted deployment)" : "", o.timersKept, o.timersRecomputed, o.timersCancelled,
      o.enterRun, o.effects, o.seconds);
  if (!o.addedTimers.empty()) {
    static const std::map<std::string, std::string> kMeaning = {
        {"skip", "they start for deals already in their stage at the next entry"},
        {"from_entry", "started for deals already in their stage, counted from when they entered it"},
        {"from_now", "started for deals already in their stage, counted from the deployment"}};
    auto meaning = kMeaning.find(o.addedTimersPolicy);
    out << fmt::format("timed rules added: {} ([timers] added = \"{}\": {}); {} timers started\n",
                       fmt::join(o.addedTimers, ", "), o.addedTimersPolicy,
                       meaning == kMeaning.end() ? "?" : meaning->second, o.addedTimersStarted);
  }
  if (o.dryRun) out << "nothing was changed (--dry-run)\n";
}

}  // namespace voronka::tool
