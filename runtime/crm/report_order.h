// Reports of one deal applied in the order of the CRM's versions, on one
// server and on shared workers alike. Two webhooks of one deal can be read
// at nearly the same time and applied in the other order (Bitrix24: two
// crm.deal.get, the later answer applied first; shared workers: the later
// fetch committed to the inbox first). A report older than one applied
// before (its version: amoCRM's last_modified, Bitrix24's DATE_MODIFY) would
// look like a manager moving the deal back: its state is ignored.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "runtime/crm/crm_report.h"
#include "runtime/crm/inbound.h"
#include "runtime/crm/mirror.h"

namespace voronka::crm {

// True when version `a` is older than `b` (both amoCRM's seconds, or both
// Bitrix24's ISO times of one portal); false when they cannot be compared.
bool olderVersion(const std::string& a, const std::string& b);

// Applies `report` as applyReport does, unless the deal was applied from a
// newer report before: then its state is ignored ("ignored", with the two
// versions), and a robot's call or Digital Pipeline event it carries is
// applied without it. The version applied is kept in `mirrorStore`'s meta.
// The caller makes sure no other report of the deal is applied meanwhile
// (one server: CrmInbound's lock of the deal; shared workers: the worker
// that claimed the deal). Returns the report's entry of the webhook's answer.
nlohmann::json applyInVersionOrder(Mirror& mirror, store::Store& mirrorStore, CrmReport report,
                                   const ApplyEvents& applyEvents);

}  // namespace voronka::crm
