// The outbox's connectors for the CRM effects (effects.def: crm_update,
// crm_task, crm_complete_task, crm_note, crm_notify): each effect becomes
// calls of the account's API, crm_update in batches (amoCRM: one PATCH of
// up to 50 deals; Bitrix24: one `batch` of up to 50 commands).
//
// The APIs take no idempotency key, so what is created is remembered: the
// CRM's id of each task and note is kept in the store (meta
// "crm.created:<effect key>", and "crm.task:<task id>" for completing it
// later). A retried effect — the process died after the CRM created the
// task but before the outbox recorded it — first looks in the store, then
// in the CRM (the deal's tasks or notes with the same text), and creates
// only what is not there.
#pragma once

#include "runtime/crm/crm_api.h"
#include "runtime/crm/mirror.h"
#include "runtime/outbox/connectors.h"
#include "runtime/store/store.h"

namespace voronka::crm {

// Adds a connector for every CRM effect kind to `connectors`. `memory` is the
// store the ids of created things are kept in.
void addCrmConnectors(outbox::Connectors& connectors, const CrmConfig& config, CrmApi& api, store::Store& memory);

inline constexpr size_t kCrmBatch = 50;

}  // namespace voronka::crm
