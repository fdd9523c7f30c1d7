// Every Store implementation behind one factory, for the conformance suite
// (a header of its own: only the store tests link PostgreSQL's libpq).
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "runtime/store/memory_store.h"
#include "runtime/store/pg_store.h"
#include "runtime/store/sqlite_store.h"
#include "tests/store/pg_test_server.h"
#include "tests/store/store_test_support.h"

namespace voronka::testing {

// One Store implementation for the conformance tests.
struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<store::Store>(const TempDir& dir)> make;
  // A rolled-back insert gives its id back (the memory store and SQLite do;
  // PostgreSQL sequences will not: there ids only have to keep increasing).
  bool reusesRolledBackIds = true;
  // Why this store cannot be tested here (empty: it can), for GTEST_SKIP.
  std::function<std::string()> unavailable = [] { return std::string(); };
};

// gtest prints a parameter by its name.
inline void PrintTo(const StoreFactory& f, std::ostream* out) { *out << f.name; }

inline std::vector<StoreFactory> storeFactories() {
  return {
      {"Memory", [](const TempDir&) { return std::make_unique<store::MemoryStore>(); }, true},
      {"Sqlite", [](const TempDir& dir) { return std::make_unique<store::SqliteStore>(dir.file("store.db")); }, true},
      // Each test a schema of its own on one server per test process (pg_test_server.h).
      {"Postgres",
       [](const TempDir&) { return std::make_unique<store::PostgresStore>(TestPostgres::instance().freshSchema()); },
       false, [] { return TestPostgres::instance().unavailable(); }},
  };
}

}  // namespace voronka::testing
