// The OAuth tokens of a CRM account shared by every `voronka serve --workers
// shared` process of one PostgreSQL store. amoCRM's refresh token works once:
// two workers refreshing together would leave one of them — and then the
// account — with a spent token. So the pair lives in the store (its meta
// table, key "crm.oauth", beside the deals) and a refresh happens under the
// row's lock (SELECT … FOR UPDATE): the first worker refreshes and commits
// the new pair; the others wait on the lock, read the pair again and use it.
// The new pair is also written to token_file (as one server does) before
// the commit, so an operator can recover it if the database goes away at
// that moment.
//
// The pair crm.toml gives seeds the row on first use; a refresh token in
// crm.toml the row has not started from (the integration authorized again)
// replaces it, one it has (a worker still on the old crm.toml) does not.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "runtime/crm/tokens.h"

namespace voronka::store::pg {
class Conn;
}

namespace voronka::crm {

class SharedTokenKeeper : public TokenKeeper {
 public:
  // Connects to the store (throws StoreError when it cannot).
  SharedTokenKeeper(const CrmConfig& config, const std::string& conninfo);
  ~SharedTokenKeeper() override;

  Result<std::string> current() override;
  Result<std::string> renewAfter(const std::string& refused) override;

  // Refreshes this process made (for tests and /metrics).
  uint64_t refreshes() const { return refreshes_; }

 private:
  // Under the row's lock: takes the stored pair when it is usable and is not
  // `refused`, otherwise refreshes and stores the new one.
  Result<void> syncLocked(const std::string& refused);

  std::mutex mutex_;  // one caller of this process at a time talks to the row
  std::unique_ptr<store::pg::Conn> conn_;
  struct Statements;
  std::unique_ptr<Statements> st_;
  TokenPair pair_;
  uint64_t refreshes_ = 0;
};

}  // namespace voronka::crm
