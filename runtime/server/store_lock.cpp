#include "runtime/server/store_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>

namespace voronka::server {

Result<StoreLock> StoreLock::acquire(const std::string& storePath) {
  std::string path = storePath + ".lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return fail(fmt::format("cannot create the lock file {}: {}", path, std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int why = errno;
    char pid[32] = {};
    ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    std::string holder = n > 0 ? fmt::format(" (pid {})", std::string(pid, static_cast<size_t>(n))) : "";
    ::close(fd);
    if (why == EWOULDBLOCK) {
      return fail(fmt::format(
          "the store {} is already being served by another process{}: two servers would fire the same timers and "
          "deliver the same effects twice. Stop that server first, or use another --store",
          storePath, holder));
    }
    return fail(fmt::format("cannot lock {}: {}", path, std::strerror(why)));
  }
  // Who holds it, for the message above; the lock itself is the flock.
  std::string self = std::to_string(::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, self.data(), self.size(), 0) < 0) {
    // The pid is only informative; the lock is held all the same.
  }
  return StoreLock(fd);
}

StoreLock& StoreLock::operator=(StoreLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

StoreLock::~StoreLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace voronka::server
