// The order in which the mirror hands out the CRM's calls: grouped by kind
// (crm_update first, then tasks, completions, notes, notifications, robot
// replies, then every other effect), so that the calls of many deals due
// together go in one bulk call — but only as far as each deal's outbox order
// allows. An effect moves ahead only of other deals' effects, never of an
// earlier one of its own deal: the outbox delivers a deal's effects one at a
// time in outbox order (docs/serve.md), and a CRM call may not overtake the
// deal's earlier webhook.
#pragma once

#include <string>
#include <vector>

#include "runtime/store/records.h"

namespace voronka::crm {

// The rank of a kind in the grouping (lower goes first); not a CRM call: last.
int crmKindRank(const std::string& kind);

// `effects` reordered: among the effects whose earlier ones of the same deal
// have gone, the lowest rank first, and of equal rank the one given first.
std::vector<store::EffectRecord> groupedByKind(std::vector<store::EffectRecord> effects);

}  // namespace voronka::crm
