// A PostgreSQL session advisory lock on a connection of its own, named
// within the store's schema: held until unlock(), or until its process dies
// (the connection closes and PostgreSQL releases it at once). Shared
// workers use it so that one of them at a time drains Bitrix24's offline
// queue, and to pick the leader that polls it (shared_poller.h).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "runtime/crm/inbound.h"

namespace voronka::store::pg {
class Conn;
}

namespace voronka::crm {

class SharedLock {
 public:
  // Connects lazily (at the first lock).
  SharedLock(std::string conninfo, std::string name);
  ~SharedLock();

  // Takes the lock if no other session holds it. Throws StoreError when the
  // database cannot be reached.
  bool tryLock();
  // Waits for the lock.
  void lock();
  void unlock() noexcept;
  // Still held: the connection is alive (a lost connection lost the lock).
  bool stillHeld() noexcept;
  bool held() const { return held_; }

 private:
  void connect();

  std::string conninfo_;
  std::string name_;
  std::unique_ptr<store::pg::Conn> conn_;
  bool held_ = false;
};

// CrmInbound's DrainLock over a SharedLock named "crm.offline": waits for
// the lock (another worker draining), released when the drain ends. When the
// database cannot be reached the drain goes on without it.
DrainLock sharedDrainLock(const std::string& conninfo);

}  // namespace voronka::crm
