// The baseline of the store benchmark: the rows the SQLite store wrote for a
// run, written again with nothing but plain sqlite3 prepared statements — same
// file settings, same tables, same statements per transaction, same batching.
#pragma once

#include <sqlite3.h>

#include <string>
#include <vector>

#include "bench/store_decorators.h"

namespace voronka::bench {

class RawSqliteWriter {
 public:
  // `path` is a store file with the tables already there (a new SqliteStore
  // creates them); fullSync picks PRAGMA synchronous FULL or NORMAL.
  RawSqliteWriter(const std::string& path, bool fullSync);
  ~RawSqliteWriter();
  RawSqliteWriter(const RawSqliteWriter&) = delete;
  RawSqliteWriter& operator=(const RawSqliteWriter&) = delete;

  // Writes every transaction's rows: alone (perCommit 1) or `perCommit` of
  // them per SQLite transaction, each inside a savepoint. Throws on errors.
  void replay(const std::vector<RecordedTransaction>& log, size_t perCommit);
  // The second, smaller baseline (issue 16): per transaction only its event
  // row and its deal's last update, with the same batching.
  void replayEventAndDeal(const std::vector<RecordedTransaction>& log, size_t perCommit);

 private:
  sqlite3_stmt* prepare(const char* sql);
  void step(sqlite3_stmt* s);
  void write(const Write& w);

  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> all_;
  sqlite3_stmt *begin_, *commit_, *savepoint_, *release_;
  sqlite3_stmt *putDeal_, *addTask_, *putTask_, *addTimer_, *removeTimer_, *addEffect_, *putEffect_, *recordEvent_,
      *addHistory_, *addNote_, *takeCounter_, *putMeta_;
};

}  // namespace voronka::bench
