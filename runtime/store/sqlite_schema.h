// The SQLite store's file format: its tables, and the migrations that bring a
// file written by an older Voronka up to this one's version.
//
// A store file is marked by PRAGMA application_id and carries its schema
// version in PRAGMA user_version (both in the database header, so they can be
// read before anything else). Migration N turns version N-1 into N, each in
// one transaction: a failure leaves the file at its previous version.
#pragma once

#include <cstdint>

#include "runtime/store/sqlite_db.h"

namespace voronka::store::sqlite {

inline constexpr int kSchemaVersion = 5;               // what this build writes
inline constexpr int32_t kApplicationId = 0x566F726E;  // "Vorn"

// Refuses a file that is not a Voronka store, or one from a newer Voronka,
// with a message naming the file (and both versions); touches nothing.
void checkStoreFile(Db& db);

// Brings the file to kSchemaVersion (creating the tables in a new file).
void migrate(Db& db);

// For a store opened only to read: refuses a file older than kSchemaVersion
// (it would have to be migrated, which a reader must not do).
void checkCurrent(Db& db);

// The SQL of migration `version` (1 to kSchemaVersion), which turns version
// `version - 1` into `version`: the tests write older files with it.
const char* migrationSql(int version);

}  // namespace voronka::store::sqlite
