// Keeps a second `voronka serve` off a store that one is already serving:
// both would fire the same timers and deliver the same effects. The lock is
// an exclusive flock(2) on PATH.lock beside the database, held for the life
// of the server; the kernel drops it when the process ends, kill -9 too, so
// a crash never leaves a store locked. (Not on the database file itself:
// SQLite's POSIX locks would be lost when another descriptor of it closes.)
#pragma once

#include <string>

#include "common/result.h"

namespace voronka::server {

class StoreLock {
 public:
  // Fails, saying why, when another process holds it or the lock file
  // cannot be made.
  static Result<StoreLock> acquire(const std::string& storePath);
  // No lock: for a store that keeps a second server off by itself (PostgreSQL).
  static StoreLock none() { return StoreLock(-1); }

  StoreLock(StoreLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  StoreLock& operator=(StoreLock&& other) noexcept;
  StoreLock(const StoreLock&) = delete;
  ~StoreLock();

 private:
  explicit StoreLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace voronka::server
