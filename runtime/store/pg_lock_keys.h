// The classes of Voronka's PostgreSQL advisory locks, in one place. A lock
// is keyed (class, object): each kind of lock has a class of its own and
// hashes its object (a schema, a deal, a name) into the second key, so that
// a deal's hash can never take the deployment's lock or a CRM lock's.
// Strings, to be pasted into SQL text; never reuse or renumber a class:
// servers of two releases may share a database during a rolling restart.
#pragma once

#define VORONKA_PG_LOCK_MIGRATION "1450144366"     // creating or migrating a schema's tables (pg_schema.cpp)
#define VORONKA_PG_LOCK_STORE "1450144367"         // one server per schema, or shared workers only (pg_store.cpp)
#define VORONKA_PG_LOCK_WORKER_START "1450144368"  // workers starting together (worker_serve.cpp)
#define VORONKA_PG_LOCK_DEPLOYMENT "1450144369"    // a live deployment against the workers' batches (worker_deploy.cpp)
#define VORONKA_PG_LOCK_OUTBOX_DEAL "1450144370"   // one delivery of a deal at a time (pg_store.cpp)
#define VORONKA_PG_LOCK_CRM "1450144371"  // the CRM's named locks: token renewal, offline poll (crm/shared_lock.cpp)
